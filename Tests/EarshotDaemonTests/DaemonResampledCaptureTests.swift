import EarshotDetect
import EarshotDSP
import Foundation
import Testing

/// earshotd on a device that runs at 48 kHz, as most USB microphones do (a `plug` over the file plugin; libsoxr
/// in the capture thread brings it to the model's 16 kHz): its windows end where the capture's blocks end, so each
/// is scored as soon as its block is recorded.
@Suite struct DaemonResampledCaptureTests {
    /// The detector lined its windows up with the ring's end before the first block had arrived. Resampled, the
    /// blocks end a steady lag short of the 100 ms marks (244 samples at 48 kHz), so every window ended that much
    /// after a block and waited for the next: 100 ms on every alert (bench-daemon.py at 48 kHz: median 367 ms,
    /// against 266 ms at 16 kHz). Paced at 10× as a sound card delivers, the loop waits before the first block.
    @Test func windowsEndWhereTheResampledBlocksEnd() throws {
        let run = try DaemonRun()
        let x = (0..<(2 * 48_000)).map { Float(0.05 * sin(2 * Double.pi * 440 * Double($0) / 48_000)) }
        let fx = try AlsaFileFixture(x, rate: 48_000, dir: run.dir)
        let asound = run.dir.appendingPathComponent("asound-plug.conf")
        try fx.plugConfigText().write(to: asound, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(args: ["--config", try run.writeConfig().path, "--max-frames", String(fx.frames), "--pace", "10", "--exit-at-end"],
                                       environment: ["ALSA_CONFIG_PATH": asound.path], dir: run.dir)
        #expect(daemon.waitExit(timeout: 60) == 0, "stderr:\n\(daemon.stderr)")
        let err = daemon.stderr
        func number(after key: String) -> Int? {
            err.components(separatedBy: key).dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        }
        let lag = try #require(number(after: "lag_samples="), "the capture resamples:\n\(err)")
        let skipped = try #require(number(after: "windows end with capture blocks block=1600 skipped="), "\(err)")
        // the test model's first window is 15,712 samples (95 hops of 160 + a 512-point frame); blocks end at k·1600 − lag
        #expect((15_712 + skipped + lag) % 1_600 == 0, "the first window ends \((15_712 + skipped + lag) % 1_600) samples after a block end (lag \(lag), skipped \(skipped))")
    }

    /// A reload onto another 48 kHz device keeps the detector (same model and rule) and starts a new capture thread,
    /// whose first block is the lag short: its blocks end 244 samples before the kept windows did, and each window
    /// waited 85 ms for its block from then on (as after a device lost and reopened: the same lining up, by the
    /// capture's open number). Now the kept detector is lined up with the new blocks, no window less than a hop
    /// after the last. The score log gives every window's end on the stream; the site recording's first file ends
    /// where the new device's audio begins.
    @Test func aKeptDetectorIsLinedUpWithANewDevicesBlocks() throws {
        let run = try DaemonRun()
        let notify = try NotifySocket()
        let (rec, scores) = (run.dir.appendingPathComponent("recordings"), run.dir.appendingPathComponent("scores"))
        // each device plays this long at real time (the reload comes 2 s after READY: the rest is margin for a busy machine)
        let seconds = 8
        var pcms: [String] = []
        for (name, hz) in [("!default", 440.0), ("second", 660.0)] {
            let dir = run.dir.appendingPathComponent(hz == 440 ? "a" : "b")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let fx = try AlsaFileFixture((0..<(seconds * 48_000)).map { Float(0.05 * sin(2 * Double.pi * hz * Double($0) / 48_000)) }, rate: 48_000, dir: dir)
            pcms.append(fx.plugConfigText(name: name))
        }
        let asound = run.dir.appendingPathComponent("asound-two.conf")
        try pcms.joined(separator: "\n").write(to: asound, atomically: true, encoding: .utf8)
        func config(_ device: String) throws -> URL {
            try run.writeConfig(device: device, extra: "recording:\n  enabled: true\n  directory: \(rec.path)", scores: ["directory: \(scores.path)"])
        }
        let daemon = try DaemonProcess(args: ["--config", try config("default").path, "--max-frames", String(seconds * 48_000), "--pace", "1", "--exit-at-end"],
                                       environment: ["ALSA_CONFIG_PATH": asound.path, "NOTIFY_SOCKET": notify.path], dir: run.dir)
        #expect(notify.wait(timeout: 20, for: DaemonNotifyTests.has("READY=1")) != nil, "stderr:\n\(daemon.stderr)")
        notify.wait(timeout: 2) { _ in false }
        _ = try config("second")
        daemon.signal(SIGHUP)
        #expect(daemon.waitExit(timeout: 60) == 0, "stderr:\n\(daemon.stderr)")
        let err = daemon.stderr
        #expect(err.contains("detector=kept") && err.contains("device=second"), "the reload kept the detector on the new device:\n\(err)")
        let lag = try #require(err.components(separatedBy: "lag_samples=").dropFirst().last.flatMap { Int($0.prefix { $0.isNumber }) }, "\(err)")
        // the stream position where the second device's audio begins: the end of the first recording file
        let files = try FileManager.default.contentsOfDirectory(atPath: rec.path).filter { $0.hasSuffix(".wav") }.sorted()
        try #require(files.count == 2, "the recording splits at the new device: \(files) \(files.map { (try? AudioFile.read(rec.appendingPathComponent($0)).samples.count) ?? -1 })\n\(err)")
        let switchAt = try AudioFile.read(rec.appendingPathComponent(files[0])).samples.count
        let log = ScoreLog.load([scores.path])
        let ends = log.entries.flatMap { e in (0..<e.file.count).map { Int((e.file.window($0).end * 16_000).rounded()) } }.sorted()
        let (old, new) = (ends.filter { $0 <= switchAt }, ends.filter { $0 > switchAt })
        try #require(old.count >= 5 && new.count >= 30, "windows before and after the switch at \(switchAt): \(old.count), \(new.count)")
        // the second device's blocks end at k·1600 − lag after the switch
        let offGrid = new.filter { ($0 - switchAt + lag) % 1_600 != 0 }
        #expect(offGrid.isEmpty, "\(offGrid.count) of \(new.count) windows end off the new device's blocks, by \(offGrid.first.map { (($0 - switchAt + lag) % 1_600 + 1_600) % 1_600 } ?? 0) samples (switch at \(switchAt), lag \(lag))")
        #expect(new[0] - old.last! >= 1_600, "no window less than a hop after the last: \(old.last!) then \(new[0])")
    }
}
