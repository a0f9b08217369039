import EarshotDetect
import Testing

/// `Detector.continueDecisions(from:)`: a detector that replaces another in mid-stream (earshotd, a new model on
/// a reload) goes on with its decision state.
@Suite struct DetectorHandOverTests {
    func window(_ t: Double, _ score: Float) -> ScoredWindow { ScoredWindow(start: t - 0.97, end: t, onset: t - 0.2, score: score) }

    func started(_ d: Detector, _ w: ScoredWindow) -> Int {
        var n = 0
        d.replay(w) { if case .started = $0 { n += 1 } }
        return n
    }

    @Test func aRunBeingConfirmedIsCompletedByTheNewDetector() throws {
        let rule = DecisionRule(threshold: 0.5, minConsecutive: 2, cooldown: 5)
        let old = try Detector(model: try TestModel.random(), rule: rule)
        #expect(started(old, window(10.0, 0.9)) == 0, "one window above: being confirmed")
        let new = try Detector(model: try TestModel.random(seed: 9), rule: rule)
        new.continueDecisions(from: old)
        #expect(started(new, window(10.1, 0.9)) == 1, "the second window above confirms the run the old detector began")
        let fresh = try Detector(model: try TestModel.random(seed: 9), rule: rule)
        #expect(started(fresh, window(10.1, 0.9)) == 0, "without the hand-over the run starts again")
    }

    @Test func anEventJustReportedIsNotReportedAgain() throws {
        let rule = DecisionRule(threshold: 0.5, minConsecutive: 1, cooldown: 5)
        let old = try Detector(model: try TestModel.random(), rule: rule)
        #expect(started(old, window(10.0, 0.9)) == 1)
        for t in stride(from: 10.1, through: 11.0, by: 0.1) { _ = started(old, window(t, 0.1)) }   // the event ends
        let new = try Detector(model: try TestModel.random(seed: 9), rule: rule)
        new.continueDecisions(from: old)
        #expect(started(new, window(11.1, 0.9)) == 0, "still in the old event's cooldown")
        #expect(new.windowsScored == old.windowsScored + 1 && new.lastScore == 0.9)
        let fresh = try Detector(model: try TestModel.random(seed: 9), rule: rule)
        #expect(started(fresh, window(11.1, 0.9)) == 1)
    }
}
