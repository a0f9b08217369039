import EarshotDetect

/// The alerts paged, held against the rate the threshold was calibrated for (`alert_rate:`). Per minute of audio
/// heard over the last 24 h it keeps the alerts paged and the seconds heard with paging on (muted time is a
/// planned noisy event: neither its alerts nor its time count). Minutes of audio, not of the wall clock: a
/// capture outage is no quiet time.
///
/// Over each span (the last hour, the last 24 h) the `k` alerts are held against the mean λ = rate × hours
/// heard: an **excess** starts when P(X ≥ k; λ) < `significance` (exact Poisson) in a span whose alerts fall in
/// at least `minimumPeriods` different ten-minute periods — one burst, however many alerts (a shooting paged
/// every `cooldown`), is not a rate — and ends when every span is back to P ≥ `recovery` (hysteresis: a rate at
/// the edge does not flap). Preallocated: nothing allocates per block or per check.
/// ref: exact Poisson test, e.g. Garwood (1936); `ConfidenceInterval.poissonTail`.
public struct AlertRateWatch: Sendable {
    /// What one span showed.
    public struct Finding: Sendable, Equatable {
        /// Alerts paged in the span.
        public var alerts: Int
        /// Hours of audio heard with paging on in the span (≤ `spanHours`).
        public var hours: Double
        /// The span: 1 or 24 hours of audio.
        public var spanHours: Double
        /// Ten-minute periods of the span with at least one alert.
        public var periods: Int
        /// The rate held against, false alarms per hour.
        public var expectedPerHour: Double
        /// P(X ≥ alerts) for X ~ Poisson(expectedPerHour × hours).
        public var p: Double
    }

    public enum Change: Sendable, Equatable {
        /// More alerts than the rate allows (the span that shows it most).
        case started(Finding)
        /// Back within the rate (the 24 h span).
        case ended(Finding)
    }

    /// The spans looked at, in minutes of audio.
    public static let spans = (hour: 60, day: 1440)
    public static let significance = 0.001, recovery = 0.05, minimumPeriods = 3
    public let expectedPerHour: Double
    private var alerts: [Int32], heard: [Double]   // rings of one slot per minute of audio
    private var minute = 0, secondsInMinute = 0.0
    /// The excess in force (updated to the span that shows it most at each check), nil when none.
    public private(set) var excess: Finding?

    public init(expectedPerHour: Double) {
        precondition(expectedPerHour > 0, "a rate to hold alerts against must be positive")
        self.expectedPerHour = expectedPerHour
        let slots = Self.spans.day
        alerts = [Int32](repeating: 0, count: slots); heard = [Double](repeating: 0, count: slots)
    }

    private func slot(_ m: Int) -> Int { m % alerts.count }

    /// `seconds` more audio heard, with paging muted or not.
    public mutating func heard(seconds: Double, muted: Bool) {
        var left = seconds
        while left > 0 {
            let take = min(left, 60 - secondsInMinute)
            if !muted { heard[slot(minute)] += take }
            secondsInMinute += take; left -= take
            if secondsInMinute >= 60 - 1e-9 {
                minute += 1; secondsInMinute = 0
                alerts[slot(minute)] = 0; heard[slot(minute)] = 0
            }
        }
    }

    /// An alert paged now (not one heard while muted).
    public mutating func alert() { alerts[slot(minute)] += 1 }

    /// The span of the last `minutes` of audio (the minute under way included).
    public func finding(minutes: Int) -> Finding {
        var k = 0, seconds = 0.0, periods = 0, lastPeriod = -1
        for back in 0..<min(minutes, minute + 1) {
            let m = minute - back, s = slot(m)
            k += Int(alerts[s]); seconds += heard[s]
            if alerts[s] > 0, m / 10 != lastPeriod { periods += 1; lastPeriod = m / 10 }
        }
        let hours = seconds / 3600
        return Finding(alerts: k, hours: hours, spanHours: Double(minutes) / 60, periods: periods, expectedPerHour: expectedPerHour,
                       p: ConfidenceInterval.poissonTail(atLeast: k, mean: expectedPerHour * hours))
    }

    /// Whether an excess started or ended since the last check.
    public mutating func check() -> Change? {
        let hour = finding(minutes: Self.spans.hour), day = finding(minutes: Self.spans.day)
        let worst = hour.p <= day.p ? hour : day
        if excess == nil {
            func over(_ f: Finding) -> Bool { f.p < Self.significance && f.periods >= Self.minimumPeriods }
            guard over(hour) || over(day) else { return nil }
            let f = over(hour) && (!over(day) || hour.p <= day.p) ? hour : day
            excess = f
            return .started(f)
        }
        if hour.p >= Self.recovery && day.p >= Self.recovery {
            excess = nil
            return .ended(day)
        }
        excess = worst
        return nil
    }
}
