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
}
