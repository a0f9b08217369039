@testable import EarshotDaemon
import Foundation
import Testing

/// `health_hook:` through the whole daemon for the microphone's liveness (the device's own notices are in
/// DaemonNotifyTests: a missing device, a stalled capture).
@Suite(.serialized) struct DaemonHealthHookTests {
    /// 3 s of sound, 4 s of digital silence, 3 s of sound through the ALSA file plugin, and its ALSA config file.
    static func soundSilenceSound(_ run: DaemonRun) throws -> (AlsaFileFixture, URL) {
        var x = DaemonTestSignals.recording(seconds: 10, shots: [])
        for i in (3 * 16_000)..<(7 * 16_000) { x[i] = 0 }
        let fx = try AlsaFileFixture(x, rate: 16_000, dir: run.dir)
        return (fx, try fx.writeConfigFile(in: run.dir))
    }

    /// earshotd over `frames` of the device `asound` defines, with `health_hook:` and `extra` config lines: the
    /// EARSHOT_ environment of each notice, in order, and the daemon's stderr. `metrics`: the section's lines.
    static func healthNotices(_ run: DaemonRun, asound: URL, frames: Int, extra: String, metrics: [String] = ["enabled: false"]) throws -> ([String], String) {
        let out = run.dir.appendingPathComponent("health.txt")
        let hook = try HookFixture.script(run.dir, "health.sh", "{ env | grep '^EARSHOT_' | sort; echo --; } >> '\(out.path)'")
        let config = try run.writeConfig(extra: extra + "\nhealth_hook:\n  path: \(hook)", metrics: metrics)
        let daemon = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(frames), "--exit-at-end"],
                                       environment: ["ALSA_CONFIG_PATH": asound.path], dir: run.dir)
        #expect(daemon.waitExit(timeout: 60) == 0, "stderr:\n\(daemon.stderr)")
        return (((try? String(contentsOf: out, encoding: .utf8)) ?? "").components(separatedBy: "--\n").filter { !$0.isEmpty }, daemon.stderr)
    }

    /// Writes `run`'s config with `device` and `extra` lines over `config` at once (a rename: a reload never reads half a file).
    static func replaceConfig(_ config: URL, run: DaemonRun, device: String = "default", extra: String) throws {
        let u = try run.writeConfig(device: device, extra: extra, name: config.deletingPathExtension().lastPathComponent + "-next.yaml")
        guard rename(u.path, config.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Waits up to 30 s, while `d` runs, for `text` in its stderr.
    static func wait(_ d: DaemonProcess, for text: String) -> Bool {
        let end = Date().addingTimeInterval(30)
        while Date() < end && d.isRunning && !d.stderr.contains(text) { Thread.sleep(forTimeInterval: 0.02) }
        return d.stderr.contains(text)
    }

    /// 3 s of sound, 4 s of digital silence, 3 s of sound through the ALSA file plugin: the health hook runs
    /// once when the silence has lasted `silence_seconds`, and once when sound is back.
    @Test func silentMicrophoneAndItsRecoveryRunTheHealthHook() throws {
        let run = try DaemonRun()
        let (fx, asound) = try Self.soundSilenceSound(run)
        let (notices, _) = try Self.healthNotices(run, asound: asound, frames: fx.frames,
                                                  extra: "location: Loading dock\nliveness:\n  silence_seconds: 1\n  recover_seconds: 0.5")
        #expect(notices.count == 2, "one notice for the silence, one for its end: \(notices)")
        if notices.count == 2 {
            #expect(notices[0].contains("EARSHOT_HEALTH=silence\n") && notices[0].contains("EARSHOT_PROBLEM=1\n")
                    && notices[0].contains("EARSHOT_MESSAGE=Microphone input is digital silence"), "\(notices[0])")
            #expect(notices[0].contains("EARSHOT_LOCATION=Loading dock\n") && notices[0].contains("EARSHOT_TEST=0\n"), "\(notices[0])")
            #expect(notices[1].contains("EARSHOT_HEALTH=silence\n") && notices[1].contains("EARSHOT_PROBLEM=0\n"), "\(notices[1])")
        }
    }

    /// 3 s of sound, 4 s of an unplugged analogue microphone's hiss (±2 LSB, never digital silence), 3 s of sound
    /// through the ALSA file plugin: the health hook runs once when the hiss has lasted `quiet_seconds`
    /// (EARSHOT_HEALTH=quiet), and once when sound is back; the metrics file counts the warning. The same with
    /// the hiss around a converter's DC offset of 50 LSB (−56 dBFS, above `quiet_dbfs`), and on two channels
    /// mixed with offsets of +50 and −40 LSB (whose mix, offsets and all, looks like channels that cancel).
    @Test(arguments: [[0], [50], [50, -40]])
    func anUnpluggedMicrophonesHissRunsTheHealthHook(offsets: [Int]) throws {
        let run = try DaemonRun()
        let room = DaemonTestSignals.recording(seconds: 10, shots: [])
        var state: UInt64 = 1
        var x = [Float](repeating: 0, count: room.count * offsets.count)
        for i in room.indices {
            for (c, offset) in offsets.enumerated() {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let hiss = i >= 3 * 16_000 && i < 7 * 16_000
                x[i * offsets.count + c] = hiss ? Float(offset + Int(state >> 33) % 5 - 2) / 32768 : room[i]
            }
        }
        let fx = try AlsaFileFixture(x, rate: 16_000, channels: offsets.count, dir: run.dir)
        let prom = run.dir.appendingPathComponent("earshot.prom")
        let (notices, stderr) = try Self.healthNotices(run, asound: try fx.writeConfigFile(in: run.dir), frames: fx.frames,
                                                       extra: "channels: \(offsets.count)\nliveness:\n  quiet_seconds: 1\n  recover_seconds: 0.5\n  cancel_seconds: 1",
                                                       metrics: ["path: \(prom.path)"])
        #expect(notices.count == 2, "\(offsets): one notice for the hiss, one for its end: \(notices)\nstderr:\n\(stderr.suffix(2000))")
        if notices.count == 2 {
            #expect(notices[0].contains("EARSHOT_HEALTH=quiet\n") && notices[0].contains("EARSHOT_PROBLEM=1\n")
                    && notices[0].contains("EARSHOT_MESSAGE=Microphone input is near silence"), "\(notices[0])")
            #expect(notices[1].contains("EARSHOT_HEALTH=quiet\n") && notices[1].contains("EARSHOT_PROBLEM=0\n")
                    && notices[1].contains("recovered from near silence"), "\(notices[1])")
        }
        let metrics = (try? String(contentsOf: prom, encoding: .utf8)) ?? ""
        #expect(metrics.contains("earshot_liveness_warnings_total{condition=\"quiet\"} 1"), "\(metrics)")
    }

    /// A stereo device whose second channel is the first phase-inverted, mixed (`channel: mix`, the default), 4 s
    /// through the ALSA file plugin: the health hook is told the channels cancel (EARSHOT_HEALTH=cancel), and not
    /// that the microphone is silent — its channels are not, only their mix. The same device with the second
    /// channel in phase tells nothing; nor do two unrelated channels with DC offsets of +300 and −300 LSB (their
    /// offsets cancel in the mix, their sound does not: the ratio is taken without the offsets).
    @Test func aPhaseInvertedChannelInTheMixRunsTheHealthHook() throws {
        let room = DaemonTestSignals.recording(seconds: 4, shots: [1.5, 3])
        let other = DaemonTestSignals.recording(seconds: 4, shots: [2], seed: 7)
        let dc: Float = 300 / 32768
        var offsets = [Float]()
        for (a, b) in zip(room, other) { offsets += [a + dc, b - dc] }
        for (sign, want) in [(Float(-1), ["cancel", "cancel"]), (1, []), (0, [])] {   // in force at the end: withdrawn by the stop
            let run = try DaemonRun()
            let fx = try AlsaFileFixture(sign == 0 ? offsets : room.flatMap { [$0, sign * $0] }, rate: 16_000, channels: 2, dir: run.dir)
            let (notices, stderr) = try Self.healthNotices(run, asound: try fx.writeConfigFile(in: run.dir), frames: fx.frames,
                                                           extra: "channels: 2\nliveness:\n  cancel_seconds: 1\n  silence_seconds: 1")
            let got = notices.compactMap { $0.split(separator: "\n").first { $0.hasPrefix("EARSHOT_HEALTH=") }?.dropFirst(15) }.map(String.init)
            #expect(got == want, "sign \(sign): \(notices)\nstderr:\n\(stderr.suffix(2000))")
            if sign < 0 {
                #expect(notices.first?.contains("EARSHOT_MESSAGE=The channels mixed cancel each other") == true && notices.first?.contains("EARSHOT_PROBLEM=1\n") == true, "\(notices)")
                #expect(notices.last?.contains("EARSHOT_MESSAGE=earshotd is stopping: microphone input: channels cancelling for ") == true && notices.last?.contains("EARSHOT_PROBLEM=0\n") == true, "\(notices)")
            }
        }
    }

    /// `heartbeat:` every second at real-time pace over 3 s of sound, 4 s of digital silence, 3 s of sound: it
    /// beats while the detector hears and stops while the microphone is silent, so an outside monitor sees the gap.
    @Test func heartbeatBeatsOnlyWhileHearing() throws {
        let run = try DaemonRun()
        let (fx, asound) = try Self.soundSilenceSound(run)
        let out = run.dir.appendingPathComponent("beats.txt")
        let hook = try HookFixture.script(run.dir, "beat.sh", "echo \"$(date +%s.%N) $EARSHOT_HEALTH $EARSHOT_PROBLEM\" >> '\(out.path)'")
        let config = try run.writeConfig(extra: "liveness:\n  silence_seconds: 1\n  recover_seconds: 0.5\nheartbeat:\n  path: \(hook)\n  interval: 1")
        let daemon = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--pace", "1", "--exit-at-end"],
                                       environment: ["ALSA_CONFIG_PATH": asound.path], dir: run.dir)
        #expect(daemon.waitExit(timeout: 60) == 0, "stderr:\n\(daemon.stderr)")
        let beats = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").map { $0.split(separator: " ") }
        #expect(beats.allSatisfy { $0.count == 3 && $0[1] == "heartbeat" && $0[2] == "0" }, "\(beats)")
        let t = beats.compactMap { Double($0[0]) }
        let gaps = zip(t.dropFirst(), t).map { $0 - $1 }
        // Silence from 3 s, reported at 4 s, over at ≈ 7.5 s: one gap of ≥ 2.5 s, beats before and after it.
        let long = gaps.firstIndex { $0 >= 2.5 }
        #expect(t.count >= 5 && long != nil && gaps.filter { $0 >= 2.5 }.count == 1, "beat times \(t), gaps \(gaps)")
        if let k = long { #expect(k >= 1 && k <= t.count - 3, "beats before and after the silence: gap \(k) of \(gaps)") }
        #expect(gaps.allSatisfy { $0 >= 0.9 }, "at most one beat per interval: \(gaps)")
    }

    /// A health hook set by a reload hears of what is wrong already, one `PROBLEM=1` each: here a microphone
    /// unplugged and paging muted, both from before (it used to hear nothing until the device came back, and then
    /// only its end). Then the device's end, as usual. A reload that only retunes the same hook tells nothing again.
    @Test func aHealthHookSetByAReloadHearsWhatIsWrong() throws {
        let run = try DaemonRun()
        let state = run.dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try Mute(until: Date().addingTimeInterval(3600), reason: "fireworks show", by: "alice").write(path: Mute.path(stateDirectory: state.path))
        let (fifo, pid) = try DaemonDeviceLossTests.killableCapture(run)
        let health = try HealthHookLog(dir: run.dir)
        let config = try run.writeConfig(extra: "device_recover_seconds: 1")
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"],
                                       environment: ["ALSA_CONFIG_PATH": fifo.asound.path, "STATE_DIRECTORY": state.path], dir: run.dir)
        defer { try? fifo.close(); daemon.signal(SIGKILL); _ = daemon.waitExit(timeout: 5) }
        func count(_ s: String) -> Int { daemon.stderr.components(separatedBy: s).count - 1 }

        let away = try DaemonDeviceLossTests.unplug(fifo, pid: pid, run: run)
        #expect(waitUntil { count("capture device unavailable, retrying") == 1 }, "\(daemon.stderr)")
        Thread.sleep(forTimeInterval: 1.5)   // away over a second: the loss is due (told to no hook)

        try Self.replaceConfig(config, run: run, extra: "device_recover_seconds: 1\nhealth_hook:\n  path: \(health.hook)")
        daemon.signal(SIGHUP)
        #expect(waitUntil { health.notices.count >= 2 }, "\(health.notices)\n\(daemon.stderr)")
        var n = health.notices
        let note = " (in force when a reload set this health_hook)\n"
        #expect(n.count == 2 && n.allSatisfy { $0.contains("EARSHOT_PROBLEM=1\n") && $0.contains(note) }, "\(n)")
        #expect(n.contains { $0.contains("EARSHOT_HEALTH=device\n") && $0.contains("EARSHOT_MESSAGE=capture device default unavailable (") && $0.contains("NOT LISTENING") },
                "the device: \(n)")
        #expect(n.contains { $0.contains("EARSHOT_HEALTH=muted\n") && $0.contains("EARSHOT_MESSAGE=Paging muted ") && $0.contains("fireworks show") }, "the mute: \(n)")
        #expect(count("health_hook_told=device,muted") == 1, "the journal says so: \(daemon.stderr)")

        try FileManager.default.moveItem(at: away, to: fifo.fifo)   // plugged back in
        try fifo.write(DaemonTestSignals.recording(seconds: 5, shots: [], seed: 3))
        #expect(waitUntil { health.notices.count >= 3 }, "the device's end: \(health.notices)\n\(daemon.stderr)")
        n = health.notices
        #expect(n.count == 3 && n.last?.contains("EARSHOT_HEALTH=device\n") == true && n.last?.contains("EARSHOT_PROBLEM=0\n") == true, "\(n)")

        try Self.replaceConfig(config, run: run, extra: "device_recover_seconds: 1\nhealth_hook:\n  path: \(health.hook)\n  timeout: 20")
        daemon.signal(SIGHUP)
        #expect(waitUntil { count("configuration reloaded") == 2 }, "\(daemon.stderr)")
        Thread.sleep(forTimeInterval: 1)
        #expect(health.notices.count == 3, "the same hook, retuned, was told already: \(health.notices)")
        try fifo.close()
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(daemon.stderr)")
    }

    /// A reload that turns liveness off while silence is warned about withdraws the warning: the health hook hears
    /// `PROBLEM=0` "no longer watching" (it was left with "silence" for good), and the metrics (`earshot status`)
    /// no longer show it active.
    @Test func turningLivenessOffWithdrawsAWarningInForce() throws {
        let run = try DaemonRun()
        let fifo = try FifoCapture(dir: run.dir)
        _ = fifo.growBuffer(to: 1 << 20)
        let health = try HealthHookLog(dir: run.dir)
        let prom = run.dir.appendingPathComponent("earshot.prom")
        let metrics = ["path: \(prom.path)", "interval_seconds: 1"]
        let hook = "health_hook:\n  path: \(health.hook)"
        let config = try run.writeConfig(extra: "liveness:\n  silence_seconds: 1\n" + hook, metrics: metrics)
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"], environment: ["ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
        defer { try? fifo.close(); daemon.signal(SIGKILL); _ = daemon.waitExit(timeout: 5) }
        func silenceActive() -> String? {
            ((try? String(contentsOf: prom, encoding: .utf8)) ?? "").split(separator: "\n").first { $0.hasPrefix("earshot_liveness_active{condition=\"silence\"} ") }.map { String($0.suffix(1)) }
        }

        try fifo.write([Float](repeating: 0, count: 16_000 * 8))
        #expect(waitUntil { health.notices.count == 1 && silenceActive() == "1" }, "silence told: \(health.notices)\n\(daemon.stderr)")
        try DaemonHealthHookTests.replaceConfig(config, run: run, extra: "liveness:\n  enabled: false\n" + hook)
        daemon.signal(SIGHUP)
        #expect(waitUntil { health.notices.count == 2 && silenceActive() == "0" }, "withdrawn: \(health.notices)\n\(daemon.stderr)")
        let n = health.notices
        #expect(n.last?.contains("EARSHOT_HEALTH=silence\n") == true && n.last?.contains("EARSHOT_PROBLEM=0\n") == true
                && n.last?.contains("EARSHOT_MESSAGE=No longer watching the microphone input for digital silence (a reload set liveness: enabled: false)") == true, "\(n)")
        try fifo.close()
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(daemon.stderr)")
        #expect(health.notices.count == 2, "\(health.notices)")
    }

    /// A stop withdraws the problems in force, one `PROBLEM=0` each: no earshotd watches them any more, and after a
    /// restart nobody would tell their end (here digital silence and paging muted; the device's is in
    /// DaemonNotifyTests.missingDeviceKeepsRetryingAndIsReady).
    @Test func aStopWithdrawsTheProblemsInForce() throws {
        let run = try DaemonRun()
        let state = run.dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try Mute(until: Date().addingTimeInterval(3600), reason: "fireworks show", by: "alice").write(path: Mute.path(stateDirectory: state.path))
        let fifo = try FifoCapture(dir: run.dir)
        _ = fifo.growBuffer(to: 1 << 20)
        let health = try HealthHookLog(dir: run.dir)
        let config = try run.writeConfig(extra: "liveness:\n  silence_seconds: 1\nhealth_hook:\n  path: \(health.hook)")
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"],
                                       environment: ["ALSA_CONFIG_PATH": fifo.asound.path, "STATE_DIRECTORY": state.path], dir: run.dir)
        defer { try? fifo.close(); daemon.signal(SIGKILL); _ = daemon.waitExit(timeout: 5) }

        try fifo.write([Float](repeating: 0, count: 16_000 * 8))
        #expect(waitUntil { health.notices.count == 2 }, "muted, then silence: \(health.notices)\n\(daemon.stderr)")
        let ledger = state.appendingPathComponent(HealthLedger.fileName)
        let told = (try? String(contentsOf: ledger, encoding: .utf8)) ?? ""
        #expect(told.contains("\"condition\":\"muted\"") && told.contains("\"condition\":\"silence\""), "the ledger, for a start after a kill: \(told)")
        try fifo.close()
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(daemon.stderr)")
        let n = health.notices
        #expect(n.count == 4, "\(n)")
        let ends = n.dropFirst(2)
        #expect(ends.allSatisfy { $0.contains("EARSHOT_PROBLEM=0\n") && $0.contains("— withdrawn, not known to be over; earshotd tells it again after it starts if it goes on\n") },
                "\(ends)")
        #expect(ends.contains { $0.contains("EARSHOT_HEALTH=silence\n") && $0.contains("EARSHOT_MESSAGE=earshotd is stopping: microphone input: digital silence for ") }, "\(ends)")
        #expect(ends.contains { $0.contains("EARSHOT_HEALTH=muted\n") && $0.contains("EARSHOT_MESSAGE=earshotd is stopping: paging muted until ") }, "\(ends)")
        #expect(daemon.stderr.contains("health_hook: 2 problem(s) in force withdrawn as earshotd stops (silence, muted)"), "\(daemon.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ledger.path), "all withdrawn: nothing left for the next start")
    }

    /// An earshotd killed (or crashed, or restarted by systemd's watchdog after a stall) cannot withdraw what it
    /// told: the next one, started on the same state directory, does, from the ledger — here digital silence, over
    /// by then. Nothing else is told, and nothing is left.
    @Test func aKilledEarshotdsProblemsAreWithdrawnAtTheNextStart() throws {
        let run = try DaemonRun()
        let state = run.dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let fifo = try FifoCapture(dir: run.dir)
        defer { try? fifo.close() }
        _ = fifo.growBuffer(to: 1 << 20)
        let health = try HealthHookLog(dir: run.dir)
        let config = try run.writeConfig(extra: "liveness:\n  silence_seconds: 1\nhealth_hook:\n  path: \(health.hook)")
        func start() throws -> DaemonProcess {
            try DaemonProcess(args: ["--config", config.path, "--pace", "1"], environment: ["ALSA_CONFIG_PATH": fifo.asound.path, "STATE_DIRECTORY": state.path], dir: run.dir)
        }

        let first = try start()
        defer { first.signal(SIGKILL); _ = first.waitExit(timeout: 5) }
        try fifo.write([Float](repeating: 0, count: 16_000 * 2))
        #expect(waitUntil { health.notices.count == 1 && fifo.unread() == 0 }, "silence told: \(health.notices)\n\(first.stderr)")
        first.signal(SIGKILL)
        _ = first.waitExit(timeout: 5)

        try fifo.write(DaemonTestSignals.recording(seconds: 4, shots: []))
        let second = try start()
        defer { second.signal(SIGKILL); _ = second.waitExit(timeout: 5) }
        #expect(waitUntil { health.notices.count == 2 }, "\(health.notices)\n\(second.stderr)")
        let n = health.notices
        #expect(n.last?.contains("EARSHOT_HEALTH=silence\n") == true && n.last?.contains("EARSHOT_PROBLEM=0\n") == true
                && n.last?.contains("EARSHOT_MESSAGE=earshotd started again after it ended without a stop (killed, crashed, or restarted by systemd's watchdog): the silence problem told at ") == true,
                "\(n)")
        #expect(second.stderr.contains("health_hook: 1 problem(s) told before earshotd last ended without a stop withdrawn (silence)"), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent(HealthLedger.fileName).path), "taken")
        Thread.sleep(forTimeInterval: 1.5)
        try fifo.close()
        second.signal(SIGTERM)
        #expect(second.waitExit(timeout: 10) == 0, "stderr:\n\(second.stderr)")
        #expect(health.notices.count == 2, "sound: nothing else told, at the stop neither: \(health.notices)")
    }

    /// `heartbeat:` every second over 5 s of white noise clipped on ≈ 5 % of its samples: the health hook is told the
    /// microphone clips (after 1 s), and the beats go on — the detector hears, weakened, and the box is not dead, so
    /// the dead man's switch stays quiet; a beat's message names the warning.
    @Test func heartbeatBeatsOnThroughClipping() throws {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(CaptureThreadTests.clippedNoise(5 * 16_000, sigma: 1 / 1.96), rate: 16_000, dir: run.dir)
        let out = run.dir.appendingPathComponent("beats.txt")
        let hook = try HookFixture.script(run.dir, "beat.sh", "echo \"$(date +%s.%N) $EARSHOT_HEALTH $EARSHOT_MESSAGE\" >> '\(out.path)'")
        let health = try HealthHookLog(dir: run.dir)
        let config = try run.writeConfig(extra: "liveness:\n  clip_seconds: 1\nhealth_hook:\n  path: \(health.hook)\nheartbeat:\n  path: \(hook)\n  interval: 1")
        let daemon = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--pace", "1", "--exit-at-end"],
                                       environment: ["ALSA_CONFIG_PATH": try fx.writeConfigFile(in: run.dir).path], dir: run.dir)
        #expect(daemon.waitExit(timeout: 60) == 0, "stderr:\n\(daemon.stderr)")
        #expect(health.notices.contains { $0.contains("EARSHOT_HEALTH=clipping\n") && $0.contains("EARSHOT_PROBLEM=1\n") }, "\(health.notices)")
        let beats = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n")
        let t = beats.compactMap { Double($0.prefix { $0 != " " }) }
        let gaps = zip(t.dropFirst(), t).map { $0 - $1 }
        #expect(t.count >= 4 && gaps.allSatisfy { $0 < 2.5 }, "a beat a second (one dropped while the last still ran leaves 2 s), clipping or not: times \(t), gaps \(gaps)")
        #expect(beats.contains { $0.contains(" heartbeat ") && $0.contains("microphone: clipping") }, "a beat while clipping says so: \(beats)")
    }

    /// The whole daemon on a `plug` device whose hardware runs at 48 kHz, 3 s of white noise clipped on ≈ 5 % of its
    /// samples: the health hook is told the microphone clips. The monitor once counted after libsoxr, where the
    /// same noise is clipped on ≈ 0.04 % of the samples, far below `clip_fraction`, and said nothing.
    @Test func aMicrophoneClippingAt48kHzRunsTheHealthHook() throws {
        let run = try DaemonRun()
        let x = CaptureThreadTests.clippedNoise(3 * 48_000, sigma: 1 / 1.96)
        let fx = try AlsaFileFixture(x, rate: 48_000, dir: run.dir)
        let asound = run.dir.appendingPathComponent("asound-plug.conf")
        try fx.plugConfigText().write(to: asound, atomically: true, encoding: .utf8)
        let (notices, stderr) = try Self.healthNotices(run, asound: asound, frames: fx.frames, extra: "liveness:\n  clip_seconds: 1")
        #expect(notices.count == 2 && notices.first.map { $0.contains("EARSHOT_HEALTH=clipping\n") && $0.contains("EARSHOT_PROBLEM=1\n") } == true
                && notices.last.map { $0.contains("EARSHOT_HEALTH=clipping\n") && $0.contains("EARSHOT_PROBLEM=0\n") } == true,
                "one notice of clipping, withdrawn at the end (`withdrawnAtStop`): \(notices)\nstderr:\n\(stderr.suffix(2000))")
    }

    /// `liveness.clip_level` reaches the capture thread, which counts the clipped samples: a microphone whose analogue
    /// stage clips at 0.6 of full scale (a sine flattened there, 16 kHz, 3 s) is clipping at `clip_level: 0.59`, and
    /// not at the default 0.999.
    @Test func theConfiguredClipLevelIsWhereTheCaptureCounts() throws {
        let x = (0..<48_000).map { Float(max(-0.6, min(0.6, 0.9 * sin(2 * Double.pi * 440 * Double($0) / 16_000)))) }
        for (level, want) in [("0.59", 2), ("0.999", 0)] {   // clipping, and its withdrawal at the end
            let run = try DaemonRun()
            let fx = try AlsaFileFixture(x, rate: 16_000, dir: run.dir)
            let (notices, stderr) = try Self.healthNotices(run, asound: try fx.writeConfigFile(in: run.dir), frames: fx.frames,
                                                           extra: "liveness:\n  clip_seconds: 1\n  clip_level: \(level)")
            #expect(notices.count == want && notices.allSatisfy { $0.contains("EARSHOT_HEALTH=clipping\n") },
                    "clip_level \(level): \(notices)\nstderr:\n\(stderr.suffix(2000))")
        }
    }

    /// A reload that changes `liveness.clip_level` reaches the running capture thread: 60 s of a sine flattened at
    /// 0.6, paced at 10×, is not clipping at the default level; after SIGHUP with `clip_level: 0.59` it is (one
    /// notice). Without the reload's hand-over the thread kept counting at 0.999 and no notice came.
    @Test func aReloadedClipLevelReachesTheCaptureThread() throws {
        let run = try DaemonRun()
        let x = (0..<(60 * 16_000)).map { Float(max(-0.6, min(0.6, 0.9 * sin(2 * Double.pi * 440 * Double($0) / 16_000)))) }
        let fx = try AlsaFileFixture(x, rate: 16_000, dir: run.dir)
        let out = run.dir.appendingPathComponent("health.txt")
        let hook = try HookFixture.script(run.dir, "health.sh", "echo \"$EARSHOT_HEALTH $EARSHOT_PROBLEM\" >> '\(out.path)'")
        let config = run.dir.appendingPathComponent("reload.yaml")
        func write(_ extra: String) throws {
            try Self.replaceConfig(config, run: run, extra: "health_hook:\n  path: \(hook)\nliveness:\n  clip_seconds: 1\n\(extra)")
        }
        try write("")
        let d = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--pace", "10", "--exit-at-end"],
                                  environment: ["ALSA_CONFIG_PATH": try fx.writeConfigFile(in: run.dir).path], dir: run.dir)
        func waitFor(_ text: String) -> Bool { Self.wait(d, for: text) }
        #expect(waitFor("earshotd ready"), "stderr:\n\(d.stderr)")
        Thread.sleep(forTimeInterval: 0.5)   // 5 s of audio at the default level
        try write("  clip_level: 0.59")
        d.signal(SIGHUP)
        #expect(waitFor("configuration reloaded"), "stderr:\n\(d.stderr)")
        #expect(d.waitExit(timeout: 60) == 0, "stderr:\n\(d.stderr)")
        let notices = DaemonHookFixture.lines(out)
        #expect(notices == ["clipping 1", "clipping 0"], "clipping, withdrawn at the end: \(notices)\nstderr:\n\(d.stderr.suffix(2000))")
    }

    /// A health_hook: or incident_hook: run several at once (a config from before in-order delivery, which an upgrade
    /// keeps) is warned about at start and at the reload that sets it: its notices or steps can arrive out of order.
    @Test func aSectionInOrderRunSeveralAtOnceIsWarnedAboutAtStartAndReload() throws {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 40, shots: []), rate: 16_000, dir: run.dir)
        let config = run.dir.appendingPathComponent("order.yaml")
        try Self.replaceConfig(config, run: run, extra: "health_hook:\n  path: /bin/true\n  max_concurrent: 4")
        let d = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--pace", "10", "--exit-at-end"],
                                  environment: ["ALSA_CONFIG_PATH": try fx.writeConfigFile(in: run.dir).path], dir: run.dir)
        func waitFor(_ text: String) -> Bool { Self.wait(d, for: text) }
        #expect(waitFor("earshotd ready"), "stderr:\n\(d.stderr)")
        #expect(d.stderr.contains("health_hook.max_concurrent: 4 runs several at once, so a receiver can get them out of order"), "at start:\n\(d.stderr)")
        try Self.replaceConfig(config, run: run, extra: "health_hook:\n  path: /bin/true\nincident_hook:\n  path: /bin/true\n  max_concurrent: 2")
        d.signal(SIGHUP)
        #expect(waitFor("configuration reloaded"), "stderr:\n\(d.stderr)")
        #expect(d.waitExit(timeout: 60) == 0, "stderr:\n\(d.stderr)")
        let err = d.stderr
        #expect(err.contains("incident_hook.max_concurrent: 2 runs several at once") && err.components(separatedBy: "health_hook.max_concurrent").count == 2,
                "the reload warns of the incident_hook, not again of the health_hook (one at a time now):\n\(err)")
    }
}
