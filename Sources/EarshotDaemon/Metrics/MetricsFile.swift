import EarshotDSP
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's counters as a Prometheus text file (node_exporter textfile-collector format), rewritten
/// atomically: written to a temporary file in the same directory (a name not ending in `.prom`, so the
/// collector never reads it half-written), fsync'ed, then renamed over `settings.path`.
/// Thread-safe: any thread may `update`; `write` may run concurrently with updates.
public final class MetricsFile: Sendable {
    public let settings: MetricsSettings
    /// Daemon start, for `earshot_start_time_seconds`.
    public let start: Date
    /// The same instant on the monotonic clock, for `earshot_uptime_seconds` (a step of the wall clock must not
    /// change the uptime).
    private let startMonotonic: Double
    /// `earshot_instance="NAME"` on every sample when the daemon is one of several (`--instance`), so their files
    /// can share one collector directory without clashing series; nil for the single service.
    public let instance: String?
    private let counters = Mutex(EarshotCounters())
    private let logger: Logger?
    private let failing = Atomic<Bool>(false)
    /// Held for a whole `write`: the metrics service's interval and the detection loop's last write as it stops
    /// can meet (--exit-at-end stops the loop while the service still runs), and both write through the one
    /// temporary file (`writeAtomically`) — the second `open(O_TRUNC)` emptied the first's file before its rename.
    private let writing = Mutex(())

    public init(settings: MetricsSettings, start: Date = Date(), instance: String? = nil, logger: Logger? = nil) {
        self.settings = settings; self.start = start; self.instance = instance; self.logger = logger
        startMonotonic = MonotonicClock.now - Date().timeIntervalSince(start)
    }

    /// Changes counters under the lock: `metrics.update { $0.eventsTotal += 1 }`.
    public func update(_ body: (inout EarshotCounters) -> Void) {
        counters.withLock { body(&$0) }
    }

    /// A copy of the counters now.
    public var snapshot: EarshotCounters { counters.withLock { $0 } }

    /// The file's text for the counters now (exposition format 0.0.4: HELP, TYPE, samples, trailing newline).
    public func render() -> String {
        let c = snapshot
        var out = ""
        // samples: (the sample's own labels, e.g. condition="silence", or ""; value)
        let common = instance.map { "earshot_instance=\"\($0)\"" }
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (own, value) in samples {
                let labels = [common, own.isEmpty ? nil : own].compactMap { $0 }
                out += "\(name)\(labels.isEmpty ? "" : "{\(labels.joined(separator: ","))}") \(value)\n"
            }
        }
        func one(_ name: String, _ type: String, _ help: String, _ value: String) { metric(name, type, help, [("", value)]) }
        metric("earshot_build_info", "gauge", "Always 1: its labels say which earshotd and which model file run here.",
               [("version=\"\(Self.label(EarshotVersion.string))\",model=\"\(Self.label(c.model))\"", "1")])
        one("earshot_threshold", "gauge", "The decision threshold in force (the model's own, or the config's threshold:).", Self.number(c.threshold))
        one("earshot_events_total", "counter", "Gunshot events alerted since the daemon started (muted ones too).", "\(c.eventsTotal)")
        one("earshot_muted_events_total", "counter", "Gunshot events heard while paging was muted (earshot mute): in the journal, no hook run.", "\(c.mutedEventsTotal)")
        one("earshot_cooldown_events_total", "counter", "Gunshot events heard during the cooldown after an alert: in the journal and their incident, not paged.", "\(c.cooldownEventsTotal)")
        one("earshot_incidents_total", "counter", "Gunshot incidents begun (events less than incident_gap apart are one).", "\(c.incidentsTotal)")
        one("earshot_incident_events", "gauge", "Gunshot events of the incident going on now (0 = none: incident_gap passed since the last).", "\(c.incidentEvents)")
        one("earshot_muted", "gauge", "1 while paging is muted (earshot mute): alerts go to the journal only.", c.muted ? "1" : "0")
        one("earshot_muted_until_timestamp_seconds", "gauge", "Unix time the mute ends (0 = not muted).", Self.number(c.mutedUntil))
        one("earshot_reload_rejected_timestamp_seconds", "gauge", "Unix time of the last reload rejected since the last one accepted (0 = none): earshotd runs an earlier config than its file.", Self.number(c.reloadRejectedAt))
        one("earshot_overruns_total", "counter", "ALSA capture overruns recovered.", "\(c.overrunsTotal)")
        one("earshot_device_losses_total", "counter", "Times the capture device was lost and reopened.", "\(c.deviceLossesTotal)")
        one("earshot_device_down_seconds_total", "counter", "Seconds the capture device delivered no audio (missing, lost or stalled): nothing could be detected.", "\(c.deviceDownSecondsTotal)")
        one("earshot_dropped_seconds_total", "counter", "Seconds of captured audio never analysed (the detection loop fell more than ring_seconds behind).", "\(c.droppedSecondsTotal)")
        one("earshot_device_up", "gauge", "1 while the capture device is open and delivering audio.", c.deviceUp ? "1" : "0")
        one("earshot_device_outage_losses", "gauge", "Losses of the device outage told to health_hook and not yet over (0 = none; more than 1: a link that keeps dropping).", "\(c.deviceOutageLosses)")
        one("earshot_device_outage_since_timestamp_seconds", "gauge", "Unix time of that outage's first loss (0 = none).", Self.number(c.deviceOutageSince))
        one("earshot_hook_runs_total", "counter", "Hook processes started.", "\(c.hookRunsTotal)")
        one("earshot_hook_failures_total", "counter", "Hook runs that failed (exit status, signal, timeout, spawn error).", "\(c.hookFailuresTotal)")
        one("earshot_hook_timeouts_total", "counter", "Hook runs killed at the timeout.", "\(c.hookTimeoutsTotal)")
        one("earshot_hook_dropped_total", "counter", "Alerts whose hook was dropped because too many were running and queued.", "\(c.hookDroppedTotal)")
        one("earshot_hook_retries_total", "counter", "Hook runs that retried a failed one (hook.retries).", "\(c.hookRetriesTotal)")
        one("earshot_hook_given_up_total", "counter", "Alerts and health notices whose hook failed on every attempt: their page did not go out.", "\(c.hookGivenUpTotal)")
        one("earshot_clips_written_total", "counter", "Evidence clips written.", "\(c.clipsWrittenTotal)")
        one("earshot_clip_failures_total", "counter", "Evidence clips that could not be written.", "\(c.clipFailuresTotal)")
        one("earshot_site_recording", "gauge", "1 while the site's audio is being recorded (recording: in the config).", c.siteRecording ? "1" : "0")
        one("earshot_site_recording_seconds_total", "counter", "Seconds of site audio recorded since the daemon started.", Self.number(c.siteRecordingSecondsTotal))
        one("earshot_site_recording_failures_total", "counter", "Site recordings stopped by a write error.", "\(c.siteRecordingFailuresTotal)")
        one("earshot_score_log", "gauge", "1 while every window's score is logged for earshot calibrate --scores (scores: in the config).", c.scoreLog ? "1" : "0")
        one("earshot_score_log_failures_total", "counter", "Score logs stopped by a write error.", "\(c.scoreLogFailuresTotal)")
        one("earshot_alert_rate_expected_per_hour", "gauge", "False alarms per hour the alerts paged are held against (alert_rate:; 0 = not watched).", Self.number(c.alertRateExpected))
        one("earshot_alert_rate_excess", "gauge", "1 while the alerts paged are far more than that rate allows (check the site: earshot calibrate --scores).", c.alertRateExcess ? "1" : "0")
        metric("earshot_liveness_warnings_total", "counter", "Microphone liveness warnings by condition.",
               LivenessCondition.allCases.map { ("condition=\"\($0.rawValue)\"", "\(c.livenessWarningsTotal[$0, default: 0])") })
        metric("earshot_liveness_active", "gauge", "1 while the liveness condition is present.",
               LivenessCondition.allCases.map { ("condition=\"\($0.rawValue)\"", c.livenessActive.contains($0) ? "1" : "0") })
        one("earshot_audio_seconds_total", "counter", "Seconds of audio analysed.", Self.number(c.audioSecondsTotal))
        one("earshot_last_score", "gauge", "Score of the most recent window scored: what the model hears now (the status line's last score).", Self.number(c.lastScore))
        one("earshot_last_event_score", "gauge", "Score of the most recent event when it was alerted (0 = none yet).", Self.number(c.lastEventScore))
        one("earshot_last_event_timestamp_seconds", "gauge", "Unix time of the most recent event (0 = none yet).", Self.number(c.lastEventTimestamp))
        one("earshot_running", "gauge", "1 while earshotd runs; 0 in the file it writes as it stops.", c.running ? "1" : "0")
        one("earshot_loop_timestamp_seconds", "gauge", "Unix time the detection loop last reported (about every second while it runs; far older than the file = a stuck loop).", Self.number(c.loopTimestamp))
        one("earshot_start_time_seconds", "gauge", "Unix time the daemon started.", Self.number(start.timeIntervalSince1970))
        one("earshot_uptime_seconds", "gauge", "Seconds since the daemon started.", Self.number(MonotonicClock.now - startMonotonic))
        return out
    }

    /// A label value escaped for the exposition format (backslash, double quote, newline).
    static func label(_ v: String) -> String {
        v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Writes `render()` to `settings.path` atomically, creating the directory if needed. Concurrent calls take
    /// turns, each rendering the counters as it starts.
    public func write() throws {
        try writing.withLock { _ in try MetricsFile.writeAtomically(render(), to: settings.path) }
    }

    /// Rewrites the file every `settings.intervalSeconds` until the task is cancelled (wrap it in a Service).
    /// A failing write is logged once, and its recovery once, not every interval.
    public func run() async {
        guard settings.enabled else { return }
        while !Task.isCancelled {
            writeLogged()
            do { try await Task.sleep(nanoseconds: UInt64(settings.intervalSeconds * 1e9)) } catch { break }
        }
        writeLogged()
    }

    /// `write()`, logging a failure (once until it recovers) instead of throwing.
    public func writeLogged() {
        guard settings.enabled else { return }
        do {
            try write()
            if failing.exchange(false, ordering: .relaxed) {
                logger?.notice("metrics file \(settings.path) is being written again")
            }
        } catch {
            if !failing.exchange(true, ordering: .relaxed) {
                logger?.error("cannot write metrics file: \(error)")
            }
        }
    }

    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.6f", v)
    }

    /// temp file + fsync + rename. The corresponding C functions are `open`, `write`, `fsync`, `rename`.
    static func writeAtomically(_ text: String, to path: String) throws {
        let fix = "make the directory writable by the daemon or set metrics.path to a path under its StateDirectory (/var/lib/earshot)"
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            try fileCheck(mkdir(dir, 0o755), "mkdir", path: dir, fix: fix)
        }
        let tmp = path + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try fileCheck(fd, "open", path: tmp, fix: fix)
        var ok = false
        defer { if !ok { unlink(tmp) } }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { close(fd); try fileCheck(-1, "write", path: tmp, fix: fix) }
            done += n
        }
        if fsync(fd) != 0 { close(fd); try fileCheck(-1, "fsync", path: tmp, fix: fix) }
        try fileCheck(close(fd), "close", path: tmp, fix: fix)
        try fileCheck(rename(tmp, path), "rename", path: path, fix: fix)
        ok = true
    }
}
