import EarshotDaemon
import EarshotDSP
import Foundation
import Testing

/// `alert_rate:` through a real earshotd (ALSA file plugin → detection loop → journald, health hook, metrics):
/// 21.5 min of audio with two shots in each of three ten-minute periods, held against 1 false alarm per hour.
@Suite(.serialized) struct DaemonAlertRateTests {
    /// Shots at 0.5, 1, 10.5, 11, 20.5 and 21 minutes: at the fifth, 5 alerts in 0.34 h (P(X ≥ 5; 0.34) ≈ 3e-5)
    /// in three ten-minute periods.
    static let shots: [Double] = [30, 60, 630, 660, 1230, 1260]

    struct Setup {
        let run: DaemonRun, fixture: AlsaFileFixture, state: URL, prom: URL, healthOut: URL
    }

    static func setup() throws -> Setup {
        let run = try DaemonRun()
        let fixture = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 1290, shots: shots), rate: 16_000, dir: run.dir)
        let state = run.dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let healthOut = run.dir.appendingPathComponent("health.txt")
        _ = try HookFixture.script(run.dir, "health.sh", "echo \"$EARSHOT_HEALTH $EARSHOT_PROBLEM $EARSHOT_MESSAGE\" >> '\(healthOut.path)'")
        return Setup(run: run, fixture: fixture, state: state, prom: run.dir.appendingPathComponent("m.prom"), healthOut: healthOut)
    }

    func config(_ s: Setup, alertRate: String) throws -> URL {
        try s.run.writeConfig(extra: "location: Hall B\nhealth_hook:\n  path: \(s.run.dir.appendingPathComponent("health.sh").path)\n  retries: 0\n\(alertRate)",
                              metrics: ["path: \(s.prom.path)"], name: "rate-\(UUID().uuidString.prefix(4)).yaml")
    }

    func metric(_ s: Setup, _ name: String) -> String? {
        ((try? String(contentsOf: s.prom, encoding: .utf8)) ?? "").split(separator: "\n").first { $0.hasPrefix(name + " ") }.map { String($0.split(separator: " ")[1]) }
    }

    /// The fifth alert starts an excess: one journal entry (MESSAGE_ID alert_rate, warning, the numbers as
    /// fields), one health-hook run, the metrics; every alert is still paged (six in the journal).
    @Test func moreAlertsThanCalibratedAreSaidOnce() throws {
        let s = try Self.setup()
        let r = try s.run.journalRun(s.fixture, config: try config(s, alertRate: "alert_rate:\n  expected_per_hour: 1"),
                                     environment: ["STATE_DIRECTORY": s.state.path])
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        #expect(DaemonRun.alerts(r.entries).count == 6, "every shot paged: \(DaemonRun.alerts(r.entries).count)")
        let notices = r.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.alertRate }
        #expect(notices.count == 1, "\(notices)")
        if let n = notices.first {
            #expect(n["PRIORITY"] == "4" && n["EARSHOT_ALERT_RATE_EXCESS"] == "1" && n["EARSHOT_ALERTS"] == "5" && n["EARSHOT_EXPECTED_PER_HOUR"] == "1"
                    && n["EARSHOT_LOCATION"] == "Hall B", "\(n)")
            #expect(Double(n["EARSHOT_HOURS"] ?? "").map { $0 > 0.33 && $0 < 0.36 } == true, "0.34 h of audio: \(n)")
            #expect(Double(n["EARSHOT_P"] ?? "").map { $0 > 1e-5 && $0 < 1e-4 } == true, "P(X ≥ 5; 0.34): \(n)")
            let m = n["MESSAGE"] ?? ""
            #expect(m.contains("5 paged in the last 0.34 h") && m.contains("in 3 ten-minute periods")
                    && m.contains("earshot calibrate") && m.contains("Every alert is still paged"), "\(m)")
        }
        let health = DaemonHookFixture.lines(s.healthOut)
        #expect(health.count == 2 && health.first?.hasPrefix("alert_rate 1 More alerts than the threshold is calibrated for") == true, "\(health)")
        #expect(health.last?.hasPrefix("alert_rate 0 earshotd is stopping: more alerts than the threshold is calibrated for (") == true,
                "in force at the end: withdrawn by the stop (the next start's watch begins afresh): \(health)")
        #expect(metric(s, "earshot_alert_rate_excess") == "1" && metric(s, "earshot_alert_rate_expected_per_hour") == "1")
    }

    /// SIGHUP while in excess: a reload that changes only the location keeps the watch (no notice); one with a
    /// new threshold starts it afresh, and says the excess is over (its alerts were paged at the old settings).
    /// Paced at 50× so the reloads land in the 4.5 min of audio after the notice (5.4 s); a 600 s ring keeps a
    /// loaded machine from dropping audio.
    @Test func aReloadWithANewThresholdStartsTheWatchAfresh() throws {
        let s = try Self.setup()
        let fixture = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 1500, shots: Self.shots), rate: 16_000, dir: s.run.dir)
        let asound = try fixture.writeConfigFile(in: s.run.dir)
        let hook = s.run.dir.appendingPathComponent("health.sh").path
        let config = s.run.dir.appendingPathComponent("reload.yaml")
        func write(_ extra: String) throws {
            let u = try s.run.writeConfig(extra: "ring_seconds: 600\nhealth_hook:\n  path: \(hook)\n  retries: 0\nalert_rate:\n  expected_per_hour: 1\n\(extra)",
                                          metrics: ["path: \(s.prom.path)"], name: "reload-next.yaml")
            guard rename(u.path, config.path) == 0 else { throw CocoaError(.fileWriteUnknown) }   // atomic: a reload never reads half a file
        }
        try write("location: Hall B")
        let d = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fixture.frames), "--pace", "50", "--exit-at-end"],
                                  environment: ["ALSA_CONFIG_PATH": asound.path, "STATE_DIRECTORY": s.state.path], dir: s.run.dir)
        func waitFor(_ text: String, count: Int = 1) -> Bool {
            let end = Date().addingTimeInterval(60)
            while Date() < end && d.isRunning {
                if d.stderr.components(separatedBy: text).count - 1 >= count { return true }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return d.stderr.components(separatedBy: text).count - 1 >= count
        }
        #expect(waitFor("More alerts than the threshold is calibrated for"), "stderr:\n\(d.stderr)")
        try write("location: Hall C")
        d.signal(SIGHUP)
        #expect(waitFor("configuration reloaded"), "stderr:\n\(d.stderr)")
        try write("location: Hall C\nthreshold: 0.6")
        d.signal(SIGHUP)
        #expect(waitFor("configuration reloaded", count: 2), "stderr:\n\(d.stderr)")
        #expect(d.waitExit(timeout: 60) == 0, "stderr:\n\(d.stderr)")
        let health = DaemonHookFixture.lines(s.healthOut)
        #expect(health.count == 2, "the excess, then its end at the new threshold only: \(health)")
        if health.count == 2 {
            #expect(health[0].hasPrefix("alert_rate 1 More alerts"), "\(health[0])")
            #expect(health[1].hasPrefix("alert_rate 0 Alert-rate watch starts afresh (a new threshold or rule)"), "\(health[1])")
        }
        #expect(metric(s, "earshot_alert_rate_excess") == "0")
    }

    /// `earshotd --replay` (paced at 100×; a 600 s ring keeps a loaded machine from dropping audio): a replayed file
    /// is not the site's sound, so its alerts are not held against the rate.
    @Test func aReplayIsNotWatched() throws {
        let s = try Self.setup()
        let wav = s.run.dir.appendingPathComponent("replay.wav")
        try AudioFileWriter.writeWAV16(DaemonTestSignals.recording(seconds: 1290, shots: Self.shots), sampleRate: 16_000, to: wav)
        let d = try DaemonProcess(args: ["--config", try config(s, alertRate: "ring_seconds: 600\nalert_rate:\n  expected_per_hour: 1").path, "--replay", wav.path, "--pace", "100"],
                                  environment: ["STATE_DIRECTORY": s.state.path], dir: s.run.dir)
        #expect(d.waitExit(timeout: 120) == 0, "stderr:\n\(d.stderr)")
        #expect(DaemonHookFixture.alerts(d.stderr).count == 6, "every shot paged: \(d.stderr)")
        #expect(DaemonHookFixture.alerts(d.stderr).allSatisfy { $0.contains("MESSAGE=[REPLAY] ") }, "a replay's alerts are drills")
        #expect(!d.stderr.contains("More alerts than the threshold") && DaemonHookFixture.lines(s.healthOut).isEmpty, "\(d.stderr)")
        #expect(metric(s, "earshot_alert_rate_expected_per_hour") == "0")
    }

    /// The same audio while paging is muted (a planned noisy event): nothing paged, so no excess; and with the
    /// model's uncalibrated threshold and no expected_per_hour, no watch — said once, with the fix.
    @Test func mutedAlertsAndAnUnknownRateRaiseNoNotice() throws {
        let s = try Self.setup()
        try Mute(until: Date().addingTimeInterval(3600), reason: "fireworks", by: "test").write(path: Mute.path(stateDirectory: s.state.path))
        let muted = try s.run.journalRun(s.fixture, config: try config(s, alertRate: "alert_rate:\n  expected_per_hour: 1"),
                                         environment: ["STATE_DIRECTORY": s.state.path])
        #expect(muted.status == 0, "stderr:\n\(muted.stderr)")
        #expect(DaemonRun.alerts(muted.entries).count == 6 && DaemonRun.alerts(muted.entries).allSatisfy { $0["EARSHOT_MUTED"] == "1" })
        #expect(muted.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.alertRate }.isEmpty)
        #expect(DaemonHookFixture.lines(s.healthOut).allSatisfy { $0.hasPrefix("muted ") }, "\(DaemonHookFixture.lines(s.healthOut))")
        #expect(metric(s, "earshot_alert_rate_excess") == "0")

        try FileManager.default.removeItem(atPath: Mute.path(stateDirectory: s.state.path))
        let unknown = try s.run.journalRun(s.fixture, config: try config(s, alertRate: ""), environment: ["STATE_DIRECTORY": s.state.path])
        #expect(unknown.status == 0, "stderr:\n\(unknown.stderr)")
        #expect(DaemonRun.alerts(unknown.entries).count == 6)
        #expect(unknown.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.alertRate }.isEmpty)
        let said = unknown.entries.compactMap { $0["MESSAGE"] }.filter { $0.contains("alert rate is not watched") }
        #expect(said.count == 1 && said[0].contains("alert_rate.expected_per_hour"), "\(said)")
        #expect(metric(s, "earshot_alert_rate_expected_per_hour") == "0")
    }
}
