import Foundation

/// A metrics file read back (`earshot status`): the samples of the exposition format `MetricsFile.render()`
/// writes, and the counters they carry.
public struct MetricsReading: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
        /// Its line in the text (1 = the first).
        public var line = 0
    }

    public var samples: [Sample]

    /// Parses exposition-format text (format 0.0.4: `# HELP`/`# TYPE` lines, `name{label="v",…} value` samples).
    /// - Throws: `MetricsReadingError` naming the first line that is not a sample.
    public init(text: String) throws {
        samples = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard var s = Self.sample(Substring(line)) else { throw MetricsReadingError(line: i + 1, text: line) }
            s.line = i + 1
            samples.append(s)
        }
    }

    /// The last sample every earshotd writes (`MetricsFile.render()`, older versions too): a file without it was
    /// cut short.
    public static let lastSample = "earshot_uptime_seconds"
    /// No value earshotd writes reaches this: counts, seconds and Unix times (10^12 s is 31,700 years).
    public static let largestValue = 1e12

    /// Why `earshot status` cannot judge from this file, nil when it can: it has no sample at all (an empty
    /// file), it has no `lastSample` (cut short), or a value is not a finite number below `largestValue` (the
    /// exposition format allows NaN and ±Inf, but earshotd writes none; a damaged or hand-edited file does, and
    /// such a value would make nonsense of every judgement and figure).
    public var damage: String? {
        if samples.isEmpty { return "is empty" }
        if let bad = samples.first(where: { !(abs($0.value) < Self.largestValue) }) {
            let v = bad.value.isNaN ? "NaN" : bad.value.isInfinite ? (bad.value > 0 ? "+Inf" : "-Inf") : String(bad.value)
            return "line \(bad.line): \(bad.name) \(v) is not a value earshotd writes (a finite number below 10^12)"
        }
        if value(Self.lastSample) == nil {
            return "is cut short: it ends at line \(samples.last?.line ?? 0) without \(Self.lastSample), the last sample earshotd writes"
        }
        return nil
    }

    /// The value of the first sample named `name` whose labels include `labels`; nil when there is none.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }?.value
    }

    /// The label `label` of the first sample named `name`.
    public func label(_ name: String, _ label: String) -> String? {
        samples.first { $0.name == name }?.labels[label]
    }

    /// The counters the file was rendered from, as far as it carries them (a sample missing leaves the default).
    public var counters: EarshotCounters {
        var c = EarshotCounters()
        // a value no Int holds (`damage` names it) is read as 0 rather than trap
        func int(_ n: String) -> Int { Self.int(value(n)) }
        func double(_ n: String) -> Double { value(n) ?? 0 }
        func flag(_ n: String) -> Bool { double(n) != 0 }
        c.model = label("earshot_build_info", "model") ?? ""
        c.threshold = double("earshot_threshold")
        c.eventsTotal = int("earshot_events_total")
        c.mutedEventsTotal = int("earshot_muted_events_total")
        c.cooldownEventsTotal = int("earshot_cooldown_events_total")
        c.incidentsTotal = int("earshot_incidents_total")
        c.incidentEvents = int("earshot_incident_events")
        c.muted = flag("earshot_muted")
        c.mutedUntil = double("earshot_muted_until_timestamp_seconds")
        c.reloadRejectedAt = double("earshot_reload_rejected_timestamp_seconds")
        c.overrunsTotal = int("earshot_overruns_total")
        c.deviceLossesTotal = int("earshot_device_losses_total")
        c.droppedSecondsTotal = double("earshot_dropped_seconds_total")
        c.deviceDownSecondsTotal = double("earshot_device_down_seconds_total")
        c.deviceUp = flag("earshot_device_up")
        c.deviceOutageLosses = int("earshot_device_outage_losses")
        c.deviceOutageSince = double("earshot_device_outage_since_timestamp_seconds")
        c.hookRunsTotal = int("earshot_hook_runs_total")
        c.hookFailuresTotal = int("earshot_hook_failures_total")
        c.hookTimeoutsTotal = int("earshot_hook_timeouts_total")
        c.hookDroppedTotal = int("earshot_hook_dropped_total")
        c.hookRetriesTotal = int("earshot_hook_retries_total")
        c.hookGivenUpTotal = int("earshot_hook_given_up_total")
        c.clipsWrittenTotal = int("earshot_clips_written_total")
        c.clipFailuresTotal = int("earshot_clip_failures_total")
        c.siteRecording = flag("earshot_site_recording")
        c.siteRecordingSecondsTotal = double("earshot_site_recording_seconds_total")
        c.siteRecordingFailuresTotal = int("earshot_site_recording_failures_total")
        c.scoreLog = flag("earshot_score_log")
        c.scoreLogFailuresTotal = int("earshot_score_log_failures_total")
        c.alertRateExpected = double("earshot_alert_rate_expected_per_hour")
        c.alertRateExcess = flag("earshot_alert_rate_excess")
        for condition in LivenessCondition.allCases {
            let n = Self.int(value("earshot_liveness_warnings_total", ["condition": condition.rawValue]))
            if n > 0 { c.livenessWarningsTotal[condition] = n }
            if (value("earshot_liveness_active", ["condition": condition.rawValue]) ?? 0) != 0 { c.livenessActive.insert(condition) }
        }
        c.audioSecondsTotal = double("earshot_audio_seconds_total")
        c.lastScore = double("earshot_last_score")
        c.lastEventScore = double("earshot_last_event_score")
        c.lastEventTimestamp = double("earshot_last_event_timestamp_seconds")
        // a file from an earshotd before these two gauges was written by a running daemon, as far as it says
        c.running = value("earshot_running").map { $0 != 0 } ?? true
        c.loopTimestamp = double("earshot_loop_timestamp_seconds")
        return c
    }

    /// `v` as a count: 0 when there is none, or when it is not a finite number below `largestValue`.
    static func int(_ v: Double?) -> Int {
        guard let v, abs(v) < largestValue else { return 0 }
        return Int(v)
    }

    /// `name{a="x",b="y"} value` or `name value`; nil when the line is neither.
    static func sample(_ line: Substring) -> Sample? {
        var rest = line[...]
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard !name.isEmpty else { return nil }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                if rest.first == "," { rest = rest.dropFirst() }
                let key = rest.prefix { $0 != "=" }
                rest = rest.dropFirst(key.count)
                guard rest.hasPrefix("=\"") else { return nil }
                rest = rest.dropFirst(2)
                var value = "", escaped = false
                while let ch = rest.first {
                    rest = rest.dropFirst()
                    if escaped { value.append(ch == "n" ? "\n" : ch); escaped = false }
                    else if ch == "\\" { escaped = true }
                    else if ch == "\"" { break }
                    else { value.append(ch) }
                }
                labels[String(key.trimmingCharacters(in: .whitespaces))] = value
                if rest.isEmpty { return nil }
            }
            rest = rest.dropFirst()
        }
        let fields = rest.split(separator: " ")
        guard let v = fields.first, let value = Self.number(v) else { return nil }
        return Sample(name: String(name), labels: labels, value: value)
    }

    static func number(_ s: Substring) -> Double? {
        switch s {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(s)
        }
    }
}

/// A line of a metrics file that is no sample.
public struct MetricsReadingError: Error, CustomStringConvertible {
    public var line: Int
    public var text: String
    public var description: String { "line \(line) is not a metrics sample: \(text.prefix(80))" }
}
