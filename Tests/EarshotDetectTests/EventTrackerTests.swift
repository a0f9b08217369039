@testable import EarshotDetect
import Testing

/// The decision rule on synthetic score sequences: window i spans [0.1 i, 0.1 i + 0.1) s, onset = its start.
@Suite struct EventTrackerTests {
    func run(_ scores: [Float], _ rule: DecisionRule, finish: Bool = true) -> [DetectorOutput] {
        var t = EventTracker(rule: rule)
        var out: [DetectorOutput] = []
        for (i, s) in scores.enumerated() {
            let a = Double(i) * 0.1
            t.observe(score: s, windowStart: a, windowEnd: a + 0.1, onset: a) { out.append($0) }
        }
        if finish { t.finish { out.append($0) } }
        return out
    }

    func ended(_ o: [DetectorOutput]) -> [DetectionEvent] { o.compactMap { if case let .ended(e) = $0 { return e } else { return nil } } }
    func started(_ o: [DetectorOutput]) -> [DetectionEvent] { o.compactMap { if case let .started(e) = $0 { return e } else { return nil } } }

    /// A rule updated in mid-stream (earshotd's reload) applies from the next window and keeps the state: the run
    /// being confirmed, the open event and the cooldown after the last one.
    @Test func anUpdatedRuleKeepsTheRunTheEventAndTheCooldown() {
        func feed(_ t: inout EventTracker, _ scores: [Float], from i0: Int, _ out: inout [DetectorOutput]) {
            for (k, s) in scores.enumerated() {
                let a = Double(i0 + k) * 0.1
                t.observe(score: s, windowStart: a, windowEnd: a + 0.1, onset: a) { out.append($0) }
            }
        }
        // a run of one above 0.5, then the threshold rises to 0.7: the second window (0.8) confirms the run
        var t = EventTracker(rule: DecisionRule(threshold: 0.5, cooldown: 5))
        var out: [DetectorOutput] = []
        feed(&t, [0.1, 0.6], from: 0, &out)
        t.update(rule: DecisionRule(threshold: 0.7, cooldown: 5))
        feed(&t, [0.8], from: 2, &out)
        #expect(started(out).map(\.start) == [0.1], "the run begun under the old rule is confirmed under the new: \(out)")
        // the open event stays open through the update, ends, and its cooldown holds under the new rule
        t.update(rule: DecisionRule(threshold: 0.7, minConsecutive: 1, cooldown: 5))
        feed(&t, [0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9], from: 3, &out)
        #expect(started(out).count == 1 && ended(out).count == 1, "no second event inside the cooldown: \(out)")
        #expect(ended(out).first.map { abs($0.end - 0.4) < 1e-9 } == true, "the event ran on across the update: \(out)")
        // …and a new threshold applies from the next window (after the cooldown, set when the event ended: 5.4 s)
        t.update(rule: DecisionRule(threshold: 0.95, minConsecutive: 1, cooldown: 0))
        feed(&t, [0.9, 0.9, 0.96], from: 60, &out)
        #expect(started(out).count == 2 && started(out).last.map { abs($0.start - 6.2) < 1e-9 } == true, "\(out)")
    }

    /// The audio ended and was scored to its end (earshotd: the device lost or stalled): the open event closes, a
    /// run not yet confirmed does not go on across the gap, and windows after it whose sound began before the end
    /// (a detector streaming across the gap sees the old audio again) start nothing — not even once the real time
    /// without audio has used the cooldown up — while a new sound after it pages.
    @Test func theEndOfAudioClosesTheEventAndDecidesWhatCameBefore() {
        func feed(_ t: inout EventTracker, _ windows: [(score: Float, onset: Double)], from i0: Int, _ out: inout [DetectorOutput]) {
            for (k, w) in windows.enumerated() {
                let a = Double(i0 + k) * 0.1
                t.observe(score: w.score, windowStart: a, windowEnd: a + 0.1, onset: w.onset) { out.append($0) }
            }
        }
        let rule = DecisionRule(threshold: 0.5, cooldown: 5)
        // an event open at the end closes there
        var t = EventTracker(rule: rule)
        var out: [DetectorOutput] = []
        feed(&t, [(0.1, 0), (0.9, 0.1), (0.9, 0.1)], from: 0, &out)
        t.endOfAudio(at: 0.3) { out.append($0) }
        #expect(started(out).count == 1 && ended(out).count == 1 && ended(out).allSatisfy { abs($0.end - 0.3) < 1e-9 }, "\(out)")
        // 20 s without audio use the cooldown up; the windows after the gap that still hold the shot start nothing
        t.passWithoutAudio(seconds: 20)
        feed(&t, [(0.9, 0.1), (0.9, 0.1), (0.9, 0.1)], from: 3, &out)
        #expect(started(out).count == 1, "the shot decided before the gap is not paged again: \(out)")
        // a new sound after the end pages
        feed(&t, [(0.9, 0.65), (0.9, 0.65)], from: 6, &out)
        #expect(started(out).map(\.start) == [0.1, 0.65], "\(out)")

        // a run of one window, not confirmed at the end, does not join a window after the gap into an event
        var u = EventTracker(rule: rule)
        var o2: [DetectorOutput] = []
        feed(&u, [(0.1, 0), (0.9, 0.1)], from: 0, &o2)
        u.endOfAudio(at: 0.2) { o2.append($0) }
        feed(&u, [(0.9, 0.25)], from: 2, &o2)
        #expect(o2.isEmpty, "\(o2)")
        feed(&u, [(0.9, 0.25)], from: 3, &o2)
        #expect(started(o2).map(\.start) == [0.25], "two windows after the gap confirm a sound of their own: \(o2)")
    }

    @Test func singleWindowIsNotEnoughWithMinConsecutiveTwo() {
        let o = run([0.1, 0.9, 0.1, 0.1, 0.95, 0.1], DecisionRule(threshold: 0.5))
        #expect(o.isEmpty)
    }

    @Test func twoConsecutiveWindowsStartAnEventAtTheSecond() {
        var startedAfter = -1
        var t = EventTracker(rule: DecisionRule(threshold: 0.5))
        for (i, s) in ([0.1, 0.8, 0.9, 0.7, 0.1] as [Float]).enumerated() {
            let a = Double(i) * 0.1
            t.observe(score: s, windowStart: a, windowEnd: a + 0.1, onset: a) { if case .started = $0, startedAfter < 0 { startedAfter = i } }
        }
        #expect(startedAfter == 2)
    }

    @Test func minConsecutiveThree() {
        #expect(run([0.9, 0.9, 0.1, 0.9, 0.9, 0.1], DecisionRule(threshold: 0.5, minConsecutive: 3)).isEmpty)
        let e = ended(run([0.1, 0.9, 0.9, 0.9, 0.1], DecisionRule(threshold: 0.5, minConsecutive: 3)))
        #expect(e.count == 1)
        #expect(abs(e[0].start - 0.1) < 1e-9)
    }

    /// `maxDips`: a run being confirmed survives that many below-threshold windows in a row; the event starts
    /// at the run's first window and is confirmed at the window that completes the count.
    @Test func aRunSurvivesUpToMaxDipsBelowThreshold() {
        let dip: [Float] = [0.1, 0.9, 0.2, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
        #expect(run(dip, DecisionRule(threshold: 0.5)).isEmpty, "one dip breaks a consecutive pair")
        let o = run(dip, DecisionRule(threshold: 0.5, maxDips: 1))
        #expect(started(o).count == 1 && ended(o).count == 1, "\(o)")
        #expect(started(o).first.map { abs($0.start - 0.1) < 1e-9 && abs($0.end - 0.4) < 1e-9 } == true, "starts at the run's first window, confirmed at the fourth: \(o)")
        // two dips in a row break it, under maxDips 1 but not 2
        let twoDips: [Float] = [0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1]
        #expect(run(twoDips, DecisionRule(threshold: 0.5, maxDips: 1)).isEmpty)
        #expect(started(run(twoDips, DecisionRule(threshold: 0.5, maxDips: 2))).count == 1)
        // dips in a row are counted afresh after each window above: three windows, two single dips, confirm
        let o3 = run([0.9, 0.1, 0.9, 0.1, 0.9, 0.1], DecisionRule(threshold: 0.5, minConsecutive: 3, maxDips: 1))
        #expect(started(o3).count == 1 && started(o3).first.map { abs($0.end - 0.5) < 1e-9 } == true, "\(o3)")
        // the peak of a dipped run is its highest window
        #expect(started(run([0.6, 0.1, 0.95, 0.1], DecisionRule(threshold: 0.5, maxDips: 1))).first?.peakScore == 0.95)
    }

    @Test func scoreEqualToThresholdCountsAsAbove() {
        #expect(ended(run([0.5, 0.5], DecisionRule(threshold: 0.5))).count == 1)
        #expect(ended(run([0.49, 0.49], DecisionRule(threshold: 0.5))).isEmpty)
    }

    @Test func windowsWithinMergeGapFormOneEvent() {
        // above 0.1–0.3, gap of 3 windows (0.3 s < 0.5 s), above 0.6–0.8
        let s: [Float] = [0.1, 0.9, 0.9, 0.1, 0.1, 0.1, 0.8, 0.99, 0.1]
        let e = ended(run(s, DecisionRule(threshold: 0.5, cooldown: 0)))
        #expect(e.count == 1)
        #expect(abs(e[0].start - 0.1) < 1e-9)
        #expect(abs(e[0].end - 0.8) < 1e-9)
        #expect(e[0].peakScore == 0.99)
        #expect(abs(e[0].peakTime - 0.75) < 1e-9)
    }

    @Test func gapLongerThanMergeGapSplitsEvents() {
        // gap of 7 windows = 0.7 s > 0.5 s; no cooldown
        let s: [Float] = [0.9, 0.9] + Array(repeating: 0.1, count: 7) + [0.9, 0.9, 0.1]
        let e = ended(run(s, DecisionRule(threshold: 0.5, cooldown: 0)))
        #expect(e.map(\.id) == [1, 2])
        #expect(abs(e[1].start - 0.9) < 1e-9)
    }

    @Test func cooldownSuppressesANewEventThenAllowsOne() {
        let gap = Array(repeating: Float(0.1), count: 7)
        // event 1 ends at 0.2 s (+ cooldown 2 s → 2.2 s); a run starting at 0.9 s is suppressed
        let s1: [Float] = [0.9, 0.9] + gap + [0.9, 0.9, 0.1]
        #expect(ended(run(s1, DecisionRule(threshold: 0.5, cooldown: 2))).count == 1)
        // a run starting at 2.5 s is allowed
        let s2: [Float] = [0.9, 0.9] + Array(repeating: 0.1, count: 23) + [0.9, 0.9, 0.1]
        let e = ended(run(s2, DecisionRule(threshold: 0.5, cooldown: 2)))
        #expect(e.count == 2)
        #expect(abs((e.last?.start ?? 0) - 2.5) < 1e-9)
    }

    @Test func startedComesBeforeEndedWithFinalValues() {
        let o = run([0.1, 0.6, 0.7, 0.95, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], DecisionRule(threshold: 0.5))
        #expect(o.count == 2)
        guard o.count == 2, case let .started(s) = o[0], case let .ended(e) = o[1] else { Issue.record("expected started then ended, got \(o)"); return }
        #expect(s.id == e.id)
        #expect(s.start == e.start)
        #expect(abs(s.end - 0.3) < 1e-9)   // at confirmation: end of the 2nd window
        #expect(s.peakScore == 0.7)
        #expect(abs(e.end - 0.5) < 1e-9)   // final: end of the last above window
        #expect(e.peakScore == 0.95)
    }

    @Test func eventOpenAtStreamEndIsClosedByFinish() {
        let o = run([0.1, 0.9, 0.9, 0.9], DecisionRule(threshold: 0.5), finish: false)
        #expect(started(o).count == 1)
        #expect(ended(o).isEmpty)
        let f = run([0.1, 0.9, 0.9, 0.9], DecisionRule(threshold: 0.5))
        #expect(ended(f).count == 1)
        #expect(abs((ended(f).first?.end ?? 0) - 0.4) < 1e-9)
    }

    @Test func onsetOfFirstWindowIsTheEventStart() {
        var t = EventTracker(rule: DecisionRule(threshold: 0.5))
        var got: DetectionEvent?
        t.observe(score: 0.9, windowStart: 1.0, windowEnd: 1.96, onset: 1.73) { _ in }
        t.observe(score: 0.9, windowStart: 1.1, windowEnd: 2.06, onset: 1.1) { if case let .started(e) = $0 { got = e } }
        #expect(got?.start == 1.73)
        #expect(got?.end == 2.06)
    }
}
