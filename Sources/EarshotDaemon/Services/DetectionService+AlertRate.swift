import EarshotDetect
import Foundation

/// `alert_rate:` in the detection loop: the alerts paged held against the threshold's calibrated false-alarm rate
/// (`AlertRateWatch`), and the notice when they are far more than it allows — or back within it.
extension DetectionService {
    /// The watch for `config` and `model`, nil when off or when the rate is unknown (said once, with the fix).
    func makeAlertRateWatch() -> AlertRateWatch? {
        if let why = config.alertRateUnknown(model: model) { log.notice("\(why)") }
        return config.expectedAlertRate(model: model).map { AlertRateWatch(expectedPerHour: $0.perHour) }
    }

    /// A reload: a new rate to hold the alerts against (a new threshold, rule or model) starts the watch afresh;
    /// an excess in force is said to be over, since its alerts were counted at the old settings.
    func restartAlertRateWatch(because reason: String) {
        if let f = alertRate?.excess {
            alertRateNotice(problem: false, f, message: "Alert-rate watch starts afresh (\(reason)): the alerts so far were paged at the old settings")
        }
        alertRate = makeAlertRateWatch()
        metrics.update { $0.alertRateExcess = false }
    }

    /// Says a start or end of an excess since the last check, if any (once a second and at every alert).
    func checkAlertRate() {
        guard let change = alertRate?.check() else { return }
        switch change {
        case let .started(f):
            alertRateNotice(problem: true, f, message: excessMessage(f))
        case let .ended(f):
            alertRateNotice(problem: false, f, message: "Alert rate back within the threshold's calibration: \(f.alerts) alert(s) paged in the last \(Self.hours(f.hours)) h of audio, about \(Self.rate(f.expectedPerHour)) false alarm(s) per hour expected")
        }
    }

    /// The health hook's and the journal's notice of an excess: how many, what was expected, and what to do.
    func excessMessage(_ f: AlertRateWatch.Finding) -> String {
        let source = config.expectedAlertRate(model: model)?.source ?? "alert_rate"
        let clips = config.clips.enabled ? "listen to the evidence clips in \(config.clips.directory), then " : ""
        let scores = config.scores.enabled ? "choose this site's threshold from its score log with `earshot calibrate --scores`" : "record the site and choose its threshold with `earshot calibrate`"
        return "More alerts than the threshold is calibrated for: \(f.alerts) paged in the last \(Self.hours(f.hours)) h of audio (in \(f.periods) ten-minute periods), where threshold \(String(format: "%.4f", detector.rule.threshold)) should raise about \(Self.rate(f.expectedPerHour)) false alarm(s) per hour (\(source)) — that many by chance: p = \(String(format: "%.1g", f.p)). If they were not gunshots, this site's own sounds set earshotd off: \(clips)\(scores), and mute paging for planned noise (`earshot mute`). Every alert is still paged."
    }

    /// The journal (MESSAGE_ID alert_rate; a warning while in excess), the health hook (condition "alert_rate"),
    /// the metrics and STATUS=.
    private func alertRateNotice(problem: Bool, _ f: AlertRateWatch.Finding, message: String) {
        tellHealth(HealthNotice(condition: "alert_rate", problem: problem, message: message, device: config.device, location: config.location))
        try? Journal.send([("MESSAGE", message), ("MESSAGE_ID", EarshotMessageID.alertRate), ("PRIORITY", problem ? "4" : "5"),
                           ("SYSLOG_IDENTIFIER", "earshotd"), ("EARSHOT_DEVICE", config.device), ("EARSHOT_ALERT_RATE_EXCESS", problem ? "1" : "0"),
                           ("EARSHOT_ALERTS", "\(f.alerts)"), ("EARSHOT_HOURS", Self.hours(f.hours)), ("EARSHOT_EXPECTED_PER_HOUR", Self.rate(f.expectedPerHour)),
                           ("EARSHOT_P", String(format: "%.3g", f.p))]
                          + (config.location.isEmpty ? [] : [("EARSHOT_LOCATION", config.location)]))
        if !Journal.isAvailable { log.log(level: problem ? .warning : .notice, "\(message)") }
        metrics.update { $0.alertRateExcess = problem }
        notifier.status(statusLine())
    }

    static func hours(_ h: Double) -> String { String(format: h < 10 ? "%.2f" : "%.1f", h) }
    static func rate(_ r: Double) -> String { String(format: "%g", r) }
}
