import Foundation
import Testing
@testable import EarshotDaemon

/// `earshot status`'s judgement from a metrics file as earshotd writes it (`MetricsFile`), its age set by the
/// file's modification time.
@Suite struct DaemonHealthTests {
    /// A config whose metrics file is in a fresh directory, and a daemon's counters that say all is well.
    struct Site {
        var config = DaemonConfig()
        let path: String
        init(_ name: String) {
            path = TestPaths.tempDir("health-\(name)").appendingPathComponent("earshot.prom").path
            config.metrics = MetricsSettings(path: path, intervalSeconds: 15)
            config.device = "hw:1"; config.location = "North entrance"
        }

        /// Writes the file for `counters` changed by `change`, `age` seconds ago (the loop reported `loopAge`
        /// seconds before that), and judges it.
        func judge(age: Double = 2, loopAge: Double = 0.5, _ change: (inout EarshotCounters) -> Void = { _ in }) throws -> DaemonHealth {
            let written = Date().addingTimeInterval(-age)
            let m = MetricsFile(settings: config.metrics, start: written.addingTimeInterval(-3 * 86_400 - 4 * 3600))
            m.update {
                $0.running = true; $0.deviceUp = true; $0.loopTimestamp = written.timeIntervalSince1970 - loopAge
                $0.model = "earshot-default.safetensors"; $0.threshold = 0.9801; $0.audioSecondsTotal = 3 * 86_400
                change(&$0)
            }
            try m.write()
            try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: path)
            return DaemonHealth.check(config: config, configPath: "/etc/earshot/earshot.yaml", unit: "earshot.service")
        }
    }

    @Test func runningHearingAndPagingIsOK() throws {
        let h = try Site("ok").judge()
        #expect(h.state == .ok && h.problems.isEmpty && h.notes.isEmpty, "\(h)")
        #expect(h.summary == "listening on hw:1 at North entrance and paging")
        #expect(h.details.first?.hasPrefix("up 3 d 4 h (since ") == true && h.details.first?.hasSuffix("model earshot-default.safetensors, threshold 0.9801") == true, "\(h.details)")
        #expect(h.details.contains { $0.hasPrefix("3 d 0 h of audio analysed; metrics written 2 s ago") }, "\(h.details)")
        #expect(h.counters?.running == true && h.counters?.deviceUp == true)
    }

    @Test func notRunningIsCritical() throws {
        let site = Site("down")
        // stopped: the file earshotd wrote as it stopped
        let stopped = try site.judge { $0.running = false; $0.deviceUp = false }
        #expect(stopped.state == .critical && stopped.summary == "stopped" && stopped.problems.first?.hasPrefix("earshotd stopped at ") == true, "\(stopped)")
        // killed or hung: the file is three intervals old (45 s), the running flag still set
        let stale = try site.judge(age: 46)
        #expect(stale.state == .critical && stale.problems.first?.hasPrefix("earshotd has not written \(site.path) for 46 s (every 15 s while it runs)") == true, "\(stale)")
        #expect(try site.judge(age: 44).state == .ok, "44 s is within three intervals")
        // a dead earshotd's last incident count is no incident going on
        #expect(try site.judge(age: 46) { $0.incidentEvents = 2 }.notes.isEmpty)
        // the file is written, but the detection loop has not reported for 30 s
        let stuck = try site.judge(loopAge: 30)
        #expect(stuck.state == .critical && stuck.summary == "NOT LISTENING: detection stuck", "\(stuck)")
        #expect(try site.judge(loopAge: 5).state == .ok)
        // no file at all
        try FileManager.default.removeItem(atPath: site.path)
        let none = DaemonHealth.check(config: site.config, configPath: nil, unit: "earshot@hall.service")
        #expect(none.state == .critical && none.problems.first?.contains("does not exist: this earshotd has not run (sudo systemctl enable --now earshot@hall.service") == true, "\(none)")
    }

    @Test func noAudioIsCritical() throws {
        let site = Site("audio")
        let lost = try site.judge { $0.deviceUp = false; $0.deviceLossesTotal = 2 }
        #expect(lost.state == .critical && lost.summary == "NOT LISTENING: no audio from hw:1 at North entrance", "\(lost)")
        #expect(lost.problems.first?.contains("2 losses since start") == true)
        for (condition, state) in [(LivenessCondition.silence, DaemonHealth.State.critical), (.quiet, .critical), (.cancel, .warning), (.stuck, .critical), (.clipping, .warning)] {
            let h = try site.judge { $0.livenessActive = [condition] }
            #expect(h.state == state && h.problems.count == 1, "\(condition): \(h)")
        }
        // a link that keeps dropping (an outage of several losses, not yet over) while the device delivers: a warning
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        let dropping = try site.judge { $0.deviceOutageLosses = 3; $0.deviceOutageSince = since.timeIntervalSince1970; $0.deviceLossesTotal = 3 }
        #expect(dropping.state == .warning && dropping.problems == ["the capture device keeps dropping (3 losses since \(Mute.describe(since))): earshotd listens between them, but hears nothing during each — check the cable, USB port or hub, and dmesg"], "\(dropping)")
        #expect(try site.judge { $0.deviceOutageLosses = 1; $0.deviceOutageSince = since.timeIntervalSince1970 }.state == .ok, "one loss, back and holding: OK")
    }

    @Test func mutedOrTooManyAlertsIsAWarning() throws {
        let site = Site("warn")
        let until = Date().addingTimeInterval(3600)
        let muted = try site.judge { $0.muted = true; $0.mutedUntil = until.timeIntervalSince1970 }
        #expect(muted.state == .warning && muted.summary == "listening on hw:1 at North entrance, paging MUTED", "\(muted)")
        #expect(muted.problems == ["paging is muted until \(Mute.describe(Date(timeIntervalSince1970: until.timeIntervalSince1970))) (earshot mute says why): alerts go to the journal only (sudo earshot unmute pages again)"])
        // with the mute file at hand: who muted it and why
        let file = URL(fileURLWithPath: site.path).deletingLastPathComponent().appendingPathComponent("mute.json").path
        let mute = Mute(until: until, reason: "fireworks show", by: "alice", since: Date())
        try mute.write(path: file)
        let why = DaemonHealth.check(config: site.config, configPath: nil, unit: "earshot.service", muteFile: file)
        #expect(why.problems == ["paging is muted \(mute.summary): alerts go to the journal only (sudo earshot unmute pages again)"], "\(why.problems)")
        #expect(mute.summary.hasSuffix("by alice: fireworks show"))
        let rate = try site.judge { $0.alertRateExcess = true; $0.alertRateExpected = 0.5 }
        #expect(rate.state == .warning && rate.problems.first?.hasPrefix("far more alerts than the 0.5 false alarm(s)/hour calibrated") == true, "\(rate)")
        // the score log to calibrate on is the judged config's: named unless it is the default file (operator QA 7)
        #expect(rate.problems.first?.hasSuffix("; earshot calibrate --scores)") == true, "\(rate.problems)")
        let byHand = DaemonHealth.check(config: site.config, configPath: "/srv/hall.yaml", unit: "earshotd (/srv/hall.yaml)")
        #expect(byHand.problems.first?.hasSuffix("; earshot calibrate --scores --config /srv/hall.yaml)") == true, "\(byHand.problems)")
        // both, and a lost device on top: the worst wins, every problem is listed, the critical one first
        let all = try site.judge { $0.muted = true; $0.alertRateExcess = true; $0.livenessActive = [.silence] }
        #expect(all.state == .critical && all.problems.count == 3 && all.problems[0].contains("digital silence"), "\(all.problems)")
    }

    @Test("an incident going on, pages not delivered and lost clips are said, and leave the state OK")
    func notes() throws {
        let h = try Site("notes").judge { $0.incidentEvents = 3; $0.hookGivenUpTotal = 1; $0.clipFailuresTotal = 2; $0.droppedSecondsTotal = 1.5 }
        #expect(h.state == .ok, "\(h)")
        #expect(h.notes.count == 4 && h.notes[0] == "INCIDENT going on: 3 gunshot events (sudo earshot incidents --since 1h)", "\(h.notes)")
        // the microphone was away for a while and is back: how long nothing was heard, in all
        let away = try Site("away").judge { $0.deviceDownSecondsTotal = 754; $0.deviceLossesTotal = 2 }
        #expect(away.state == .ok && away.notes == ["the capture device delivered no audio for 12 min in all since start (2 losses): nothing could be detected then — journalctl -u earshot.service says when (\"capture device\")"], "\(away.notes)")
        #expect(away.details.last?.hasSuffix("capture: 0 overruns, 2 device losses, 12 min without audio") == true, "\(away.details)")
        #expect(away.counters?.deviceDownSeconds == 754)
        let blip = try Site("blip").judge { $0.deviceDownSecondsTotal = 0.42; $0.deviceLossesTotal = 1 }
        #expect(blip.notes.first?.hasPrefix("the capture device delivered no audio for 0.4 s in all since start (1 loss)") == true, "\(blip.notes)")
        #expect(try Site("never").judge { $0.deviceLossesTotal = 0 }.notes.isEmpty)
    }

    @Test func aFileFromAnOlderEarshotdAsksForARestart() throws {
        let site = Site("older")
        _ = try site.judge()
        let text = try String(contentsOfFile: site.path, encoding: .utf8).split(separator: "\n").filter { !$0.contains("earshot_loop_timestamp_seconds") }.joined(separator: "\n")
        try (text + "\n").write(toFile: site.path, atomically: true, encoding: .utf8)
        let h = DaemonHealth.check(config: site.config, configPath: nil, unit: "earshot.service")
        #expect(h.state == .warning && h.problems == ["\(site.path) has no earshot_loop_timestamp_seconds: the earshotd running is older than this earshot — restart it (sudo systemctl restart earshot.service)"], "\(h)")
    }

    @Test func nothingToJudgeFromIsUnknown() throws {
        var site = Site("unknown")
        _ = try site.judge()
        try Data("not a metrics file\n".utf8).write(to: URL(fileURLWithPath: site.path))
        let garbled = DaemonHealth.check(config: site.config, configPath: nil, unit: "earshot.service")
        #expect(garbled.state == .unknown && garbled.problems.first?.contains("line 1 is not a metrics sample") == true, "\(garbled)")
        site.config.metrics.enabled = false
        let off = DaemonHealth.check(config: site.config, configPath: "/etc/earshot/earshot.yaml", unit: "earshot.service")
        #expect(off.state == .unknown && off.problems.first?.hasPrefix("metrics.enabled is false in /etc/earshot/earshot.yaml") == true)
        let broken = DaemonHealth.check(configPath: "/nonexistent/hall.yaml", instance: try Instance(name: "hall", environment: [:]), unit: "earshot@hall.service")
        #expect(broken.state == .unknown && broken.problems.first?.contains("--instance hall") == true, "\(broken)")
    }

    /// A file earshotd cannot have written — empty, cut short, not text, or with a value that is no finite number
    /// of a sane size (the exposition format allows NaN and +Inf; 1e400 reads as +Inf) — is UNKNOWN, naming the
    /// file and the line, never a trap (NaN uptime, +Inf audio seconds and a start time past the year 9999 trapped
    /// converting them to an Int) nor a running earshotd. The hint to use sudo is for a file it may not read only.
    @Test func aDamagedFileIsUnknown() throws {
        let site = Site("damaged")
        _ = try site.judge()
        let good = try String(contentsOfFile: site.path, encoding: .utf8)
        let lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func line(_ name: String) throws -> Int { try #require(lines.firstIndex { $0.hasPrefix(name + " ") }) + 1 }
        func judge(_ text: Data) throws -> DaemonHealth {
            try text.write(to: URL(fileURLWithPath: site.path))
            return DaemonHealth.check(config: site.config, configPath: nil, unit: "earshot.service")
        }
        func edited(_ name: String, _ value: String) -> Data {
            Data(lines.map { $0.hasPrefix(name + " ") ? "\(name) \(value)" : $0 }.joined(separator: "\n").utf8)
        }
        let cases: [(Data, String)] = [
            (edited("earshot_uptime_seconds", "NaN"), "line \(try line("earshot_uptime_seconds")): earshot_uptime_seconds NaN is not a value earshotd writes"),
            (edited("earshot_audio_seconds_total", "1e400"), "line \(try line("earshot_audio_seconds_total")): earshot_audio_seconds_total +Inf is not a value"),
            (edited("earshot_start_time_seconds", "1e300"), "line \(try line("earshot_start_time_seconds")): earshot_start_time_seconds 1e+300 is not a value"),
            (edited("earshot_threshold", "NaN"), "line \(try line("earshot_threshold")): earshot_threshold NaN is not a value"),
            (edited("earshot_events_total", "1e19"), "line \(try line("earshot_events_total")): earshot_events_total 1e+19 is not a value"),
            (Data(), "is empty"),
            (Data("# HELP earshot_threshold x\n".utf8), "is empty"),
            (Data(lines.prefix(20).joined(separator: "\n").utf8), "is cut short: it ends at line "),
            (Data([0x80, 0xff, 0x00, 0xfe]), "is not text (not UTF-8)"),
            (Data("\u{7f}ELF garbage\n".utf8), "line 1 is not a metrics sample"),
        ]
        for (text, says) in cases {
            let h = try judge(text)
            #expect(h.state == .unknown && h.summary == "cannot tell: the metrics file is damaged" && h.counters == nil, "\(says): \(h)")
            #expect(h.problems.count == 1 && h.problems[0].hasPrefix(site.path) && h.problems[0].contains(says), "\(says): \(h.problems)")
            #expect(h.problems[0].contains("earshotd rewrites it every 15 s") && !h.problems[0].contains("with sudo"), "\(h.problems)")
        }
        // the figures status prints never trap, whatever they are given
        #expect(DaemonHealth.span(.nan) == "an unknown time" && DaemonHealth.span(.infinity) == "11574074 d 1 h" && DaemonHealth.span(-5) == "0 s")
        #expect(MetricsReading.int(.nan) == 0 && MetricsReading.int(1e19) == 0 && MetricsReading.int(12) == 12)
    }

    /// Operator QA 3: a reload earshotd rejected is a WARNING (systemctl reload succeeded; the file would keep
    /// earshotd from starting again), and the unit's own config broken since earshotd started is judged from
    /// the metrics file of its defaults, with the error, not UNKNOWN — a --config file of another daemon is not.
    @Test func aRejectedReloadOrABrokenOwnConfigIsAWarning() throws {
        let site = Site("reload")
        let at = Date().addingTimeInterval(-120)
        let rejected = try site.judge { $0.reloadRejectedAt = at.timeIntervalSince1970 }
        #expect(rejected.state == .warning && rejected.problems == ["the reload at \(Mute.describe(Date(timeIntervalSince1970: at.timeIntervalSince1970))) was rejected: earshotd runs an earlier configuration than its file, and would not start with the file as it is — earshot check-config says what is wrong; fix it and reload (journalctl -u earshot.service has the error)"], "\(rejected)")
        let dir = URL(fileURLWithPath: site.path).deletingLastPathComponent()
        let own = try Instance(name: nil, environment: ["STATE_DIRECTORY": dir.path])
        let broken = dir.appendingPathComponent("earshot.yaml")
        try "cooldown: -3\n".write(to: broken, atomically: true, encoding: .utf8)
        _ = try site.judge()
        let h = DaemonHealth.check(configPath: broken.path, instance: own, unit: "earshot.service", given: false)
        #expect(h.state == .warning && h.summary == "listening on default and paging", "\(h)")
        #expect(h.problems.count == 1 && h.problems[0].hasPrefix("its config file does not load, so earshotd would not start again (at a restart or a reboot) and rejects a reload: ")
                && h.problems[0].contains("'cooldown'") && h.problems[0].hasSuffix("judged from \(site.path), where earshotd's defaults put the metrics"), "\(h.problems)")
        // a stopped earshotd stays CRITICAL; another file named with --config is not judged from these metrics
        _ = try site.judge { $0.running = false }
        #expect(DaemonHealth.check(configPath: broken.path, instance: own, unit: "earshot.service", given: false).state == .critical)
        let other = DaemonHealth.check(configPath: broken.path, instance: own, unit: "earshot.service", given: true)
        #expect(other.state == .unknown && other.summary == "cannot tell: its config does not load", "\(other)")
    }

    /// A named instance's own config, as `earshot status --instance NAME` finds it missing, is said as for that
    /// instance (create it from the shipped default), not as a wrong --config, which was not given.
    @Test func aMissingInstanceConfigSaysHowToCreateIt() throws {
        let hall = try Instance(name: "hall", environment: [:])
        let own = DaemonHealth.check(configPath: "/nonexistent/hall.yaml", instance: hall, unit: "earshot@hall.service", given: false)
        #expect(own.state == .unknown && own.problems.first?.contains("config file not found for instance 'hall' — create it from the shipped default") == true, "\(own)")
        #expect(own.problems.first?.contains("--config") == false, "\(own.problems)")
        let given = DaemonHealth.check(configPath: "/nonexistent/hall.yaml", instance: hall, unit: "earshot@hall.service")
        #expect(given.problems.first?.contains("/nonexistent/hall.yaml: config file not found — check the path; without a file named, /etc/earshot/hall.yaml is read") == true, "\(given.problems)")
    }

    @Test func theWorstStateAndItsExitCode() {
        typealias S = DaemonHealth.State
        #expect([S.ok, .warning, .critical, .unknown].map(\.exitCode) == [0, 1, 2, 3])
        #expect(S.worst([.ok, .warning]) == .warning && S.worst([.unknown, .warning]) == .unknown && S.worst([.critical, .unknown, .ok]) == .critical)
        #expect(DaemonHealth.span(59.6) == "1 min" && DaemonHealth.span(7500) == "2 h 5 min" && DaemonHealth.span(3 * 86_400 + 4 * 3600 + 59) == "3 d 4 h")
    }
}
