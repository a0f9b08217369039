import EarshotDSP
import Foundation
import Testing

/// A USB microphone unplugged and plugged back in, through the whole earshotd and the real ALSA path: the `file`
/// plugin reads a FIFO the test feeds (`FifoCapture`) and writes what it captured to a pipe (`file "|sink.sh"`).
/// - Killing the sink makes the plugin's next write fail: `snd_pcm_readi` returns -EIO, a device lost mid-read.
/// - The FIFO renamed away makes each reopen fail with ENOENT (`snd_pcm_open`): the device is gone.
/// - Renamed back, the next retry opens it: plugged in again.
/// At 16 kHz; at 48 kHz, resampled (a new resampler, its lag measured again); two channels mixed.
@Suite(.serialized) struct DaemonDeviceLossTests {
    /// A FIFO to capture from whose every open's sink writes its pid to the file returned — the one to kill for the
    /// next loss — while the FIFO is there (not those of the opens that fail while it is renamed away).
    static func killableCapture(_ run: DaemonRun) throws -> (FifoCapture, pid: URL) {
        let pid = run.dir.appendingPathComponent("sink.pid")
        let fifoPath = run.dir.appendingPathComponent("capture.fifo").path
        let sink = try HookFixture.script(run.dir, "sink.sh", "[ -e '\(fifoPath)' ] && echo $$ > '\(pid.path)'\nexec cat > /dev/null")
        let fifo = try FifoCapture(dir: run.dir, sink: "|\(sink)")
        guard fifo.fifo.path == fifoPath else { throw DaemonTestError("the FIFO is \(fifo.fifo.path), not \(fifoPath)") }
        _ = fifo.growBuffer(to: 1 << 20)
        return (fifo, pid)
    }

    /// Plays 1 s into `fifo` (from `killableCapture`), then unplugs it: the FIFO renamed away (to the URL returned,
    /// to rename back) and its open's sink killed; 1 s more is written, which the plugin reads until its write fails.
    static func unplug(_ fifo: FifoCapture, pid: URL, run: DaemonRun) throws -> URL {
        try fifo.write(DaemonTestSignals.recording(seconds: 1, shots: []))
        #expect(waitUntil { Self.pid(in: pid) > 0 && kill(Self.pid(in: pid), 0) == 0 }, "the sink")
        let away = run.dir.appendingPathComponent("capture.fifo.unplugged")
        try FileManager.default.moveItem(at: fifo.fifo, to: away)
        #expect(kill(Self.pid(in: pid), SIGKILL) == 0, "the sink killed")
        try fifo.write(DaemonTestSignals.recording(seconds: 1, shots: [], seed: 2))
        return away
    }

    /// The pid a sink wrote to `file` (0 when none yet).
    static func pid(in file: URL) -> Int32 {
        Int32(((try? String(contentsOf: file, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    @Test(arguments: [(16_000, 1), (48_000, 1), (16_000, 2)])
    func aMicrophoneUnpluggedAndPluggedBackIsHeardAgain(rate: Int, channels: Int) throws {
        let run = try DaemonRun()
        let pid = run.dir.appendingPathComponent("sink.pid")
        // the first sink says who it is, to be killed; the ones after it (each reopen starts one) just read
        let sink = try HookFixture.script(run.dir, "sink.sh", "[ -e '\(pid.path)' ] && exec cat > /dev/null\necho $$ > '\(pid.path)'\nexec cat > /dev/null")
        let fifo = try FifoCapture(dir: run.dir, sink: "|\(sink)")
        #expect(fifo.growBuffer(to: 1 << 20) >= 256 * 1024, "room for the test's seconds of audio in the pipe")
        let health = try HealthHookLog(dir: run.dir)
        let prom = run.dir.appendingPathComponent("earshot.prom")
        let config = try run.writeConfig(sampleRate: rate, extra: "channels: \(channels)\ndevice_recover_seconds: 1\nhealth_hook:\n  path: \(health.hook)", metrics: ["path: \(prom.path)", "interval_seconds: 1"])
        let notify = try NotifySocket()
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"],
                                       environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000", "ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
        defer { try? fifo.close(); daemon.signal(SIGKILL); _ = daemon.waitExit(timeout: 5) }
        #expect(notify.wait(timeout: 15, for: DaemonNotifyTests.has("READY=1")) != nil, "READY=1; stderr:\n\(daemon.stderr)")

        // the test model's 16 kHz sound, each sample held for rate / 16 kHz frames (what the resampler keeps of it is
        // the 16 kHz sound, 0.4 dB down at 8 kHz), the same on every channel
        func audio(_ seconds: Double, shots: [Double], seed: UInt64) -> [Float] {
            DaemonTestSignals.recording(seconds: seconds, shots: shots, seed: seed).flatMap { [Float](repeating: $0, count: channels * rate / 16_000) }
        }
        func alerts() -> Int { daemon.stderr.components(separatedBy: "ALERT MESSAGE=Gunshot detected on default").count - 1 }
        func metric(_ name: String) -> String? {
            ((try? String(contentsOf: prom, encoding: .utf8)) ?? "").split(separator: "\n").first { $0.hasPrefix(name + " ") }.map { String($0.dropFirst(name.count + 1)) }
        }

        // 1. Listening: a shot is heard.
        try fifo.write(audio(4, shots: [1.5], seed: 1))
        #expect(waitUntil { alerts() == 1 }, "a shot before the loss is alerted; stderr:\n\(daemon.stderr)")

        // 2. Unplugged: the device goes (renamed away), the capture fails mid-read (the sink killed).
        let away = run.dir.appendingPathComponent("capture.fifo.unplugged")
        try FileManager.default.moveItem(at: fifo.fifo, to: away)
        let sinkPid = Self.pid(in: pid)
        #expect(sinkPid > 0 && kill(sinkPid, SIGKILL) == 0, "the sink killed")
        try fifo.write(audio(2, shots: [], seed: 2))   // read until the plugin's write fails
        #expect(waitUntil { daemon.stderr.contains("capture device lost, reopening") }, "stderr:\n\(daemon.stderr)")
        let lostSeen = Date()
        #expect(daemon.stderr.contains("Input/output error"), "the loss names alsa-lib's error: \(daemon.stderr)")
        // what was heard up to the loss is scored to its end (its last half-window mirrored), once
        #expect(waitUntil { daemon.stderr.contains("audio ended (capture device lost): its last 0.40 s scored") }, "\(daemon.stderr)")
        #expect(waitUntil { daemon.stderr.contains("capture device unavailable, retrying") }, "stderr:\n\(daemon.stderr)")
        let waiting = notify.wait(timeout: 10) { $0.contains("waiting for capture device default: snd_pcm_open on 'default' failed: No such file or directory") }
        #expect(waiting != nil, "STATUS says earshotd waits for the device; statuses: \(notify.statuses)")
        #expect(waitUntil { health.notices.count == 1 }, "the health hook hears of the loss: \(health.notices)")
        if let n = health.notices.first {
            #expect(n.contains("EARSHOT_HEALTH=device\n") && n.contains("EARSHOT_PROBLEM=1\n") && n.contains("EARSHOT_MESSAGE=capture device default unavailable")
                    && n.contains("reconnect the microphone"), "\(n)")
        }
        #expect(waitUntil { metric("earshot_device_up") == "0" && metric("earshot_device_losses_total") == "1" },
                "the metrics say so: up \(metric("earshot_device_up") ?? "nil"), losses \(metric("earshot_device_losses_total") ?? "nil")")
        let pings = notify.count("WATCHDOG=1")
        notify.wait(timeout: 1.5) { _ in false }
        #expect(notify.count("WATCHDOG=1") - pings >= 2, "the watchdog is still pinged while the device is missing (earshotd is fine; systemd restarting it would not bring the device back)")
        #expect(daemon.isRunning)

        // 3. Plugged back in: the retry opens it, and a shot is heard again — once.
        let mark = notify.messages.count
        try FileManager.default.moveItem(at: away, to: fifo.fifo)
        let pluggedIn = Date()
        #expect(waitUntil { daemon.stderr.contains("capture device available again after ") }, "stderr:\n\(daemon.stderr)")
        let backSeen = Date()
        // how long it was away, as the journal says it (from its last audio to the open)
        let said = daemon.stderr.components(separatedBy: "earshot_outage_seconds=").dropFirst().first.flatMap { Double($0.prefix { !$0.isWhitespace }) } ?? -1
        let (least, most) = (pluggedIn.timeIntervalSince(lostSeen) - 0.3, backSeen.timeIntervalSince(lostSeen) + 0.5)
        #expect(said >= least && said <= most, "outage \(said) s, between \(least) and \(most) s: \(daemon.stderr)")
        #expect(notify.wait(timeout: 10, from: mark) { $0.contains("STATUS=") && $0.contains("listening on default") } != nil, "statuses: \(notify.statuses)")
        #expect(waitUntil { health.notices.count == 2 }, "\(health.notices)")
        if health.notices.count == 2 {
            let n = health.notices[1]
            #expect(n.contains("EARSHOT_HEALTH=device\n") && n.contains("EARSHOT_PROBLEM=0\n")
                    && n.contains("EARSHOT_MESSAGE=capture device default delivers audio again after ") && n.contains(" not listening (no audio from "), "\(n)")
        }
        try fifo.write(audio(4, shots: [1.5], seed: 3))
        #expect(waitUntil { alerts() == 2 }, "a shot after the device came back is alerted; stderr:\n\(daemon.stderr)")
        #expect(waitUntil { metric("earshot_device_up") == "1" && metric("earshot_device_losses_total") == "1" },
                "up \(metric("earshot_device_up") ?? "nil"), losses \(metric("earshot_device_losses_total") ?? "nil")")
        // the time without audio, for `earshot status`: the outage the journal told, and no more since
        let down = metric("earshot_device_down_seconds_total").flatMap(Double.init) ?? -1
        #expect(abs(down - said) < 1, "earshot_device_down_seconds_total \(down), the journal said \(said) s")
        notify.wait(timeout: 2) { _ in false }
        #expect(alerts() == 2, "no other alert (windows across the gap): \(daemon.stderr)")
        #expect(daemon.stderr.components(separatedBy: "capture device lost, reopening").count - 1 == 1, "one loss")

        try fifo.close()   // EOF: the plugin's reads return, so the capture thread sees the stop request
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(daemon.stderr)")
    }

    /// A link that flaps — lost (away over a second) and back three times within `device_recover_seconds` — is one
    /// outage for the health hook: its loss told, its end once the device has held, with the number of losses; not
    /// a pair of notices per flap. The journal says every loss.
    @Test func aLinkThatFlapsIsOneOutageForTheHealthHook() throws {
        let run = try DaemonRun()
        let (fifo, pid) = try Self.killableCapture(run)
        let health = try HealthHookLog(dir: run.dir)
        let hold = 5.0
        let config = try run.writeConfig(extra: "device_recover_seconds: \(hold)\nhealth_hook:\n  path: \(health.hook)")
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"], environment: ["ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
        defer { try? fifo.close(); daemon.signal(SIGKILL); _ = daemon.waitExit(timeout: 5) }
        func count(_ s: String) -> Int { daemon.stderr.components(separatedBy: s).count - 1 }

        try fifo.write(DaemonTestSignals.recording(seconds: 1, shots: []))
        #expect(waitUntil { count("capturing") >= 1 }, "\(daemon.stderr)")
        let away = run.dir.appendingPathComponent("capture.fifo.unplugged")
        var lastBack = Date()
        var killed: Int32 = 0
        for k in 1...3 {
            // the current open's sink (it writes its pid as it starts, maybe after the open was logged)
            #expect(waitUntil { Self.pid(in: pid) > 0 && Self.pid(in: pid) != killed && kill(Self.pid(in: pid), 0) == 0 }, "open \(k)'s sink")
            try FileManager.default.moveItem(at: fifo.fifo, to: away)
            killed = Self.pid(in: pid)
            #expect(killed > 0 && kill(killed, SIGKILL) == 0, "the sink killed")
            try fifo.write(DaemonTestSignals.recording(seconds: 1, shots: [], seed: UInt64(k)))   // read until the plugin's write fails
            #expect(waitUntil { count("capture device lost, reopening") == k && count("capture device unavailable, retrying") >= k }, "loss \(k): \(daemon.stderr)")
            Thread.sleep(forTimeInterval: 1.3)   // away over a second (`DeviceNoticeHold.awaySeconds`): a loss, not a glitch
            try FileManager.default.moveItem(at: away, to: fifo.fifo)
            #expect(waitUntil { count("capture device available again after ") == k }, "back \(k): \(daemon.stderr)")
            lastBack = Date()
        }
        #expect(health.notices.count == 1, "while it flaps, the loss only: \(health.notices)")
        try fifo.write(DaemonTestSignals.recording(seconds: hold + 2, shots: [], seed: 9))
        #expect(waitUntil(timeout: hold + 15) { health.notices.count >= 2 }, "\(health.notices)\n\(daemon.stderr)")
        let held = Date().timeIntervalSince(lastBack)
        let n = health.notices
        #expect(n.count == 2, "one outage: its loss and its end: \(n)")
        if n.count == 2 {
            #expect(n[0].contains("EARSHOT_HEALTH=device\n") && n[0].contains("EARSHOT_PROBLEM=1\n"), "\(n[0])")
            #expect(n[1].contains("EARSHOT_HEALTH=device\n") && n[1].contains("EARSHOT_PROBLEM=0\n")
                    && n[1].contains("EARSHOT_MESSAGE=capture device default delivers audio again after 3 losses from ") && n[1].contains(" not listening in all; a link that keeps dropping"), "\(n[1])")
        }
        #expect(held >= hold - 0.5, "told once the device held \(hold) s: \(held) s after it came back")
        #expect(count("lost again within device_recover_seconds (5 s) of coming back") == 2, "the journal says the losses not told: \(daemon.stderr)")
        try fifo.close()
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(daemon.stderr)")
    }

    /// A link that drops for an instant — ALSA reopens it at once, ≈ 0.1 s without audio — is a glitch: one alone
    /// pages nobody (the loop paged "NOT LISTENING" for those it happened to look during), but three within five
    /// minutes are a link that keeps dropping, told once with all three; their seconds count as down time.
    @Test func glitchesThatKeepComingAreToldOnce() throws {
        let run = try DaemonRun()
        let (fifo, pid) = try Self.killableCapture(run)
        let health = try HealthHookLog(dir: run.dir)
        let prom = run.dir.appendingPathComponent("earshot.prom")
        let config = try run.writeConfig(extra: "device_recover_seconds: 2\nhealth_hook:\n  path: \(health.hook)", metrics: ["path: \(prom.path)", "interval_seconds: 1"])
        let notify = try NotifySocket()
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"], environment: ["NOTIFY_SOCKET": notify.path, "ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
        defer { try? fifo.close(); daemon.signal(SIGKILL); _ = daemon.waitExit(timeout: 5) }
        func count(_ s: String) -> Int { daemon.stderr.components(separatedBy: s).count - 1 }
        func metric(_ name: String) -> Double? {
            ((try? String(contentsOf: prom, encoding: .utf8)) ?? "").split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.dropFirst(name.count + 1)) }
        }

        try fifo.write(DaemonTestSignals.recording(seconds: 1, shots: []))
        var killed: Int32 = 0
        for k in 1...3 {
            #expect(waitUntil { Self.pid(in: pid) > 0 && Self.pid(in: pid) != killed && kill(Self.pid(in: pid), 0) == 0 }, "open \(k)'s sink")
            killed = Self.pid(in: pid)
            #expect(kill(killed, SIGKILL) == 0, "the sink killed")
            try fifo.write(DaemonTestSignals.recording(seconds: 1, shots: [], seed: UInt64(k)))   // read until the plugin's write fails
            #expect(waitUntil { count("capture device lost, reopening") == k && count("capture device available again after ") == k }, "glitch \(k): \(daemon.stderr)")
            if k < 3 {
                Thread.sleep(forTimeInterval: 1.5)   // the loop has looked, however late, and the hold (2 s) not passed
                #expect(health.notices.isEmpty, "glitch \(k) alone pages nobody: \(health.notices)")
            }
        }
        #expect(count("capture device unavailable, retrying") == 0, "each reopened at once: \(daemon.stderr)")
        #expect(waitUntil { health.notices.count >= 1 }, "\(daemon.stderr)")
        let first = health.notices.first ?? ""
        #expect(first.contains("EARSHOT_HEALTH=device\n") && first.contains("EARSHOT_PROBLEM=1\n")
                && first.contains("EARSHOT_MESSAGE=capture device default keeps dropping: 3 losses from ") && first.contains("each back within 1 s ("), "\(first)")
        #expect(count("keeps dropping: 3 losses from ") == 1, "and the journal: \(daemon.stderr)")
        #expect(notify.wait(timeout: 5) { $0.contains("STATUS=listening on default") && $0.contains(" · link keeps dropping: 3 losses since ") } != nil,
                "and STATUS= (systemctl status), while the outage lasts: \(notify.statuses)")
        // the journal's seconds without audio of each; the loop, had it looked during one, counts to when it saw it
        // back (≤ a block later)
        let said = daemon.stderr.components(separatedBy: "earshot_outage_seconds=").dropFirst().compactMap { Double($0.prefix { !$0.isWhitespace }) }.reduce(0, +)
        func down() -> Double { metric("earshot_device_down_seconds_total") ?? -1 }
        #expect(waitUntil { metric("earshot_device_outage_losses") == 3 && metric("earshot_device_outage_since_timestamp_seconds") ?? 0 > 0 },
                "the outage in the metrics, for earshot status: \(metric("earshot_device_outage_losses") ?? -1)")
        #expect(waitUntil { metric("earshot_device_losses_total") == 3 && abs(down() - said) < 0.25 },
                "the glitches' seconds are down time: \(down()) s, the journal said \(said) s; losses \(metric("earshot_device_losses_total") ?? -1)")
        try fifo.write(DaemonTestSignals.recording(seconds: 3, shots: [], seed: 9))
        Thread.sleep(forTimeInterval: 2.5)
        #expect(health.notices.count == 1, "its end waits five minutes, not device_recover_seconds: \(health.notices)")
        try fifo.close()
        daemon.signal(SIGTERM)   // a stop tells the end of an outage whose device is back
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(daemon.stderr)")
        let n = health.notices
        #expect(n.count == 2 && n.last?.contains("EARSHOT_PROBLEM=0\n") == true
                && n.last?.contains("delivers audio again after 3 losses from ") == true, "\(n)")
    }

    /// A reload takes a new `device_recover_seconds` into the outage held: the device lost (and told), back, held
    /// under 60 s — then reloaded with 1 s, its end is told within seconds, with its one loss, not after a minute.
    @Test func aReloadSetsTheHoldOfTheOutageHeld() throws {
        let run = try DaemonRun()
        let (fifo, pid) = try Self.killableCapture(run)
        let health = try HealthHookLog(dir: run.dir)
        let config = try run.writeConfig(extra: "device_recover_seconds: 60\nhealth_hook:\n  path: \(health.hook)")
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"], environment: ["ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
        defer { try? fifo.close(); daemon.signal(SIGKILL); _ = daemon.waitExit(timeout: 5) }
        func count(_ s: String) -> Int { daemon.stderr.components(separatedBy: s).count - 1 }

        let away = try Self.unplug(fifo, pid: pid, run: run)
        #expect(waitUntil { health.notices.count == 1 }, "the loss told: \(health.notices)\n\(daemon.stderr)")
        try FileManager.default.moveItem(at: away, to: fifo.fifo)
        #expect(waitUntil { count("capture device available again after ") == 1 }, "\(daemon.stderr)")
        try fifo.write(DaemonTestSignals.recording(seconds: 6, shots: [], seed: 3))
        Thread.sleep(forTimeInterval: 1.5)
        #expect(health.notices.count == 1, "held 1.5 s of 60: not over")

        try DaemonHealthHookTests.replaceConfig(config, run: run, extra: "device_recover_seconds: 1\nhealth_hook:\n  path: \(health.hook)")
        daemon.signal(SIGHUP)
        #expect(waitUntil { count("configuration reloaded") == 1 }, "\(daemon.stderr)")
        // well before the old hold's 60 s (the audio written lasts 6 s)
        #expect(waitUntil(timeout: 20) { health.notices.count == 2 }, "its end told under the new hold: \(health.notices)\n\(daemon.stderr)")
        let n = health.notices
        #expect(n.count == 2 && n.last?.contains("EARSHOT_PROBLEM=0\n") == true && n.last?.contains("delivers audio again after ") == true
                && n.last?.contains(" losses ") == false, "\(n)")
        try fifo.close()
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(daemon.stderr)")
    }

    /// A reload onto another device ends the old one's outage: its `PROBLEM=0` names the old device (a monitor
    /// keyed on the device clears it), and the new device is judged afresh — a missing one told as lost a second
    /// later, though the old one was away too; a working one told nothing more. A reload that also sets another
    /// health hook tells the end to the hook that was told of the outage.
    @Test func aReloadOntoAnotherDeviceEndsTheOldOnesOutage() throws {
        let run = try DaemonRun()
        let (fifo, pid) = try Self.killableCapture(run)
        let secondDir = run.dir.appendingPathComponent("second")
        try FileManager.default.createDirectory(at: secondDir, withIntermediateDirectories: true)
        let second = try FifoCapture(dir: secondDir)   // `device: second`, beside `default`; `third` is not defined
        defer { try? second.close() }
        _ = second.growBuffer(to: 1 << 20)
        let asound = try String(contentsOf: fifo.asound, encoding: .utf8) + "\n"
            + String(contentsOf: second.asound, encoding: .utf8).replacingOccurrences(of: "pcm.!default", with: "pcm.second")
        try asound.write(to: fifo.asound, atomically: true, encoding: .utf8)
        let health = try HealthHookLog(dir: run.dir)
        let hook = "device_recover_seconds: 1\nhealth_hook:\n  path: \(health.hook)"
        let config = try run.writeConfig(extra: hook)
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"], environment: ["ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
        defer { try? fifo.close(); daemon.signal(SIGKILL); _ = daemon.waitExit(timeout: 5) }
        func count(_ s: String) -> Int { daemon.stderr.components(separatedBy: s).count - 1 }

        _ = try Self.unplug(fifo, pid: pid, run: run)
        #expect(waitUntil { health.notices.count == 1 }, "default's loss told: \(health.notices)\n\(daemon.stderr)")

        try DaemonHealthHookTests.replaceConfig(config, run: run, device: "third", extra: hook)
        daemon.signal(SIGHUP)
        #expect(waitUntil { health.notices.count >= 3 }, "default's end, third's loss: \(health.notices)\n\(daemon.stderr)")
        var n = health.notices
        #expect(n.count == 3, "\(n)")
        if n.count >= 3 {
            #expect(n[1].contains("EARSHOT_DEVICE=default\n") && n[1].contains("EARSHOT_PROBLEM=0\n")
                    && n[1].contains("EARSHOT_MESSAGE=capture device default is no longer used: a reload set device: third, so its outage is over (lost at "), "\(n[1])")
            #expect(n[2].contains("EARSHOT_DEVICE=third\n") && n[2].contains("EARSHOT_PROBLEM=1\n")
                    && n[2].contains("EARSHOT_MESSAGE=capture device third unavailable ("), "\(n[2])")
        }

        try second.write(DaemonTestSignals.recording(seconds: 6, shots: [], seed: 3))
        let newDir = run.dir.appendingPathComponent("new-hook")
        try FileManager.default.createDirectory(at: newDir, withIntermediateDirectories: true)
        let newHealth = try HealthHookLog(dir: newDir)
        try DaemonHealthHookTests.replaceConfig(config, run: run, device: "second", extra: "device_recover_seconds: 1\nhealth_hook:\n  path: \(newHealth.hook)")
        daemon.signal(SIGHUP)
        #expect(waitUntil { count("configuration reloaded") == 2 && health.notices.count >= 4 }, "third's end: \(health.notices)\n\(daemon.stderr)")
        Thread.sleep(forTimeInterval: 2.5)   // second delivers: nothing more to tell
        #expect(newHealth.notices.isEmpty, "the new hook: nothing in force on second, and third's end went to the old one: \(newHealth.notices)")
        n = health.notices
        #expect(n.count == 4 && n.last?.contains("EARSHOT_DEVICE=third\n") == true && n.last?.contains("EARSHOT_PROBLEM=0\n") == true
                && n.last?.contains("capture device third is no longer used: a reload set device: second") == true, "\(n)")
        #expect(count("capture device second unavailable") == 0 && second.unread() < 6 * 16_000 * 2, "second is heard: \(daemon.stderr)")
        try second.close()
        try fifo.close()
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(daemon.stderr)")
        #expect(health.notices.count == 4, "nothing open for the stop to end: \(health.notices)")
    }
}
