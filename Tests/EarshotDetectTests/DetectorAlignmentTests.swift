import EarshotDetect
import Testing

/// The samples at which windows are scored, which earshotd uses to line its windows up with capture blocks.
@Suite struct DetectorAlignmentTests {
    /// Feeds one sample at a time and records after which sample count each window was scored.
    func scoredAt(_ d: Detector, samples: Int) -> [Int] {
        d.reset()
        var at: [Int] = [], fed = 0
        d.onScore = { _, _ in at.append(fed) }
        let x = TestModel.audio(seconds: Double(samples) / 16_000 + 0.1, bursts: [0.5])
        x.withUnsafeBufferPointer { all in
            for i in 0..<samples { fed = i + 1; d.process(UnsafeBufferPointer(rebasing: all[i..<(i + 1)])) { _ in } }
        }
        d.onScore = nil
        return at
    }

    @Test func windowsAreScoredWhenTheirLastSampleArrives() throws {
        let d = try Detector(model: try TestModel.random(), rule: DecisionRule(threshold: 0.5))
        #expect(d.firstWindowSamples == 95 * 160 + 512 && d.hopSamples == 1600)
        let at = scoredAt(d, samples: d.firstWindowSamples + 3 * d.hopSamples)
        #expect(at == (0...3).map { d.firstWindowSamples + $0 * d.hopSamples })
    }

    /// With the skip, every window ends exactly where a block ends (the block divides the hop), from any
    /// starting index and block phase; it is less than one block.
    @Test func theSkipPutsWindowEndsOnBlockEnds() throws {
        let d = try Detector(model: try TestModel.random(), rule: DecisionRule(threshold: 0.5))
        for block in [1600, 800, 320, 160] {
            for (next, blockEnd) in [(0, 0), (0, 1600), (12_345, 16_000), (999, 7 * block + 5)] {
                let skip = d.alignmentSkip(next: next, blockEnd: blockEnd, block: block)
                #expect((0..<block).contains(skip))
                for k in 0..<4 {
                    let end = next + skip + d.firstWindowSamples + k * d.hopSamples   // ring index after its last sample
                    #expect((end - blockEnd) % block == 0, "block \(block), next \(next), blockEnd \(blockEnd): window \(k) ends at \(end)")
                }
            }
        }
        #expect(d.alignmentSkip(next: 0, blockEnd: 0, block: 1600) == 288)   // 15,712 samples = 9 blocks + 1,312
        #expect(d.alignmentSkip(next: 0, blockEnd: 0, block: 0) == 0)
    }
}
