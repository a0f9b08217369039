@testable import EarshotDetect
import Testing

/// What the cooldown holds back: runs confirmed during it are no events (nothing paged, the counts of
/// `.started`/`.ended` as before) but are reported as `.heardInCooldown`, merged like events.
/// Window i spans [0.1 i, 0.1 i + 0.1) s, onset = its start.
@Suite struct EventTrackerCooldownTests {
    func run(_ scores: [Float], _ rule: DecisionRule) -> [DetectorOutput] {
        var t = EventTracker(rule: rule)
        var out: [DetectorOutput] = []
        for (i, s) in scores.enumerated() {
            let a = Double(i) * 0.1
            t.observe(score: s, windowStart: a, windowEnd: a + 0.1, onset: a) { out.append($0) }
        }
        t.finish { out.append($0) }
        return out
    }

    func heard(_ o: [DetectorOutput]) -> [DetectionEvent] { o.compactMap { if case let .heardInCooldown(e) = $0 { return e } else { return nil } } }
    func started(_ o: [DetectorOutput]) -> [DetectionEvent] { o.compactMap { if case let .started(e) = $0 { return e } else { return nil } } }
    func ended(_ o: [DetectorOutput]) -> [DetectionEvent] { o.compactMap { if case let .ended(e) = $0 { return e } else { return nil } } }
    func below(_ n: Int) -> [Float] { Array(repeating: 0.1, count: n) }

    @Test func runsConfirmedInTheCooldownAreHeardOnceEachAndPageNothing() {
        // event 1: 0.0–0.2 s, so the cooldown (3 s) lasts to 3.2 s. In it: a run at 0.9 s (2 windows), a lone
        // window at 1.4 s (not confirmed), a run at 2.0 s of 2 windows, a dip, 2 more (one heard event: the dip
        // is within merge_gap), then a run at 3.5 s, after the cooldown: event 2.
        let s: [Float] = [0.9, 0.9] + below(7) + [0.8, 0.95] + below(3) + [0.9] + below(5)
            + [0.9, 0.9, 0.1, 0.97, 0.9] + below(10) + [0.9, 0.9] + below(6)
        let o = run(s, DecisionRule(threshold: 0.5, cooldown: 3))
        #expect(started(o).map(\.id) == [1, 2] && ended(o).count == 2, "the events are those without the cooldown's runs: \(o)")
        #expect(started(o).count == 2 && abs(started(o)[1].start - 3.5) < 1e-9)
        let h = heard(o)
        #expect(h.count == 2, "two runs confirmed in the cooldown, the second merged over its dip: \(h)")
        guard h.count == 2 else { return }
        #expect(abs(h[0].start - 0.9) < 1e-9 && abs(h[0].end - 1.1) < 1e-9 && h[0].peakScore == 0.95, "\(h[0])")
        #expect(abs(h[1].start - 2.0) < 1e-9 && abs(h[1].end - 2.2) < 1e-9, "reported at its confirmation: \(h[1])")
        #expect(h.allSatisfy { $0.id == 1 }, "they fall in event 1's cooldown")
        #expect(started(o).allSatisfy { !$0.continuesHeard })
        // in order: started 1, ended 1, heard, heard, started 2, ended 2
        let kinds = o.map { o -> String in switch o { case .started: "s"; case .ended: "e"; case .heardInCooldown: "h" } }
        #expect(kinds == ["s", "e", "h", "h", "s", "e"], "\(kinds)")
    }

    /// Real time without audio (a stalled or lost device) runs the cooldown on: the same run 2 s of audio after
    /// an alert is held back with a 3 s cooldown, and pages when 1.5 s without audio lay between them.
    @Test func timeWithoutAudioRunsTheCooldownOn() {
        for (gap, pages) in [(0.0, false), (0.5, false), (1.5, true)] {
            var t = EventTracker(rule: DecisionRule(threshold: 0.5, cooldown: 3))
            var out: [DetectorOutput] = []
            let s: [Float] = [0.9, 0.9] + below(18) + [0.9, 0.9] + below(3)
            for (i, x) in s.enumerated() {
                if i == 10 { t.passWithoutAudio(seconds: gap) }
                let a = Double(i) * 0.1
                t.observe(score: x, windowStart: a, windowEnd: a + 0.1, onset: a) { out.append($0) }
            }
            t.finish { out.append($0) }
            #expect(started(out).count == (pages ? 2 : 1) && heard(out).count == (pages ? 0 : 1), "gap \(gap) s: \(out)")
        }
    }

    @Test func withoutACooldownNothingIsHeldBack() {
        let s: [Float] = [0.9, 0.9] + below(7) + [0.9, 0.9] + below(7)
        let o = run(s, DecisionRule(threshold: 0.5, cooldown: 0))
        #expect(heard(o).isEmpty && started(o).count == 2, "\(o)")
    }

    /// Windows after an event that place their onset inside it see that event's own sound again: no new sound,
    /// so nothing is heard — with a cooldown or without.
    @Test func aRunWhoseOnsetLiesInsideTheLastEventIsNotHeard() {
        for cooldown in [0.0, 3.0] {
            var t = EventTracker(rule: DecisionRule(threshold: 0.5, minConsecutive: 1, cooldown: cooldown))
            var out: [DetectorOutput] = []
            func window(_ i: Int, _ s: Float, onset: Double) {
                let a = Double(i) * 0.1
                t.observe(score: s, windowStart: a, windowEnd: a + 0.1, onset: onset) { out.append($0) }
            }
            window(0, 0.9, onset: 0.0); window(1, 0.9, onset: 0.1)             // event 0.0–0.2 s
            for i in 2..<8 { window(i, 0.1, onset: Double(i) * 0.1) }           // closed after merge_gap
            window(8, 0.9, onset: 0.05); window(9, 0.9, onset: 0.15)            // the event's own onset again
            for i in 10..<16 { window(i, 0.1, onset: Double(i) * 0.1) }
            window(16, 0.9, onset: 1.6)                                          // a new sound
            t.finish { out.append($0) }
            let kinds = out.map { o -> String in switch o { case .started: "s"; case .ended: "e"; case .heardInCooldown: "h" } }
            #expect(kinds == (cooldown > 0 ? ["s", "e", "h"] : ["s", "e", "s", "e"]), "cooldown \(cooldown): \(out)")
        }
        // a run whose first window still places the onset in the last event, and whose next finds a new one:
        // the new sound is heard, from its own onset
        var t = EventTracker(rule: DecisionRule(threshold: 0.5, cooldown: 3))
        var out: [DetectorOutput] = []
        let windows: [(Double, Double)] = [(0.9, 0.0), (0.9, 0.1)] + (2..<8).map { (0.1, Double($0) * 0.1) } + [(0.9, 0.05), (0.9, 0.85), (0.1, 1.0)]
        for (i, (s, onset)) in windows.enumerated() {
            let a = Double(i) * 0.1
            t.observe(score: Float(s), windowStart: a, windowEnd: a + 0.1, onset: onset) { out.append($0) }
        }
        #expect(heard(out).map(\.start) == [0.85], "\(out)")
    }

    /// A sound that starts in the cooldown and goes on past its end is reported while the cooldown lasts and
    /// then paged as an event (as before) — marked, so a count of gunshot events takes it once.
    @Test func aSoundGoingOnPastTheCooldownIsMarkedWhenPaged() {
        // event 1 0.0–0.2 s, cooldown 1 s → 1.2 s; then above from 0.9 s to 1.9 s without a break
        let s: [Float] = [0.9, 0.9] + below(7) + Array(repeating: 0.9, count: 10) + below(6)
        let o = run(s, DecisionRule(threshold: 0.5, cooldown: 1))
        let h = heard(o), st = started(o)
        #expect(h.count == 1 && st.count == 2, "\(o)")
        guard h.count == 1, st.count == 2 else { return }
        #expect(abs(h[0].start - 0.9) < 1e-9)
        #expect(st[1].continuesHeard && !st[0].continuesHeard, "the paged event continues the heard one: \(st)")
        #expect(st[1].start >= 1.2 - 1e-9, "paged once the cooldown is over, as before: \(st[1])")
    }
}
