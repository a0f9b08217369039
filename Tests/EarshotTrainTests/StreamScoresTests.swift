import EarshotDetect
import EarshotDSP
import Testing
@testable import EarshotTrain

@Suite struct StreamScoresTests {
    /// One hour of negative streams (36,000 windows) with 20 isolated spikes: the threshold for N false alarms
    /// per hour must sit exactly between the N-th and (N+1)-th highest spike, for every N.
    @Test func thresholdResolvesTheTopEventsExactly() {
        var rng = SeededRNG(seed: 8)
        var s = StreamScores()
        for k in 0..<1000 {
            var w: [(start: Double, end: Double, onset: Double, score: Float)] = []
            for i in 0..<36 {
                let t = Double(i) * 0.1
                var score = Float(rng.uniform(0, 0.5))
                if k < 20, (10...12).contains(i) { score = 0.9 + Float(k) * 0.004 } // a 3-window spike
                w.append((t, t + 0.97, t + 0.5, score))
            }
            s.streams.append(w)
        }
        s.seconds = 3600
        let base = DecisionRule(threshold: 0.5, minConsecutive: 2, cooldown: 0)
        for n in [1, 2, 5, 10, 19] {
            let t = s.threshold(forFalseAlarmsPerHour: Double(n), base: base)
            var r = base; r.threshold = t
            #expect(s.falseAlarmsPerHour(rule: r) == Double(n), "target \(n)/h: threshold \(t) gives \(s.falseAlarmsPerHour(rule: r))/h")
            #expect(abs(t - (0.9 + Float(20 - n) * 0.004)) < 1e-6, "lowest threshold meeting \(n)/h")
        }
    }
}
