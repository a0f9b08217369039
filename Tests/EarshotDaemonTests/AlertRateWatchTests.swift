import EarshotDaemon
import EarshotDetect
import EarshotNN
import Foundation
import Testing

/// `AlertRateWatch` on streams of audio time with alerts placed by hand, and `alert_rate:` in the config.
struct AlertRateWatchTests {
    /// Feeds `minutes` of audio in 0.1 s blocks with alerts at the given minutes of audio (from `start`), checking
    /// once a second as the daemon does; returns every change with the minute it came at.
    /// `block`: seconds of audio per block (the daemon's are 0.1 s; 1 s keeps a day of audio quick).
    static func feed(_ w: inout AlertRateWatch, from start: Double = 0, minutes: Double, alertsAt: [Double], muted: Bool = false,
                     block: Double = 0.1) -> [(Double, AlertRateWatch.Change)] {
        var changes: [(Double, AlertRateWatch.Change)] = []
        var pending = alertsAt.sorted()[...]
        let perMinute = Int((60 / block).rounded()), perSecond = max(1, Int((1 / block).rounded()))
        for b in 0..<Int((minutes * Double(perMinute)).rounded()) {
            let t = start + Double(b + 1) / Double(perMinute)   // minutes of audio after this block
            w.heard(seconds: block, muted: muted)
            while let a = pending.first, a <= t {
                pending.removeFirst(); w.alert()
                if let c = w.check() { changes.append((t, c)) }
            }
            if (b + 1) % perSecond == 0, let c = w.check() { changes.append((t, c)) }
        }
        return changes
    }

    @Test func poissonTailMatchesTheSeries() {
        // P(X ≥ k; λ) = 1 − Σ_{i<k} e^−λ λ^i / i!, summed here directly
        func direct(_ k: Int, _ l: Double) -> Double {
            var sum = 0.0
            for i in 0..<k { let term: Double = exp(-l) * pow(l, Double(i)) / tgamma(Double(i) + 1); sum += term }
            return 1 - sum
        }
        for (k, l) in [(6, 1.0), (3, 0.35), (41, 24.0), (1, 0.001), (10, 5.0)] {
            let p = ConfidenceInterval.poissonTail(atLeast: k, mean: l)
            #expect(abs(p - direct(k, l)) <= 1e-9 * max(1, direct(k, l)) + 1e-12, "k \(k) λ \(l): \(p) vs \(direct(k, l))")
        }
        #expect(ConfidenceInterval.poissonTail(atLeast: 0, mean: 3) == 1)
        #expect(abs(ConfidenceInterval.poissonTail(atLeast: 6, mean: 1) - 0.000594) < 1e-6)
    }

    /// Alerts at the rate held against, for 26 hours (the 24 h ring wraps): never an excess.
    @Test func alertsAtTheCalibratedRateRaiseNothing() {
        var w = AlertRateWatch(expectedPerHour: 2)
        let alerts = stride(from: 13.0, to: 26 * 60, by: 30).map { $0 }   // 2 per hour, evenly
        let changes = Self.feed(&w, minutes: 26 * 60, alertsAt: alerts, block: 1)
        #expect(changes.isEmpty, "\(changes)")
        let day = w.finding(minutes: 1440)   // the last 1439 whole minutes and the one just begun
        #expect(day.alerts == 48 && abs(day.hours - 1439.0 / 60) < 1e-6 && day.periods == 48 && day.p > 0.3, "\(day)")
    }

    /// Six alerts in an hour, each in its own ten-minute period, at 1 per hour: an excess once P(X ≥ k) < 0.001
    /// (at the fifth alert P(X ≥ 5; 0.75) = 0.0011 is not yet; at the sixth P(X ≥ 6; 0.92) = 0.0004 is), from the hour's span; then quiet
    /// audio until both spans are back to P ≥ 0.05.
    @Test func aRateAboveTheCalibrationStartsAndEnds() {
        var w = AlertRateWatch(expectedPerHour: 1)
        let alerts = [5.0, 15, 25, 35, 45, 55]
        let changes = Self.feed(&w, minutes: 60, alertsAt: alerts)
        #expect(changes.count == 1, "\(changes)")
        guard case let .started(f)? = changes.first?.1 else { Issue.record("no start: \(changes)"); return }
        #expect(abs(changes[0].0 - 55) < 1e-9, "at the sixth alert: \(changes[0].0)")
        #expect(f.alerts == 6 && f.periods == 6 && f.spanHours == 1 && f.p < 0.001 && f.expectedPerHour == 1, "\(f)")
        #expect(abs(f.p - 0.000378127) < 1e-8, "P(X ≥ 6; 55/60) (scipy): \(f.p)")
        #expect(w.excess != nil)
        // quiet: six alerts in the day stay unusual until λ = t h makes P(X ≥ 6; t) ≥ 0.05, t = 2.62 h (scipy)
        let later = Self.feed(&w, from: 60, minutes: 6 * 60, alertsAt: [])
        #expect(later.count == 1, "\(later)")
        guard case let .ended(e)? = later.first?.1 else { Issue.record("no end: \(later)"); return }
        let t = later[0].0 / 60
        #expect(t > 2.61 && t < 2.625 && e.alerts == 6 && e.p >= 0.05, "ended at \(t) h: \(e)")
        #expect(w.excess == nil)
    }

    /// Forty alerts within five minutes (a shooting, paged every cooldown): two ten-minute periods at most, so no
    /// notice — however unlikely the count.
    @Test func oneBurstIsNotARate() {
        var w = AlertRateWatch(expectedPerHour: 1)
        let burst = (0..<40).map { 8 + Double($0) * 0.125 }   // minutes 8…12.9: periods 0 and 1
        let changes = Self.feed(&w, minutes: 120, alertsAt: burst)
        #expect(changes.isEmpty, "\(changes)")
        let hour = w.finding(minutes: 60)
        #expect(hour.alerts == 0, "the burst has left the hour: \(hour)")
        let day = w.finding(minutes: 1440)
        #expect(day.alerts == 40 && day.periods == 2 && abs(day.p / 1.917158e-37 - 1) < 1e-5, "P(X ≥ 40; 2) (scipy): \(day)")
    }

    /// Muted audio is no exposure; the alerts it raised are not counted by the daemon (it calls `alert()` only
    /// for alerts paged). The 24 h ring forgets older minutes; a long block spanning minutes fills them all.
    @Test func mutedTimeTheRingAndLongBlocks() {
        var w = AlertRateWatch(expectedPerHour: 1)
        _ = Self.feed(&w, minutes: 30, alertsAt: [], muted: true)
        _ = Self.feed(&w, from: 30, minutes: 30, alertsAt: [40])
        let hour = w.finding(minutes: 60)
        #expect(abs(hour.hours - 0.5) < 1e-6 && hour.alerts == 1, "\(hour)")
        w.heard(seconds: 25 * 3600, muted: false)   // a day and an hour more in one block
        let day = w.finding(minutes: 1440)
        #expect(day.alerts == 0 && abs(day.hours - 1439.0 / 60) < 1e-6, "the alert at minute 40 is forgotten: \(day)")
        w.alert()
        #expect(w.finding(minutes: 60).alerts == 1)
    }

    /// After an excess, a rate between the two levels (0.001 ≤ P < 0.05) keeps it: no flapping at the edge.
    @Test func anExcessHoldsUntilClearlyOver() {
        var w = AlertRateWatch(expectedPerHour: 1)
        _ = Self.feed(&w, minutes: 60, alertsAt: [5, 15, 25, 35, 45, 55])
        #expect(w.excess != nil)
        // the next 3 hours: alerts at about 1.7 per hour keep the day's span between the two levels (11 alerts in
        // 4 h: P(X ≥ 11; 4) = 0.0028, scipy), and the hour's well within (2 alerts: P(X ≥ 2; 1) = 0.26)
        let later = Self.feed(&w, from: 60, minutes: 180, alertsAt: [80, 120, 160, 200, 230])
        let day = w.finding(minutes: 1440)
        #expect(day.alerts == 11 && day.p >= 0.001 && day.p < 0.05 && w.finding(minutes: 60).p > 0.05, "\(day)")
        #expect(later.isEmpty && w.excess != nil, "\(later)")
    }

    // MARK: config

    static func model(thresholds: [String: Float]) throws -> Model {
        let m = try EnergyModel.make()
        m.thresholds = thresholds
        m.threshold = thresholds["1"] ?? 0.5
        return m
    }

    @Test func theRateHeldAgainstFollowsTheThreshold() throws {
        let m = try Self.model(thresholds: ["1": 0.98, "2": 0.977, "5": 0.971, "10": 0.935])
        func rate(_ yaml: String) throws -> (Double, String)? {
            try DaemonConfig.parse(yaml, source: "t.yaml").expectedAlertRate(model: m).map { ($0.perHour, $0.source) }
        }
        #expect(try rate("")?.0 == 1 && rate("")?.1 == "the model's calibration")
        #expect(try rate("threshold: 0.99")?.0 == 1, "above the 1/h point: at most 1")
        #expect(try rate("threshold: 0.975")?.0 == 5)
        #expect(try rate("threshold: 0.935")?.0 == 10)
        #expect(try rate("false_alarms_per_hour: 2")?.0 == 2 && rate("false_alarms_per_hour: 2")?.1 == "false_alarms_per_hour")
        #expect(try rate("alert_rate:\n  expected_per_hour: 0.2\nthreshold: 0.99")?.0 == 0.2)
        #expect(try rate("threshold: 0.5") == nil)
        let low = try DaemonConfig.parse("threshold: 0.5", source: "t.yaml")
        let why = low.alertRateUnknown(model: m) ?? ""
        #expect(why.contains("0.5000") && why.contains("1, 2, 5, 10") && why.contains("alert_rate.expected_per_hour"), "\(why)")
        let off = try DaemonConfig.parse("threshold: 0.5\nalert_rate:\n  enabled: false", source: "t.yaml")
        #expect(off.expectedAlertRate(model: m) == nil && off.alertRateUnknown(model: m) == nil)
        let none = try DaemonConfig.parse("", source: "t.yaml")
        #expect(none.expectedAlertRate(model: try Self.model(thresholds: [:])) == nil)
        #expect(none.alertRateUnknown(model: try Self.model(thresholds: [:]))?.contains("the model has none") == true)
        #expect(none.alertRate == AlertRateSettings() && none.alertRate.enabled && none.alertRate.expectedPerHour == nil)
    }

    @Test func badAlertRateValuesNameKeyAndLine() {
        for (yaml, want) in [("alert_rate:\n  expected_per_hour: 0", "t.yaml:2: 'alert_rate.expected_per_hour' 0.0 is out of range; set it between 0.001 and 3600.0 false alarms per hour"),
                             ("alert_rate:\n  expected_per_hour: often", "t.yaml:2: 'alert_rate.expected_per_hour'"),
                             ("alert_rate:\n  enabled: maybe", "t.yaml:2: 'alert_rate.enabled'"),
                             ("alert_rate:\n  per_hour: 3", "per_hour")] {
            do {
                _ = try DaemonConfig.parse(yaml, source: "t.yaml")
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect("\(error)".contains(want), "\(yaml): \(error)")
            }
        }
    }
}
