import Testing
@testable import EarshotDaemon

/// `MixCancellation`: the window of 100 ms blocks that tells whether channels mixed cancel each other.
@Suite struct MixCancellationTests {
    /// Blocks leave the window as new ones come: the counts are those of the last `blocks` only, and the verdict
    /// follows them — a third of the blocks with sound, at least 10, and three times the other kind.
    @Test func theVerdictIsTheLastWindowsBlocks() {
        var w = MixCancellation(blocks: 30)
        for _ in 0..<29 { w.add(ratio: 0.1, sounding: true) }
        #expect(w.cancelling == 29 && !w.tellsCancelling, "no verdict before a whole window")
        w.add(ratio: 0.1, sounding: true)
        #expect(w.tellsCancelling && !w.tellsInPhase)
        // 20 blocks in phase push 20 cancelling ones out: 10 cancelling, 20 in phase
        for _ in 0..<20 { w.add(ratio: 1.9, sounding: true) }
        #expect(w.cancelling == 10 && w.inPhase == 20 && w.sound == 30 && !w.tellsCancelling && !w.tellsInPhase,
                "20 in phase are not 3 × 10 cancelling")
        for _ in 0..<7 { w.add(ratio: 1.9, sounding: true) }
        #expect(w.cancelling == 3 && w.inPhase == 27 && w.tellsInPhase)
        // unrelated channels (≈ 1) and blocks without sound tell nothing, and dilute nothing but the sound count
        for _ in 0..<30 { w.add(ratio: 1.0, sounding: true) }
        #expect(w.sound == 30 && w.cancelling == 0 && w.inPhase == 0 && !w.tellsCancelling && !w.tellsInPhase)
        for i in 0..<30 { w.add(ratio: 0.2, sounding: i < 12) }
        #expect(w.sound == 12 && w.cancelling == 12 && w.tellsCancelling, "12 cancelling of 12 with sound")
        w.reset()
        #expect(w.sound == 0 && !w.tellsCancelling)
        for _ in 0..<30 { w.add(ratio: nil, sounding: true) }
        #expect(w.sound == 0, "no ratio (every channel digital zero): no sound to tell from")
    }
}
