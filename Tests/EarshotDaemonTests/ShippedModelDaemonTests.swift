import EarshotDaemon
import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing

/// The trained, shipped model in the daemon: real gunshot clips from the corpus planted in a quiet bed. The daemon
/// (ALSA → ring → Detector → journal) must report exactly the events the same Detector finds on the same samples
/// in one piece (`FileAnalyzer`, the `earshot detect` path), at least one planted clip must alert, and nothing
/// may alert outside the clips. Skipped (with the reason) while models/earshot-default.safetensors is not there.
@Suite(.serialized) struct ShippedModelDaemonTests {
    static let model = TestPaths.repo.appendingPathComponent("models/\(DefaultModel.fileName)")
    static let present = FileManager.default.isReadableFile(atPath: model.path)
    static let clips = ["us8k_gun_shot", "kaggle_gunshot", "gabemagee_guns"]

    @Test(.enabled(if: present, "models/earshot-default.safetensors is not shipped yet (the trainer adds it)"))
    func shippedModelAlertsOnRealGunshotsInThePrivateJournal() throws {
        let manifest = try String(contentsOf: TestPaths.corpus.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        let files = Self.clips.compactMap { src in
            manifest.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }.first { $0.count > 2 && $0[2] == src }?[0]
        }
        try #require(files.count == Self.clips.count, "corpus clips for \(Self.clips)")
        var bed = DaemonTestSignals.recording(seconds: 24, shots: [])
        var planted: [(Double, Double)] = []
        for (i, f) in files.enumerated() {
            let x = try AudioFile.read(TestPaths.corpus.appendingPathComponent(f), sampleRate: 16_000).samples.prefix(4 * 16_000)
            let t = 2.0 + Double(i) * 7
            for (k, v) in x.enumerated() { bed[Int(t * 16_000) + k] += v }
            planted.append((t, t + Double(x.count) / 16_000))
        }
        var run = try DaemonRun()
        run.model = Self.model
        let fx = try AlsaFileFixture(bed, rate: 16_000, dir: run.dir)
        let r = try run.journalRun(fx, config: try run.writeConfig())
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let offsets = DaemonRun.alerts(r.entries).compactMap { $0["EARSHOT_OFFSET"].flatMap(Double.init) }.sorted()
        let hits = planted.filter { p in offsets.contains { $0 >= p.0 - 0.2 && $0 <= p.1 } }
        let stray = offsets.filter { o in !planted.contains { o >= $0.0 - 0.2 && o <= $0.1 } }
        #expect(hits.count >= 1, "alerts at \(offsets) for clips planted at \(planted)")
        #expect(stray.isEmpty, "alerts outside the planted clips: \(stray)")
        // Stream path == file path on the same samples and rule.
        let config = try DaemonConfig.load(path: run.dir.appendingPathComponent("earshot.yaml").path)
        let model = try Model.load(Self.model)
        let file = FileAnalyzer.analyze(samples: bed, detector: try Detector(model: model, rule: config.rule(model.threshold)))
        let expected = file.events.map(\.start).sorted()
        #expect(offsets.count == expected.count, "daemon \(offsets) vs file path \(expected)")
        for (a, b) in zip(offsets, expected) { #expect(abs(a - b) <= 0.1, "daemon \(a) s vs file path \(b) s") }
        // the start says what the threshold costs in shots (the file's test shots at the rule in force)
        let ready = r.entries.first { $0["MESSAGE"] == "earshotd ready" }
        let summary = try #require(ShotScores.summary(model: model, rule: config.rule(model.threshold)))
        #expect(ready?["TEST_SHOTS"] == summary && summary.hasPrefix("finds 71.5 % (176 of 246)"), "\(String(describing: ready))")
    }

    /// Corpus shots the shipped model finds only once they sit in a window's middle, whatever the stream's phase
    /// against the window grid: with the audio ending 0.1 s after each one's peak, each was alerted by the end's
    /// scoring, and by no window before it, at all 16 lengths of the quiet before (100-sample steps; release
    /// build; 4 of 80 corpus clips). The AK-12 clip an earlier version used alerted at 8 of the 16, which the
    /// suite's load chose between (`CaptureThread.lastBlockEnd`).
    static let lateShots = ["gunshot/kaggle_MP5__kaggle_MP5_8-87.flac", "gunshot/belize_katsis_gun__gunshot_96.flac",
                            "gunshot/kaggle_MP5__kaggle_MP5_8-45.flac"]

    /// 2 s of the quiet bed, then `file` up to 0.1 s after its loudest sample: the audio ends right after a shot.
    static func endingOnAShot(_ file: String) throws -> [Float] {
        let x = try AudioFile.read(TestPaths.corpus.appendingPathComponent(file), sampleRate: 16_000).samples
        let peak = x.indices.max { abs(x[$0]) < abs(x[$1]) } ?? 0
        return DaemonTestSignals.recording(seconds: 2, shots: []) + x.prefix(peak + 1_600)
    }

    /// earshotd stops (here at the recording's end) right after a shot: the shot is alerted, as `earshot detect`
    /// alerts one at a file's end. Without the end scored, none of the three alerted; with it, each does.
    @Test(.enabled(if: present, "models/earshot-default.safetensors is not shipped yet (the trainer adds it)"))
    func aShotAsTheAudioEndsIsAlerted() throws {
        var alerted: [String] = []
        for file in Self.lateShots {
            var run = try DaemonRun()
            run.model = Self.model
            let audio = try Self.endingOnAShot(file)
            let fx = try AlsaFileFixture(audio, rate: 16_000, dir: run.dir)
            let r = try run.journalRun(fx, config: try run.writeConfig())
            #expect(r.status == 0, "stderr:\n\(r.stderr)")
            let offsets = DaemonRun.alerts(r.entries).compactMap { $0["EARSHOT_OFFSET"].flatMap(Double.init) }
            let end = Double(audio.count) / 16_000
            #expect(offsets.count <= 1 && offsets.allSatisfy { $0 > 1.9 && $0 <= end }, "at most one alert, in the clip (2 s – \(end) s): \(offsets)")
            let scored = r.entries.filter { ($0["MESSAGE"] ?? "").hasPrefix("audio ended (earshotd stopping): its last 0.40 s scored with its end mirrored") }
            #expect(scored.count == 1, "\(file): \(r.entries.compactMap { $0["MESSAGE"] }.suffix(8))")
            let grid = r.entries.first { ($0["MESSAGE"] ?? "").hasPrefix("windows end with capture blocks") }?["SKIPPED"] ?? "?"
            if offsets.count == 1 { alerted.append(file) } else {
                print("\(file): no alert; windows lined up skipping \(grid) samples; the end scored: \(scored.first.map { "windows \($0["WINDOWS"] ?? "?"), events \($0["EVENTS"] ?? "?")" } ?? "no")")
            }
        }
        #expect(alerted == Self.lateShots, "shots ending the audio alerted: \(alerted)")
    }

    /// The device hangs right after a shot (a driver or USB link that stops delivering, as after a blast): the
    /// shot is alerted when the stall is found, before systemd's watchdog restarts earshotd and the audio is gone.
    /// When audio comes again, the windows that still hold the shot do not page it a second time.
    @Test(.enabled(if: present, "models/earshot-default.safetensors is not shipped yet (the trainer adds it)"))
    func aShotAsTheDeviceStallsIsAlerted() throws {
        var run = try DaemonRun()
        run.model = Self.model
        let fifo = try FifoCapture(dir: run.dir)
        _ = fifo.growBuffer(to: 1 << 20)
        let config = try run.writeConfig(extra: "stall_seconds: 1")
        let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"], environment: ["ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
        defer { try? fifo.close(); daemon.signal(SIGKILL); _ = daemon.waitExit(timeout: 5) }
        try fifo.write(try Self.endingOnAShot(Self.lateShots[0]))
        let deadline = Date().addingTimeInterval(20)
        while !daemon.stderr.contains("ALERT MESSAGE=Gunshot detected") && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        let err = daemon.stderr
        #expect(err.contains("ALERT MESSAGE=Gunshot detected"), "the shot alerted: \(err)")
        let stall = err.range(of: "capture stalled: default")?.lowerBound, alert = err.range(of: "ALERT MESSAGE=")?.lowerBound
        #expect(stall != nil && alert != nil && stall! < alert!, "alerted once the stall was found: \(err)")
        #expect(err.contains("audio ended (capture stalled)"), "\(err)")
        // audio again, after more than the cooldown (1 s): the detector streams across the gap, so its next windows
        // still hold the shot — decided already, it is not paged again
        Thread.sleep(forTimeInterval: 1.5)
        try fifo.write(DaemonTestSignals.recording(seconds: 3, shots: []))
        let resumed = Date().addingTimeInterval(15)
        while !daemon.stderr.contains("capture resumed") && Date() < resumed { Thread.sleep(forTimeInterval: 0.1) }
        #expect(fifo.waitDrained(timeout: 10), "the 3 s were read")
        Thread.sleep(forTimeInterval: 1)
        try fifo.close()
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 10) == 0, "stderr:\n\(err)")
        #expect(daemon.stderr.components(separatedBy: "ALERT MESSAGE=").count - 1 == 1, "alerted once, not again when audio came back or earshotd stopped: \(daemon.stderr)")
    }
}
