import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether an earshotd is protecting its venue right now, judged from the metrics file it keeps writing
/// (`earshot status`): running, its detection loop turning, its microphone delivering, paging on. The state is
/// a monitoring plugin's: OK, WARNING (listening, but something needs a look), CRITICAL (not listening, or not
/// running), UNKNOWN (nothing to judge from).
public struct DaemonHealth: Sendable, Equatable, Encodable {
    public enum State: String, Sendable, Encodable {
        case ok = "OK", warning = "WARNING", critical = "CRITICAL", unknown = "UNKNOWN"

        /// The exit status monitoring plugins use (Nagios, Icinga, Checkmk): 0, 1, 2, 3.
        public var exitCode: Int32 { switch self { case .ok: 0; case .warning: 1; case .critical: 2; case .unknown: 3 } }
        /// For the worst of several units: critical over unknown over warning over ok.
        var rank: Int { switch self { case .ok: 0; case .warning: 1; case .unknown: 2; case .critical: 3 } }
        public static func worst(_ states: [State]) -> State { states.max { $0.rank < $1.rank } ?? .unknown }
    }

    /// "earshot.service", "earshot@NAME.service", or "earshotd --config PATH" for one run by hand.
    public var unit: String
    public var state: State
    /// One line: what it is doing ("listening on hw:1 at North entrance and paging").
    public var summary: String
    /// Each one sentence with what to do; their severity made `state`.
    public var problems: [String]
    /// What is worth knowing and changes nothing about `state`: an incident going on, pages that did not go out.
    public var notes: [String]
    /// Figures for a person: uptime, audio analysed, events, hooks.
    public var details: [String]
    /// The metrics file judged, and when it was written (nil when there is none).
    public var metricsPath: String
    public var written: Date?
    /// The counters read from it (nil when there is none).
    public var counters: Counters?

    /// The figures `--json` carries.
    public struct Counters: Sendable, Equatable, Encodable {
        public var running: Bool
        public var deviceUp: Bool
        public var muted: Bool
        public var mutedUntil: Date?
        public var incidentEvents: Int
        public var eventsTotal: Int
        public var cooldownEventsTotal: Int
        public var incidentsTotal: Int
        public var lastEvent: Date?
        public var lastEventScore: Double
        public var audioSeconds: Double
        /// Seconds the capture device delivered no audio since start (`earshot_device_down_seconds_total`).
        public var deviceDownSeconds: Double
        public var uptimeSeconds: Double
        public var model: String
        public var threshold: Double
        public var hookGivenUpTotal: Int
        public var liveness: [String]
    }

    /// A file written longer ago than this is stale: three intervals, and at least one interval plus 10 s.
    public static func staleAfter(interval: Double) -> Double { max(3 * interval, interval + 10) }
    /// The detection loop reports about once a second; a report older than this in a file just written is a stuck loop.
    public static let loopStuckAfter: Double = 10

    /// Judges the earshotd that reads the config at `configPath` (nil: the instance's own, or built-in defaults) as
    /// `unit`; a config that does not load is UNKNOWN, with its error — unless it is the unit's own file and the
    /// metrics file of its defaults is there: that is judged, at least WARNING, with the error. `given`: `configPath` was named with
    /// `--config`; false when it is the instance's own file, found in the config directory (a missing one is then
    /// said as for earshot@NAME, not as a wrong `--config`).
    public static func check(configPath: String?, instance: Instance, unit: String, given: Bool = true, now: Date = Date()) -> DaemonHealth {
        do {
            let config = try configPath.map { try DaemonConfig.load($0, given: given, instance: instance) } ?? DaemonConfig.load(path: nil, instance: instance)
            return check(config: config, configPath: configPath, unit: unit,
                         muteFile: Mute.path(stateDirectory: instance.stateDirectory), now: now)
        } catch {
            let problem = "\(error) (earshot check-config\(instance.name.map { " --instance \($0)" } ?? "") says more)"
            // the unit's own file, broken since earshotd started (a reload of it is rejected): the daemon still runs
            // on what it loaded and writes its metrics where its defaults put them — judge that, and warn, since
            // earshotd would not start again with the file as it is (operator QA 3)
            let fallback = DaemonConfig(instance: instance)
            if !given || configPath == nil || configPath == instance.configPath, FileManager.default.fileExists(atPath: fallback.metrics.path) {
                var h = check(config: fallback, configPath: configPath, unit: unit, muteFile: Mute.path(stateDirectory: instance.stateDirectory), now: now)
                h.problems.append("its config file does not load, so earshotd would not start again (at a restart or a reboot) and rejects a reload: \(problem); judged from \(fallback.metrics.path), where earshotd's defaults put the metrics")
                if h.state == .ok { h.state = .warning }
                return h
            }
            return DaemonHealth(unit: unit, state: .unknown, summary: "cannot tell: its config does not load",
                                problems: [problem], notes: [], details: [], metricsPath: "", written: nil, counters: nil)
        }
    }

    /// Judges the earshotd that reads `config` (the file at `configPath`, nil for built-in defaults) as `unit`;
    /// `muteFile`: its mute file, for who muted it and why.
    public static func check(config: DaemonConfig, configPath: String?, unit: String, muteFile: String? = nil, now: Date = Date()) -> DaemonHealth {
        let m = config.metrics
        let place = config.device + (config.location.isEmpty ? "" : " at \(config.location)")
        var h = DaemonHealth(unit: unit, state: .unknown, summary: "", problems: [], notes: [], details: [], metricsPath: m.path, written: nil, counters: nil)
        guard m.enabled else {
            h.summary = "cannot tell: metrics are off"
            h.problems = ["metrics.enabled is false in \(configPath ?? "the config"): earshot status reads the metrics file earshotd writes — turn metrics on, or see \(Reach(unit).status)"]
            return h
        }
        var st = stat()
        let data: Data
        do {
            try fileCheck(stat(m.path, &st), "stat", path: m.path, fix: "")
            let fd = try fileCheck(open(m.path, O_RDONLY | O_CLOEXEC), "open", path: m.path, fix: "")
            data = try FileHandle(fileDescriptor: fd, closeOnDealloc: true).readToEnd() ?? Data()
        } catch let e as FileCallError where e.code == ENOENT {
            h.state = .critical
            h.summary = "not running (no metrics file)"
            h.problems = ["\(m.path) does not exist: this earshotd has not run (\(Reach(unit).enable); then \(Reach(unit).status))"]
            return h
        } catch var e as FileCallError {
            h.summary = "cannot tell: the metrics file cannot be read"
            e.fix = e.code == EACCES || e.code == EPERM ? "run earshot status with sudo (earshotd's state directory is for root and the service alone)"
                : "check metrics.path in \(configPath ?? "the config")"
            h.problems = ["\(e)"]
            return h
        } catch {
            h.summary = "cannot tell: the metrics file cannot be read"
            h.problems = ["\(m.path) cannot be read (\(error.localizedDescription)): check metrics.path in \(configPath ?? "the config")"]
            return h
        }
        let written = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        h.written = written
        // earshotd replaces the whole file at once: one it cannot have written is damaged (a full disk, a crash of
        // the file system, an edit by hand), and nothing can be judged from it
        let damaged = "earshotd rewrites it every \(String(format: "%g", m.intervalSeconds)) s while it runs: if it stays so, \(Reach(unit).log) says why (a full disk?), or restart it (\(Reach(unit).restart))"
        let reading: MetricsReading
        do {
            guard let text = String(data: data, encoding: .utf8) else {
                h.summary = "cannot tell: the metrics file is damaged"
                h.problems = ["\(m.path) is not text (not UTF-8), so not a metrics file earshotd wrote — \(damaged)"]
                return h
            }
            reading = try MetricsReading(text: text)
        } catch {
            h.summary = "cannot tell: the metrics file is damaged"
            h.problems = ["\(m.path): \(error) — \(damaged)"]
            return h
        }
        if let damage = reading.damage {
            h.summary = "cannot tell: the metrics file is damaged"
            h.problems = ["\(m.path) \(damage) — \(damaged)"]
            return h
        }
        let mute = muteFile.flatMap { try? Mute.read(path: $0) }.flatMap { $0.isActive(at: now) ? $0 : nil }
        // the score log to calibrate on is this config's: named when it is not the default file (operator QA 7)
        let calibrate = "earshot calibrate --scores" + (configPath.map { $0 == DaemonConfig.defaultPath ? "" : " --config \($0)" } ?? "")
        return judge(reading, written: written, now: now, interval: m.intervalSeconds, place: place, mute: mute, calibrate: calibrate, into: h)
    }

    /// The judgement itself, from a file read at `now` that was written at `written`; `calibrate`: the command that
    /// calibrates on the judged earshotd's score log (named in the advice for too many alerts).
    static func judge(_ reading: MetricsReading, written: Date, now: Date, interval: Double, place: String, mute: Mute?,
                      calibrate: String, into base: DaemonHealth) -> DaemonHealth {
        var h = base
        let c = reading.counters
        let start = reading.value("earshot_start_time_seconds").map { Date(timeIntervalSince1970: $0) }
        let age = now.timeIntervalSince(written)
        var critical: [String] = [], warning: [String] = []
        let reach = Reach(h.unit)
        let stale = age > staleAfter(interval: interval)
        var listening = false
        if !c.running {
            h.summary = "stopped"
            critical.append("earshotd stopped at \(Mute.describe(written)): nothing is listening (\(reach.start); \(reach.log) says why it stopped)")
        } else if stale {
            h.summary = "not running, or hung"
            critical.append("earshotd has not written \(h.metricsPath) for \(span(age)) (every \(String(format: "%g", interval)) s while it runs): it was killed, crashed or hangs — \(reach.status); \(reach.log)")
        } else if c.loopTimestamp > 0, written.timeIntervalSince1970 - c.loopTimestamp > loopStuckAfter {
            h.summary = "NOT LISTENING: detection stuck"
            critical.append("earshotd's detection loop last ran \(span(written.timeIntervalSince1970 - c.loopTimestamp)) before the file was written: it is stuck (systemd's watchdog restarts it; \(reach.status))")
        } else if reading.value("earshot_loop_timestamp_seconds") == nil {
            h.summary = "cannot tell: an older earshotd wrote the file"
            warning.append("\(h.metricsPath) has no earshot_loop_timestamp_seconds: the earshotd running is older than this earshot — restart it (\(reach.restart))")
        } else if c.loopTimestamp == 0 {
            h.summary = "starting"
            warning.append("earshotd is starting: it has not begun detecting yet (run earshot status again in a few seconds)")
        } else if !c.deviceUp {
            h.summary = "NOT LISTENING: no audio from \(place)"
            critical.append("the capture device delivers no audio (lost, busy or stalled; \(c.deviceLossesTotal) loss\(c.deviceLossesTotal == 1 ? "" : "es") since start): earshotd retries by itself — \(reach.log) names the error; earshot devices lists the microphones")
        } else {
            listening = true
            h.summary = "listening on \(place)" + (c.muted ? ", paging MUTED" : " and paging")
        }
        if listening {
            for condition in LivenessCondition.allCases where c.livenessActive.contains(condition) {
                switch condition {
                case .silence: critical.append("the microphone delivers digital silence: check the device, its mute switch and mixer levels (alsamixer)")
                case .quiet: critical.append("the microphone's signal swings no more than liveness.quiet_dbfs, only a converter's hiss: check that it is plugged in, on the channel heard (channel:), and its capture gain is up (alsamixer); a site that quiet with a low-noise microphone: lower quiet_dbfs")
                case .cancel: warning.append("the channels mixed cancel each other (one is phase-inverted): the detector hears them weakened; set channel: to one channel (earshot listen --channel N shows each)")
                case .stuck: critical.append("the microphone delivers one stuck value: the device or driver stopped delivering audio; replug or restart it")
                case .clipping: warning.append("the microphone input is clipping: lower the capture gain (alsamixer) so loud sounds stay below full scale")
                }
            }
            if c.deviceOutageLosses > 1 {
                let since = c.deviceOutageSince > 0 ? " since \(Mute.describe(Date(timeIntervalSince1970: c.deviceOutageSince)))" : ""
                warning.append("the capture device keeps dropping (\(c.deviceOutageLosses) losses\(since)): earshotd listens between them, but hears nothing during each — check the cable, USB port or hub, and dmesg")
            }
            if c.muted {
                // who and why from the mute file when it can be read; the metrics say until when
                let until = c.mutedUntil > 0 ? "until \(Mute.describe(Date(timeIntervalSince1970: c.mutedUntil))) " : ""
                warning.append("paging is muted \(mute?.summary ?? until + "(earshot mute says why)"): alerts go to the journal only (sudo earshot unmute pages again)")
            }
            if c.alertRateExcess {
                warning.append("far more alerts than the \(String(format: "%g", c.alertRateExpected)) false alarm(s)/hour calibrated: check the site (\(reach.log); \(calibrate))")
            }
        }
        if c.running, !stale, c.reloadRejectedAt > 0 {
            warning.append("the reload at \(Mute.describe(Date(timeIntervalSince1970: c.reloadRejectedAt))) was rejected: earshotd runs an earlier configuration than its file, and would not start with the file as it is — earshot check-config says what is wrong; fix it and reload (\(reach.log) has the error)")
        }
        if c.running, !stale, c.incidentEvents > 0 {
            h.notes.append("INCIDENT going on: \(c.incidentEvents) gunshot event\(c.incidentEvents == 1 ? "" : "s") (sudo earshot incidents --since 1h)")
        }
        if c.hookGivenUpTotal > 0 {
            h.notes.append("\(c.hookGivenUpTotal) alert(s) or notice(s) since start whose hook failed every attempt: their page did not go out (\(reach.log) says why)")
        }
        if c.clipFailuresTotal > 0 { h.notes.append("\(c.clipFailuresTotal) evidence clip(s) could not be written since start (\(reach.log) says why)") }
        if c.deviceDownSecondsTotal > 0 {
            // was the detector deaf overnight? — what a morning check asks
            h.notes.append("the capture device delivered no audio for \(outage(c.deviceDownSecondsTotal)) in all since start (\(c.deviceLossesTotal) loss\(c.deviceLossesTotal == 1 ? "" : "es")): nothing could be detected then — \(reach.log) says when (\"capture device\")")
        }
        if c.droppedSecondsTotal > 0 { h.notes.append(String(format: "%.1f s of captured audio never analysed since start (the detection loop fell behind)", c.droppedSecondsTotal)) }
        h.problems = critical + warning
        h.state = !critical.isEmpty ? .critical : !warning.isEmpty ? .warning : .ok
        let uptime = reading.value("earshot_uptime_seconds") ?? 0
        if let start { h.details.append("up \(span(uptime)) (since \(Mute.describe(start))), model \(c.model), threshold \(String(format: "%.4g", c.threshold))") }
        h.details.append("\(span(c.audioSecondsTotal)) of audio analysed; metrics written \(span(age)) ago (\(h.metricsPath))")
        let last = c.lastEventTimestamp > 0 ? String(format: "; last %@, score %.2f", Mute.describe(Date(timeIntervalSince1970: c.lastEventTimestamp)), c.lastEventScore) : ""
        h.details.append("since start: \(c.eventsTotal) alert\(c.eventsTotal == 1 ? "" : "s") (\(c.mutedEventsTotal) muted), \(c.cooldownEventsTotal) held back in cooldowns, \(c.incidentsTotal) incident\(c.incidentsTotal == 1 ? "" : "s")\(last)")
        h.details.append("hooks: \(c.hookRunsTotal) run\(c.hookRunsTotal == 1 ? "" : "s"), \(c.hookFailuresTotal) failed, \(c.hookRetriesTotal) retried; capture: \(c.overrunsTotal) overrun\(c.overrunsTotal == 1 ? "" : "s"), \(c.deviceLossesTotal) device loss\(c.deviceLossesTotal == 1 ? "" : "es"), \(outage(c.deviceDownSecondsTotal)) without audio")
        h.counters = Counters(running: c.running, deviceUp: c.deviceUp, muted: c.muted,
                              mutedUntil: c.mutedUntil > 0 ? Date(timeIntervalSince1970: c.mutedUntil) : nil,
                              incidentEvents: c.incidentEvents, eventsTotal: c.eventsTotal, cooldownEventsTotal: c.cooldownEventsTotal,
                              incidentsTotal: c.incidentsTotal,
                              lastEvent: c.lastEventTimestamp > 0 ? Date(timeIntervalSince1970: c.lastEventTimestamp) : nil,
                              lastEventScore: c.lastEventScore, audioSeconds: c.audioSecondsTotal, deviceDownSeconds: c.deviceDownSecondsTotal, uptimeSeconds: uptime, model: c.model,
                              threshold: c.threshold, hookGivenUpTotal: c.hookGivenUpTotal,
                              liveness: LivenessCondition.allCases.filter { c.livenessActive.contains($0) }.map(\.rawValue))
        return h
    }

    /// How to start, inspect and read the log of an earshotd: systemctl and journalctl for a unit, plain words for
    /// one run by hand.
    struct Reach {
        let enable, start, restart, status, log: String
        init(_ unit: String) {
            if unit.hasSuffix(".service") {
                (enable, start, restart) = ("sudo systemctl enable --now \(unit)", "sudo systemctl start \(unit)", "sudo systemctl restart \(unit)")
                (status, log) = ("systemctl status \(unit)", "journalctl -u \(unit)")
            } else {
                (enable, start, restart, status, log) = ("start it", "start it again", "stop it and start it again", "its log", "its log")
            }
        }
    }

    /// "45 s", "12 min", "2 h 5 min", "3 d 4 h"; "an unknown time" when `seconds` is not a number, and at most
    /// "11574074 d 1 h" (10^12 s, which an Int holds: no value makes it trap).
    public static func span(_ seconds: Double) -> String {
        guard !seconds.isNaN else { return "an unknown time" }
        let s = Int(min(max(0, seconds), 1e12).rounded())
        if s < 60 { return "\(s) s" }
        let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60)
        if d > 0 { return "\(d) d \(h) h" }
        return h > 0 ? "\(h) h \(m) min" : "\(m) min"
    }

    /// `span`, to a tenth of a second below 10 s ("0.4 s", "9.9 s"): an outage of the microphone.
    public static func outage(_ seconds: Double) -> String {
        seconds < 9.95 ? String(format: "%.1f s", max(0, seconds)) : span(seconds)
    }
}
