import EarshotDSP
import Foundation
import Testing

/// The earshotd binary under a fake service manager: sd_notify READY/STATUS/WATCHDOG/STOPPING, a missing
/// device at start, and SIGHUP with a broken configuration. Capture is the ALSA `file` plugin paced at real time.
@Suite(.serialized) struct DaemonNotifyTests {
    struct Live {
        let run: DaemonRun
        let notify: NotifySocket
        let daemon: DaemonProcess
        let config: URL

        /// Starts earshotd on a paced (real-time) recording with shots at `shots`.
        init(seconds: Double = 30, shots: [Double] = [], device: String = "default", watchdogUsec: Int = 400_000, extra: String = "",
             clips: [String] = ["enabled: false"], scores: [String] = ["enabled: false"], metrics: [String] = ["enabled: false"], cooldown: Double = 1) throws {
            run = try DaemonRun()
            notify = try NotifySocket()
            config = try run.writeConfig(device: device, extra: extra, clips: clips, metrics: metrics, scores: scores, cooldown: cooldown)
            let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: seconds, shots: shots), rate: 16_000, dir: run.dir)
            let asound = try fx.writeConfigFile(in: run.dir)
            daemon = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--pace", "1"],
                                       environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": String(watchdogUsec), "ALSA_CONFIG_PATH": asound.path],
                                       dir: run.dir)
        }

        func stop() -> Int32? {
            daemon.signal(SIGTERM)
            return daemon.waitExit(timeout: 10)
        }
    }

    static func has(_ key: String) -> (String) -> Bool { { $0.split(separator: "\n").contains(Substring(key)) } }

    @Test func readyStatusWatchdogAndStopping() throws {
        let live = try Live(shots: [1.5])
        let ready = live.notify.wait(timeout: 15, for: Self.has("READY=1"))
        #expect(ready != nil, "READY=1 within 15 s; stderr:\n\(live.daemon.stderr)")
        #expect(ready?.contains("STATUS=listening on default (16000 Hz)") == true, "READY carries the status: \(ready ?? "nil")")
        // The watchdog is pinged from the detection loop: WATCHDOG_USEC = 0.4 s → several pings per second.
        let before = live.notify.count("WATCHDOG=1")
        live.notify.wait(timeout: 1.5) { _ in false }
        #expect(live.notify.count("WATCHDOG=1") - before >= 3, "WATCHDOG=1 pings in 1.5 s: \(live.notify.count("WATCHDOG=1") - before)")
        // The planted shot at 1.5 s shows up in STATUS.
        let s = live.notify.wait(timeout: 10) { $0.contains("STATUS=") && $0.contains("1 event today") }
        #expect(s != nil, "STATUS counts the event; statuses: \(live.notify.statuses)")
        #expect(live.daemon.stderr.contains("ALERT MESSAGE=Gunshot detected on default"), "without a journal the alert goes to stderr")
        let code = live.stop()
        #expect(live.notify.wait(timeout: 5, for: Self.has("STOPPING=1")) != nil, "STOPPING=1 on SIGTERM")
        #expect(code == 0, "graceful exit status \(String(describing: code)); stderr:\n\(live.daemon.stderr)")
    }

    /// A shooting going on leads STATUS= (`systemctl status earshot`), with its count — the shot the cooldown
    /// held back too — until `incident_gap` passes without a gunshot event.
    @Test func anIncidentLeadsTheStatusWhileItLasts() throws {
        let prom = TestPaths.tempDir("notify-incident").appendingPathComponent("earshot.prom")
        let live = try Live(seconds: 14, shots: [1.5, 3.5], extra: "incident_gap: 4", metrics: ["path: \(prom.path)", "interval_seconds: 1"], cooldown: 4)
        #expect(live.notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "stderr:\n\(live.daemon.stderr)")
        let two = live.notify.wait(timeout: 10) { $0.contains("STATUS=INCIDENT since ") && $0.contains(" UTC: 2 gunshot events · listening on default") }
        #expect(two != nil, "the held-back shot counts in STATUS; statuses: \(live.notify.statuses)")
        // and in the metrics' gauge (written once a second here), until the incident is over
        func gauge(_ v: Int) -> Bool {
            let end = Date().addingTimeInterval(6)
            repeat {
                if ((try? String(contentsOf: prom, encoding: .utf8)) ?? "").contains("\nearshot_incident_events \(v)\n") { return true }
                usleep(100_000)
            } while Date() < end
            return false
        }
        #expect(gauge(2), "\((try? String(contentsOf: prom, encoding: .utf8)) ?? "no metrics file")")
        // ≈ 4.5 s (the second shot's event end) + 4 s: over, and the status says so no more
        let over = live.notify.wait(timeout: 10) { $0.contains("STATUS=listening on default") && $0.contains("1 event today") }
        #expect(over != nil, "statuses: \(live.notify.statuses)")
        #expect(live.daemon.stderr.contains("INCIDENT MESSAGE=Gunshot incident over on default: 2 gunshot events"), "\(live.daemon.stderr)")
        #expect(gauge(0), "\((try? String(contentsOf: prom, encoding: .utf8)) ?? "no metrics file")")
        #expect(live.stop() == 0)
    }

    /// A site recording is announced in STATUS= (everything the microphone hears is being kept), and a reload
    /// that turns it off ends the file and the announcement while detection goes on.
    @Test func siteRecordingIsInStatusUntilReloadedOff() throws {
        let dir = TestPaths.tempDir("notify-rec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let live = try Live(extra: "recording:\n  enabled: true\n  directory: \(dir.path)")
        let ready = live.notify.wait(timeout: 15, for: Self.has("READY=1"))
        #expect(ready?.contains("· recording site audio") == true, "READY's status says the site is being recorded: \(ready ?? "nil")")
        live.notify.wait(timeout: 1.5) { _ in false }
        _ = try live.run.writeConfig(extra: "recording:\n  enabled: false\n  directory: \(dir.path)")   // the same file
        let mark = live.notify.messages.count
        live.daemon.signal(SIGHUP)
        let reloaded = live.notify.wait(timeout: 10, from: mark) { $0.contains("READY=1") }
        #expect(reloaded?.contains("STATUS=listening on default") == true && reloaded?.contains("recording site audio") == false, "after the reload: \(reloaded ?? "nil")")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("site-") }
        #expect(files.count == 1, "the recording so far was written and closed: \(files)")
        let seconds = try files.first.map { Double(try AudioFile.read(dir.appendingPathComponent($0)).samples.count) / 16_000 } ?? 0
        #expect(seconds >= 1 && seconds <= 20, "\(seconds) s recorded before the reload (paced at real time)")
        #expect(live.stop() == 0)
    }

    /// A device that stops delivering without an error: the ALSA `file` plugin reading a FIFO whose writer
    /// goes quiet blocks inside `snd_pcm_readi`, as a hung driver does. After `stall_seconds` the daemon says
    /// so (stderr/journal and STATUS=) and stops pinging the watchdog, so systemd would restart it; when
    /// audio flows again the pings and the status come back. The health hook hears of both.
    @Test func stalledDeviceStopsTheWatchdogUntilAudioFlowsAgain() throws {
        let run = try DaemonRun()
        let fifo = try FifoCapture(dir: run.dir)
        let second = DaemonTestSignals.recording(seconds: 1, shots: [])   // 32 KB: fits the pipe's 64 KB buffer
        try fifo.write(second)
        let health = try HealthHookLog(dir: run.dir)
        let config = try run.writeConfig(extra: "stall_seconds: 1.5\ndevice_recover_seconds: 0.5\nhealth_hook:\n  path: \(health.hook)")
        let notify = try NotifySocket()
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"],
                                       environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000", "ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
        #expect(notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "READY=1; stderr:\n\(daemon.stderr)")
        let stalled = notify.wait(timeout: 10) { $0.contains("STATUS=NOT LISTENING: no audio from default") }
        #expect(stalled != nil, "STATUS says the capture stalled; statuses: \(notify.statuses)")
        #expect(daemon.stderr.contains("capture stalled: default is open but has delivered no audio for 1.5 s") && daemon.stderr.contains("watchdog is no longer pinged"), "\(daemon.stderr)")
        let pings = notify.count("WATCHDOG=1")
        notify.wait(timeout: 2) { _ in false }
        #expect(notify.count("WATCHDOG=1") == pings, "no WATCHDOG=1 while stalled: \(notify.count("WATCHDOG=1") - pings) in 2 s")

        let mark = notify.messages.count   // what comes once the audio is back
        try fifo.write(second)
        let back = notify.wait(timeout: 10, from: mark) { $0.contains("STATUS=listening on default") }
        #expect(back != nil && notify.wait(timeout: 10, from: mark, for: Self.has("WATCHDOG=1")) != nil, "audio again: status and pings come back; statuses: \(notify.statuses)")
        #expect(daemon.stderr.contains("capture resumed: audio from default again"), "\(daemon.stderr)")
        _ = waitUntil(timeout: 10) { health.notices.count >= 2 }   // whole notices only (`HealthHookLog`)
        let n = health.notices
        #expect(n.count == 2, "one notice when the capture stalled, one when audio came back: \(n)")
        if n.count == 2 {
            #expect(n[0].contains("EARSHOT_HEALTH=device\n") && n[0].contains("EARSHOT_PROBLEM=1\n") && n[0].contains("EARSHOT_MESSAGE=capture stalled: default")
                    && n[0].contains("EARSHOT_DEVICE=default\n") && n[0].contains("\"problem\":true"), "\(n[0])")
            #expect(n[1].contains("EARSHOT_HEALTH=device\n") && n[1].contains("EARSHOT_PROBLEM=0\n") && n[1].contains("\"problem\":false"), "\(n[1])")
            // how long it was not listening: from its last audio, at least stall_seconds before the stall was told
            let said = n[1].components(separatedBy: "delivers audio again after ").dropFirst().first.flatMap { Double($0.prefix { $0 != " " }) } ?? -1
            #expect(said >= 1.5 && n[1].contains(" s not listening (no audio from "), "\(n[1])")
        }
        try fifo.close()   // EOF: the plugin's reads return, so the capture thread sees the stop request
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(daemon.stderr)")
    }

    @Test func missingDeviceKeepsRetryingAndIsReady() throws {
        let dir = TestPaths.tempDir("notify-health")
        defer { try? FileManager.default.removeItem(at: dir) }
        let health = dir.appendingPathComponent("health.txt")
        let hook = try HookFixture.script(dir, "health.sh", "env | grep '^EARSHOT_' | sort >> '\(health.path)'")
        let live = try Live(device: "hw:0", extra: "health_hook:\n  path: \(hook)")
        let ready = live.notify.wait(timeout: 15, for: Self.has("READY=1"))
        #expect(ready?.contains("STATUS=waiting for capture device hw:0") == true, "READY with STATUS saying so: \(ready ?? "nil")")
        live.notify.wait(timeout: 3) { _ in false }
        #expect(live.daemon.isRunning, "a missing device never makes earshotd exit")
        #expect(live.notify.count("WATCHDOG=1") >= 3, "the detection loop keeps pinging the watchdog while the device is missing")
        let err = live.daemon.stderr
        #expect(err.contains("run `earshot devices` and set `device:` in the config"), "the error names the fix:\n\(err)")
        #expect(err.components(separatedBy: "capture device unavailable").count - 1 == 1, "logged once, not per retry:\n\(err)")
        let told = (try? String(contentsOf: health, encoding: .utf8)) ?? ""
        #expect(told.components(separatedBy: "EARSHOT_PROBLEM=1\n").count - 1 == 1 && told.contains("EARSHOT_HEALTH=device\n")
                && told.contains("EARSHOT_MESSAGE=capture device hw:0 unavailable"), "the health hook ran once: \(told)")
        #expect(live.daemon.stderr.contains("health_hook for health: device problem exited with status 0"), "its run is logged as the health hook's: \(live.daemon.stderr)")
        #expect(live.stop() == 0)
        let all = (try? String(contentsOf: health, encoding: .utf8)) ?? ""
        #expect(all.components(separatedBy: "EARSHOT_PROBLEM=0\n").count - 1 == 1
                && all.contains("EARSHOT_MESSAGE=earshotd is stopping: capture device hw:0 unavailable — withdrawn, not known to be over"),
                "the stop withdraws it, not left open for good: \(all)")
    }

    /// A reload that lowers `sample_rate:` below the model's warns as a start with it does (the device is reopened
    /// at the new rate; the journal is where an operator who edited the file and sent SIGHUP looks).
    @Test func sighupToALowSampleRateIsWarnedAbout() throws {
        let live = try Live(seconds: 20)
        #expect(live.notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "stderr:\n\(live.daemon.stderr)")
        let warning = "sample_rate: 8000 is below the model's 16000 Hz"
        _ = try live.run.writeConfig(sampleRate: 8_000)   // the same file
        let before = live.notify.count("READY=1")
        live.daemon.signal(SIGHUP)
        #expect(live.notify.wait(timeout: 10) { $0.contains("READY=1") && live.notify.count("READY=1") > before } != nil, "READY=1 after the reload")
        live.notify.wait(timeout: 2) { _ in live.daemon.stderr.contains("configuration reloaded") }
        let err = live.daemon.stderr
        // once: the reload's (the start at 16 kHz has none)
        #expect(err.contains("configuration reloaded") && err.components(separatedBy: warning).count == 2, "the reload warns, once:\n\(err)")
        #expect(live.stop() == 0)
    }

    @Test func sighupWithBrokenConfigKeepsTheRunningOne() throws {
        let live = try Live(shots: [6.0])
        #expect(live.notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "stderr:\n\(live.daemon.stderr)")
        try "threshold: 7\n".write(to: live.config, atomically: true, encoding: .utf8)
        let mark = live.notify.messages.count   // what comes after the signal
        live.daemon.signal(SIGHUP)
        #expect(live.notify.wait(timeout: 5, from: mark, for: Self.has("RELOADING=1")) != nil, "RELOADING=1 on SIGHUP")
        let again = live.notify.wait(timeout: 5, from: mark, for: Self.has("READY=1"))
        #expect(again != nil, "READY=1 again after the rejected reload")
        // `systemctl reload` succeeds whatever earshotd makes of it: the unit's status line says it was rejected
        // (operator QA 3), until a reload is accepted
        #expect(again?.contains(" · RELOAD REJECTED at ") == true && again?.contains(" UTC: running the earlier config (the journal says why)") == true, "\(again ?? "none")")
        #expect(live.daemon.isRunning)
        let err = live.daemon.stderr
        #expect(err.contains("reload rejected"), "the rejection is logged:\n\(err)")
        #expect(err.contains("'threshold'") && err.contains(":1"), "the error names the key and line:\n\(err)")
        // The old configuration (and model) still detects: the shot planted at 6 s raises an alert.
        // (Keep reading the notify socket while waiting, as systemd does: sd_notify blocks on a full socket queue.)
        live.notify.wait(timeout: 12) { _ in live.daemon.stderr.contains("ALERT MESSAGE=") }
        #expect(live.daemon.stderr.contains("ALERT MESSAGE=Gunshot detected on default"), "old config keeps detecting:\n\(live.daemon.stderr)")
        // A valid new config IS applied (so the rejection above was not a no-op reload).
        try run(live, reloadTo: try live.run.writeConfig(device: "hw:0", name: "valid.yaml"))
        #expect(live.stop() == 0)
    }

    /// A reload after the model file changed replaces the detector in mid-stream. Its events stay on the stream's
    /// time base: an alert after the reload carries the shot's offset into the stream, and its evidence clip holds
    /// the shot after the pre-roll (the clip is placed by that time: measured from the reload, it lay seconds
    /// before the shot).
    @Test func aNewDetectorKeepsAlertTimesAndClipsOnTheStream() throws {
        let dir = TestPaths.tempDir("notify-clips")
        defer { try? FileManager.default.removeItem(at: dir) }
        let live = try Live(seconds: 10, shots: [6.0], clips: ["enabled: true", "directory: \(dir.path)", "pre_roll: 2", "post_roll: 2"])
        #expect(live.notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "READY=1; stderr:\n\(live.daemon.stderr)")
        live.notify.wait(timeout: 3) { _ in false }   // 3 s of the stream, then the reload
        let before = live.notify.count("READY=1")
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: live.run.model.path)   // a new version
        live.daemon.signal(SIGHUP)
        #expect(live.notify.wait(timeout: 10) { _ in live.notify.count("READY=1") > before } != nil, "READY=1 after the reload")
        let written = live.notify.wait(timeout: 15) { _ in live.daemon.stderr.contains("evidence clip written") }
        #expect(live.stop() == 0)
        let err = live.daemon.stderr
        try #require(written != nil && err.contains("configuration reloaded"), "a reload, then a clip; stderr:\n\(err)")
        #expect(err.contains("detector=new"), "the changed model file made a new detector:\n\(err)")
        // it starts warm from the audio heard (a window's worth less the block to come), on capture's block grid
        #expect(err.contains("scoring from the next block on") && err.contains("windows end with capture blocks block=1600 warmed=14112"), "\(err)")
        let alert = try #require(err.split(separator: "\n").first { $0.contains("ALERT MESSAGE=Gunshot detected") }, "an alert:\n\(err)")
        let offset = alert.range(of: #"EARSHOT_OFFSET=[0-9.]+"#, options: .regularExpression).flatMap { Double(alert[$0].dropFirst(15)) }
        #expect(offset.map { abs($0 - 6.0) < 0.5 } == true, "EARSHOT_OFFSET is seconds into the stream, the shot's 6 s: \(alert)")
        let clip = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix(".wav") }, "a clip in \(dir.path)")
        let x = try AudioFile.read(dir.appendingPathComponent(clip)).samples
        let loudest = x.indices.max { abs(x[$0]) < abs(x[$1]) }.map { Double($0) / 16_000 } ?? -1
        #expect(loudest > 1.5 && loudest < 2.6, "the shot \(loudest) s into the \(Double(x.count) / 16_000) s clip, after the 2 s pre-roll")
    }

    /// A reload that leaves the model file and the hop alone keeps the running detector (no warm-up window, no run
    /// in progress lost); a new threshold in it applies from the next window: the shot after the reload, which
    /// the test model scores 0.97, no longer alerts at a threshold of 0.99.
    @Test func aReloadKeepsTheDetectorAndAppliesANewThreshold() throws {
        let live = try Live(seconds: 8, shots: [1.5, 6.0])
        #expect(live.notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "READY=1; stderr:\n\(live.daemon.stderr)")
        #expect(live.notify.wait(timeout: 10) { _ in live.daemon.stderr.contains("ALERT MESSAGE=") } != nil, "the first shot alerts")
        live.notify.wait(timeout: 1) { _ in false }
        try FileManager.default.removeItem(at: live.config)
        try FileManager.default.copyItem(at: try live.run.writeConfig(extra: "threshold: 0.99", name: "stricter.yaml"), to: live.config)
        let before = live.notify.count("READY=1")
        live.daemon.signal(SIGHUP)
        #expect(live.notify.wait(timeout: 10) { _ in live.notify.count("READY=1") > before } != nil, "READY=1 after the reload")
        live.notify.wait(timeout: 6) { _ in false }   // past the second shot
        #expect(live.stop() == 0)
        let err = live.daemon.stderr
        #expect(err.contains("configuration reloaded") && err.contains("detector=kept") && err.contains("threshold=0.99"), "kept, with the new threshold:\n\(err)")
        #expect(err.components(separatedBy: "ALERT MESSAGE=").count - 1 == 1, "only the shot before the reload alerted:\n\(err)")
    }

    /// A reload applies `priority:` (the next alert's journal PRIORITY), `log_level:` (a notice is no longer
    /// logged at "warning") and `retry_min:` (capture re-made with it: the file plugin plays its file again, a third
    /// alert), and says that `metrics:` waits for a restart instead of ignoring it silently.
    @Test func aReloadAppliesPriorityAndLogLevelAndSaysWhatWaitsForARestart() throws {
        let live = try Live(seconds: 8, shots: [1.5, 6.0])
        #expect(live.notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "READY=1; stderr:\n\(live.daemon.stderr)")
        #expect(live.notify.wait(timeout: 10) { _ in live.daemon.stderr.contains("ALERT MESSAGE=") } != nil, "the first shot alerts")
        live.notify.wait(timeout: 1) { _ in false }
        let prom = live.run.dir.appendingPathComponent("earshot.prom")
        try FileManager.default.removeItem(at: live.config)
        try FileManager.default.copyItem(at: try live.run.writeConfig(extra: "priority: 1\nlog_level: warning", metrics: ["enabled: true", "path: \(prom.path)"], retryMin: 0.3,
                                                                       name: "loud.yaml"), to: live.config)
        let before = live.notify.count("READY=1")
        live.daemon.signal(SIGHUP)
        #expect(live.notify.wait(timeout: 10) { _ in live.notify.count("READY=1") > before } != nil, "READY=1 after the reload")
        live.notify.wait(timeout: 8) { _ in live.daemon.stderr.components(separatedBy: "ALERT MESSAGE=").count > 3 }
        #expect(live.stop() == 0)
        let err = live.daemon.stderr
        let priorities = err.split(separator: "\n").filter { $0.contains("ALERT MESSAGE=") }.map { $0.contains(" PRIORITY=1 ") ? 1 : $0.contains(" PRIORITY=2 ") ? 2 : 0 }
        #expect(priorities == [2, 1, 1], "the capture re-made for retry_min replays the file; the alerts after the reload at the new priority:\n\(err)")
        #expect(!err.contains("configuration reloaded") && !err.contains("event ended"), "notices and info no longer logged at log_level: warning:\n\(err)")
        #expect(err.contains("metrics: changes take effect when earshotd restarts"), "the metrics change is said to wait for a restart:\n\(err)")
    }

    /// A reload that changes `hook:` while an alert's hook still runs lets that hook finish, and a stop soon after
    /// waits for it (under systemd, what is left of the service is killed once earshotd exits: the page would be cut
    /// off). The slow hook writes its event id 3 s after it starts; the reload and the stop come within about 1 s.
    @Test func aHookStartedBeforeAReloadFinishesBeforeTheStop() throws {
        let dir = TestPaths.tempDir("notify-hooks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("paged.txt")
        let slow = try HookFixture.script(dir, "slow.sh", "sleep 3\necho \"$EARSHOT_EVENT_ID\" >> '\(out.path)'")
        let fast = try HookFixture.script(dir, "fast.sh", "true")
        let live = try Live(seconds: 8, shots: [1.5], extra: "hook:\n  path: \(slow)\n  retries: 0")
        #expect(live.notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "READY=1; stderr:\n\(live.daemon.stderr)")
        #expect(live.notify.wait(timeout: 10) { _ in live.daemon.stderr.contains("ALERT MESSAGE=") } != nil, "the shot alerts")
        try FileManager.default.removeItem(at: live.config)
        try FileManager.default.copyItem(at: try live.run.writeConfig(extra: "hook:\n  path: \(fast)\n  retries: 0", name: "fast.yaml"), to: live.config)
        let before = live.notify.count("READY=1")
        live.daemon.signal(SIGHUP)
        #expect(live.notify.wait(timeout: 10) { _ in live.notify.count("READY=1") > before } != nil, "READY=1 after the reload")
        #expect(live.stop() == 0)
        let paged = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n")
        let id = live.daemon.stderr.range(of: #"EARSHOT_EVENT_ID=\S+"#, options: .regularExpression).map { String(live.daemon.stderr[$0].dropFirst(17)) }
        #expect(id != nil && paged == [Substring(id ?? "")], "the hook begun before the reload paged before earshotd exited: \(paged); stderr:\n\(live.daemon.stderr)")
    }

    /// A reload that changes `clips:` while an evidence clip waits for its post-roll: the clip is still written
    /// whole (the replaced recorder is fed until then), not cut at the reload.
    @Test func aReloadThatChangesClipsLetsTheClipInItsPostRollFinish() throws {
        let dir = TestPaths.tempDir("notify-clips")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clips = ["enabled: true", "directory: \(dir.path)", "pre_roll: 1", "post_roll: 4"]
        let live = try Live(seconds: 12, shots: [2.0], clips: clips)
        #expect(live.notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "READY=1; stderr:\n\(live.daemon.stderr)")
        #expect(live.notify.wait(timeout: 10) { _ in live.daemon.stderr.contains("ALERT MESSAGE=") } != nil, "the shot alerts")
        try FileManager.default.removeItem(at: live.config)
        let changed = try live.run.writeConfig(clips: ["enabled: true", "directory: \(dir.path)", "pre_roll: 1", "post_roll: 2"], name: "changed.yaml")
        try FileManager.default.copyItem(at: changed, to: live.config)
        live.daemon.signal(SIGHUP)
        #expect(live.notify.wait(timeout: 10) { _ in live.daemon.stderr.contains("configuration reloaded") } != nil, "reloaded")
        func clipFiles() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".wav") } }
        live.notify.wait(timeout: 10) { _ in !clipFiles().isEmpty }
        #expect(live.stop() == 0)
        let files = clipFiles()
        try #require(files.count == 1, "one clip: \(files); stderr:\n\(live.daemon.stderr)")
        let clip = try AudioFile.read(dir.appendingPathComponent(files[0]))
        // 1 s of pre-roll (up to one 0.1 s hop more: the clip starts on the detector's window grid) + the 4 s of
        // post-roll it began with (the reload cut it to 1.2 s before the hand-over)
        let seconds = Double(clip.samples.count) / 16_000
        #expect(seconds > 4.99 && seconds < 5.11, "clip of \(seconds) s")
    }

    /// A reload to a model at another sample rate re-opens capture resampling to it (the file plugin then plays its
    /// file from the start again), and the stream's time base goes over to the new rate: the replayed shots, heard
    /// by the 8 kHz model, are 4.5 s apart as in the file (9 s if 16 kHz samples were taken for 8 kHz ones) and
    /// start the replay where the reload was (twice as late if the samples before it were counted at 8 kHz).
    @Test func aReloadToAModelAtAnotherRateResamplesToIt() throws {
        let live = try Live(seconds: 8, shots: [1.5, 6.0])
        let model8k = try EnergyModel.write(to: live.run.dir.appendingPathComponent("energy-8k.safetensors"), features: EnergyModel.features8k)
        #expect(live.notify.wait(timeout: 15, for: Self.has("READY=1")) != nil, "READY=1; stderr:\n\(live.daemon.stderr)")
        let ready = Date()   // the paced stream starts with READY
        func alerts() -> [String] { live.daemon.stderr.split(separator: "\n").map(String.init).filter { $0.contains("ALERT MESSAGE=") } }
        #expect(live.notify.wait(timeout: 10) { _ in alerts().count == 1 } != nil, "the first shot alerts")
        live.notify.wait(timeout: 1) { _ in false }
        try FileManager.default.removeItem(at: live.config)
        var at8k = live.run
        at8k.model = model8k
        try FileManager.default.copyItem(at: try at8k.writeConfig(name: "8k.yaml"), to: live.config)
        let before = live.notify.count("READY=1")
        let reloadAt = Date().timeIntervalSince(ready)
        live.daemon.signal(SIGHUP)
        #expect(live.notify.wait(timeout: 10) { _ in live.notify.count("READY=1") > before } != nil, "READY=1 after the reload")
        live.notify.wait(timeout: 12) { _ in alerts().count >= 3 }
        #expect(live.stop() == 0)
        let err = live.daemon.stderr
        #expect(err.contains("configuration reloaded") && err.contains("detector=new") && err.contains("resampling to 8000 Hz"), "capture resamples to the new model's rate:\n\(err)")
        // each detector's windows end with capture's blocks: 100 ms = 1,600 samples at start (the first window's
        // 15,712 samples end 288 short of a block), 800 at 8 kHz after the reload
        #expect(err.contains("windows end with capture blocks block=1600 skipped=288") && err.contains("windows end with capture blocks block=800"), "\(err)")
        let offsets = alerts().compactMap { line in
            line.range(of: #"EARSHOT_OFFSET=[0-9.]+"#, options: .regularExpression).flatMap { Double(line[$0].dropFirst(15)) }
        }
        try #require(offsets.count == 3, "the shot before the reload, then both again from the re-opened file: \(offsets)\n\(err)")
        #expect(abs(offsets[0] - 1.5) < 0.5 && abs(offsets[2] - offsets[1] - 4.5) < 0.3, "\(offsets)")
        #expect(abs(offsets[1] - 1.5 - reloadAt) < 0.6, "the replay starts at the reload, \(reloadAt) s into the stream: \(offsets)")
    }

    private func run(_ live: Live, reloadTo valid: URL) throws {
        try FileManager.default.removeItem(at: live.config)
        try FileManager.default.copyItem(at: valid, to: live.config)
        live.daemon.signal(SIGHUP)
        let s = live.notify.wait(timeout: 8) { $0.contains("STATUS=") && $0.contains("waiting for capture device hw:0") }   // after an INCIDENT prefix, if one is open
        #expect(s != nil, "the valid reload switched the device; statuses: \(live.notify.statuses.suffix(5))")
        #expect(s?.contains("RELOAD REJECTED") == false, "an accepted reload clears an earlier rejection: \(s ?? "none")")
    }
}
