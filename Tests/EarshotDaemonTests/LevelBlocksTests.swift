import Testing
@testable import EarshotDaemon

/// `LevelBlocks`: 100 ms blocks at the rate the signal is counted at, with what the liveness monitor asks of each.
@Suite struct LevelBlocksTests {
    static func blocks(_ x: [Float], peaks: [Float]? = nil, rate: Int, clipLevel: Float = 0.999, chunk: Int = 1000) -> [LevelBlock] {
        var lb = LevelBlocks(sampleRate: rate)
        var out: [LevelBlock] = []
        var i = 0
        while i < x.count {   // in chunks that do not line up with the blocks
            let m = min(chunk, x.count - i)
            x.withUnsafeBufferPointer { xs in
                let part = UnsafeBufferPointer(rebasing: xs[i..<(i + m)])
                if let peaks {
                    peaks.withUnsafeBufferPointer { ps in lb.observe(part, peaks: UnsafeBufferPointer(rebasing: ps[i..<(i + m)]), clipLevel: clipLevel) { out.append($0) } }
                } else {
                    lb.observe(part, clipLevel: clipLevel) { out.append($0) }
                }
            }
            i += m
        }
        return out
    }

    @Test("a block is 100 ms at the signal's own rate; a partial block is not reported")
    func blocksAreATenthOfASecondAtAnyRate() {
        for rate in [8_000, 16_000, 44_100, 48_000] {
            let b = Self.blocks([Float](repeating: 0.1, count: rate / 4), rate: rate)
            #expect(b.count == 2, "\(rate) Hz: 0.25 s is two whole blocks: \(b.count)")
            #expect(b.allSatisfy { $0.samples == rate / 10 && abs($0.seconds - 0.1) < 1e-12 }, "\(rate) Hz: \(b.first.map { "\($0)" } ?? "none")")
        }
    }

    @Test("silence, a constant value and clipped samples are what each block says")
    func eachBlocksLevels() {
        let rate = 48_000, n = rate / 10
        // block 0: digital silence (below half an LSB); 1: constant 0.25; 2: 1 % at full scale, the rest varying;
        // 3: a value at the clip level of 0.9 counts, one just below does not
        var x = [Float](repeating: 0.4 / 32768, count: n)
        x += [Float](repeating: 0.25, count: n)
        x += (0..<n).map { $0 % 100 == 0 ? -1 : Float($0 % 7) / 10 }
        x += (0..<n).map { $0 % 2 == 0 ? 0.9 : 0.8999 }
        let b = Self.blocks(x, rate: rate, clipLevel: 0.9)
        #expect(b.count == 4)
        guard b.count == 4 else { return }
        #expect(b[0].silent && b[0].constant != nil && b[0].clipped == 0)
        #expect(!b[1].silent && b[1].constant == 0.25 && b[1].clipped == 0)
        #expect(!b[2].silent && b[2].constant == nil && b[2].clipped == 48 && abs(b[2].clippedFraction - 0.01) < 1e-6, "\(b[2])")
        #expect(b[3].clipped == n / 2, "|x| ≥ clip level counts, below it not: \(b[3].clipped)")
        #expect(b.map(\.peak) == [0.4 / 32768, 0.25, 1, 0.9], "each block's largest |x|: \(b.map(\.peak))")
    }

    @Test("with peaks given, a frame whose mix is below the clip level still counts when one channel was at it")
    func peaksOfTheMixedChannelsCount() {
        let rate = 16_000, n = 1600
        let mix = (0..<n).map { $0 % 2 == 0 ? Float(0.5) : -0.5 }   // one channel ±1, the other silent: the mean is ±0.5
        let peaks = [Float](repeating: 1, count: n)
        #expect(Self.blocks(mix, rate: rate).first.map { $0.clipped == 0 && $0.peak == 0.5 } == true)
        #expect(Self.blocks(mix, peaks: peaks, rate: rate).first.map { $0.clipped == n && $0.peak == 1 } == true)
    }
}
