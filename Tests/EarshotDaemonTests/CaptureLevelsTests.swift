import Testing
@testable import EarshotDaemon

/// `CaptureLevels`: the capture thread's blocks reach the detection loop in order, the newest kept when it lags.
@Suite struct CaptureLevelsTests {
    static func block(_ k: Int) -> LevelBlock { LevelBlock(seconds: 0.1, silent: false, constant: Float(k), clipped: k, samples: 4800) }

    @Test func blocksAreDrainedOnceInOrderAndTheOldestMakeRoom() {
        let levels = CaptureLevels(seconds: 6.2)
        for k in 0..<5 { levels.push(Self.block(k), at: 1600 * k) }
        var got: [Int] = []
        levels.drain { got.append($0.clipped) }
        #expect(got == [0, 1, 2, 3, 4])
        got = []
        levels.drain { got.append($0.clipped) }
        #expect(got.isEmpty, "drained once")
        #expect(levels.capacity == 64, "6.2 s of blocks and two more")
        let over = levels.capacity + 3
        for k in 0..<over { levels.push(Self.block(k), at: 1600 * k) }
        levels.drain { got.append($0.clipped) }
        #expect(got == Array(3..<over), "the newest \(levels.capacity) kept: \(got.prefix(3))…")
    }

    /// A capture running ahead of the loop (unpaced, `--replay`) hands each block over once the loop has read the
    /// samples of the read it ended in: in step with the audio, not all at once.
    @Test func blocksWaitUntilTheLoopHasReadTheirSamples() {
        let levels = CaptureLevels(seconds: 6.2)
        for k in 1...4 { levels.push(Self.block(k), at: 1600 * k) }
        var got: [Int] = []
        levels.drain(upTo: 1599) { got.append($0.clipped) }
        #expect(got.isEmpty)
        levels.drain(upTo: 3200) { got.append($0.clipped) }
        #expect(got == [1, 2])
        levels.drain(upTo: 6399) { got.append($0.clipped) }
        #expect(got == [1, 2, 3])
        levels.drain(upTo: 6400) { got.append($0.clipped) }
        #expect(got == [1, 2, 3, 4])
    }
}
