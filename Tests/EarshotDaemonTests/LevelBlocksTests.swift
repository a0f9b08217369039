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

    /// Two channels (without a DC offset) mixed as the capture thread mixes them: the mono mean, each frame's
    /// largest |x|, and Σ x_c² / 4.
    static func mixed(_ a: [Float], _ b: [Float], rate: Int = 16_000) -> [LevelBlock] {
        let mono = zip(a, b).map { ($0 + $1) / 2 }, peaks = zip(a, b).map { max(abs($0), abs($1)) }
        let unrelated = zip(a, b).map { ($0 * $0 + $1 * $1) / 4 }
        var lb = LevelBlocks(sampleRate: rate)
        var out: [LevelBlock] = []
        mono.withUnsafeBufferPointer { m in peaks.withUnsafeBufferPointer { p in unrelated.withUnsafeBufferPointer { u in
            lb.observe(m, peaks: p, mix: (m, u), clipLevel: 0.999) { out.append($0) }
        } } }
        return out
    }

    /// The mix's energy against unrelated channels': 2 for the same sound on both, ≈ 1 for channels that share
    /// nothing, 0 for one phase-inverted. A mix of exactly opposite channels is all 0 and still no silence: the
    /// channels are not. One channel alone has no ratio.
    @Test func theMixRatioSaysWhetherChannelsCancel() {
        var state: UInt64 = 3
        func noise() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23) * 0.1 }
        let a = (0..<3_200).map { _ in noise() }, other = (0..<3_200).map { _ in noise() }
        let same = Self.mixed(a, a), unrelated = Self.mixed(a, other), opposite = Self.mixed(a, a.map { -$0 })
        #expect(same.count == 2 && same.allSatisfy { abs(($0.mixRatio ?? 0) - 2) < 1e-3 }, "\(same)")
        #expect(unrelated.allSatisfy { abs(($0.mixRatio ?? 0) - 1) < 0.1 }, "\(unrelated.map(\.mixRatio))")
        #expect(opposite.allSatisfy { $0.mixRatio == 0 && !$0.silent && $0.peak > 0.05 }, "\(opposite)")
        #expect(Self.blocks(a, rate: 16_000).allSatisfy { $0.mixRatio == nil })
        #expect(Self.mixed([Float](repeating: 0, count: 1_600), [Float](repeating: 0, count: 1_600)).first.map { $0.silent && $0.mixRatio == nil } == true)
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
