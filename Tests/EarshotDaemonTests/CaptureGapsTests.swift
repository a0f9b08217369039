import Testing
@testable import EarshotDaemon

@Suite("CaptureGaps: where the captured stream is not continuous")
struct CaptureGapsTests {
    @Test func firstGapInARangeAndOnlyTheLastFewKept() {
        let g = CaptureGaps()
        #expect(g.first(in: 0..<1_000) == nil)
        g.record(100); g.record(100); g.record(250)
        #expect(g.first(in: 0..<1_000) == 100)
        #expect(g.first(in: 100..<101) == 100, "a gap at the range's first sample is in it")
        #expect(g.first(in: 101..<250) == nil, "…and one at its end is not")
        #expect(g.first(in: 101..<1_000) == 250)
        for k in 1...g.capacity { g.record(1_000 + k) }
        #expect(g.first(in: 0..<1_000) == nil, "the oldest gaps make room for the last \(g.capacity)")
        #expect(g.first(in: 0..<2_000) == 1_001)
    }
}
