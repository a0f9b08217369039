import EarshotDetect
import Testing

/// Event counts and thresholds recomputed from stored window scores (the trainer's calibration and
/// `earshot calibrate`).
@Suite struct StreamScoresTests {
    /// Two streams of windows every 0.1 s with a few peaks; the rule needs 2 consecutive windows.
    func scores() -> StreamScores {
        var s = StreamScores()
        for peaks in [[(12, 0.97), (40, 0.91), (90, 0.99)], [(5, 0.93), (60, 0.95), (61, 0.96)]] as [[(Int, Double)]] {
            var w = (0..<120).map { i in ScoredWindow(start: Double(i) / 10, end: Double(i) / 10 + 0.98, onset: Double(i) / 10 + 0.4, score: 0.2) }
            for (i, p) in peaks { w[i].score = Float(p); w[i + 1].score = Float(p - 0.01) }
            s.add(w, seconds: 600)
        }
        return s
    }

    @Test func thresholdIsTheLowestMeetingTheTarget() {
        let s = scores()
        #expect(abs(s.seconds - 1200) < 1e-9)
        let base = DecisionRule(threshold: 0.5, minConsecutive: 2, cooldown: 0)
        // 1200 s = 1/3 h: 3 FA/h allows 1 event, 6 FA/h 2, 15 FA/h all 6 peaks (the 60/61 pair is one event)
        for (target, allowed) in [(3.0, 1), (6.0, 2), (15.0, 5), (0.5, 0)] {
            var rule = base
            rule.threshold = s.threshold(forFalseAlarmsPerHour: target, base: base)
            let n = s.events(rule: rule).reduce(0, +)
            #expect(n <= allowed && s.falseAlarmsPerHour(rule: rule) <= target, "target \(target): \(n) events at \(rule.threshold)")
            // the next lower window score would exceed the target (the lowest threshold meeting it)
            let lower = Set(s.streams.flatMap { $0.map(\.score) }).filter { $0 < rule.threshold }.max()
            if let lower, allowed < 5 {
                rule.threshold = lower
                #expect(s.events(rule: rule).reduce(0, +) > allowed, "target \(target): \(lower) should give more events")
            }
        }
    }

    /// What earshotd counts into an incident: the events and those the cooldown held back.
    @Test func gunshotEventsCountWhatTheCooldownHeldBack() {
        let s = scores()
        let held = DecisionRule(threshold: 0.9, minConsecutive: 2, mergeGap: 0.5, cooldown: 10)
        #expect(s.events(rule: held) == [1, 1], "the 10 s cooldown holds back all but each stream's first")
        #expect(s.gunshotEvents(rule: held) == [3, 2], "three sounds and two (the 6.0/6.1 s pair is one)")
        var free = held
        free.cooldown = 0
        #expect(s.gunshotEvents(rule: held) == s.events(rule: free), "as many as events without a cooldown")
    }

    @Test func detectionsAreTheEventsCounted() {
        let s = scores()
        let rule = DecisionRule(threshold: 0.9, minConsecutive: 2, mergeGap: 0.5, cooldown: 0)
        let d = s.detections(rule: rule)
        #expect(d.map(\.count) == s.events(rule: rule) && d.map(\.count) == [3, 2])
        #expect(d[0].map(\.peakScore) == [0.97, 0.91, 0.99].map { Float($0) } && d[1][1].peakScore == 0.96)
        #expect(d[1][1].start == 6.4, "onset of the run's first window")
    }

    /// Confirmation times are the end of the window that completed the count: the second of each pair, or with
    /// one dip allowed, the window after the dip.
    @Test func confirmationsAreTheConfirmingWindowsEnds() {
        let s = scores()
        let c = s.confirmations(rule: DecisionRule(threshold: 0.9, minConsecutive: 2, cooldown: 0))
        #expect(c.map(\.count) == [3, 2])
        #expect(zip(c[0], [1.3, 4.1, 9.1].map { $0 + 0.98 }).allSatisfy { abs($0 - $1) < 1e-9 }, "\(c[0])")
        var dipped = s
        dipped.streams[1][61].score = 0.1        // the 60/61/62 run's middle window dips; 62 is back above
        dipped.streams[1][62].score = 0.97
        let strict = dipped.confirmations(rule: DecisionRule(threshold: 0.9, minConsecutive: 2, cooldown: 0))
        let tolerant = dipped.confirmations(rule: DecisionRule(threshold: 0.9, minConsecutive: 2, maxDips: 1, cooldown: 0))
        #expect(strict[1].count == 1, "the dipped pair is no event without a dip allowed: \(strict[1])")
        #expect(tolerant[1].count == 2 && abs(tolerant[1][1] - (6.2 + 0.98)) < 1e-9, "\(tolerant[1])")
    }
}
