import EarshotDSP
import EarshotTestSupport
import Foundation
import Testing

/// `earshot-train evaluate`'s decision-rule options (`--hop`, `--min-consecutive`, `--max-dips`): the same rule and range checks
/// as `earshot detect` and the daemon's config, and a bad value fails before the corpus is read.
@Suite struct TrainEvaluateCLITests {
    static let model = TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors").path
    static let missing = TestPaths.tempDir("train-eval").appendingPathComponent("no-corpus").path

    @Test func badRuleValuesNameTheSettingAndItsRangeBeforeTheCorpusIsRead() throws {
        let hop = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", Self.missing, "--hop", "5"], product: "earshot-train")
        #expect(hop.status != 0)
        #expect(hop.stderr.contains("hop (--hop) = 5.0 is out of range") && hop.stderr.contains("0.01…1 s"), "\(hop.stderr)")
        let minc = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", Self.missing, "--min-consecutive", "0"], product: "earshot-train")
        #expect(minc.status != 0)
        #expect(minc.stderr.contains("min_consecutive (--min-consecutive) = 0 is out of range") && minc.stderr.contains("1…50"), "\(minc.stderr)")
        let dips = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", Self.missing, "--max-dips", "11"], product: "earshot-train")
        #expect(dips.status != 0)
        #expect(dips.stderr.contains("max_dips (--max-dips) = 11 is out of range") && dips.stderr.contains("0…10"), "\(dips.stderr)")
        // With valid values the same call gets as far as the (missing) corpus: the rule was not what failed.
        let ok = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", Self.missing, "--hop", "0.05", "--min-consecutive", "1", "--max-dips", "2"], product: "earshot-train")
        #expect(ok.status != 0)
        #expect(!ok.stderr.contains("out of range") && ok.stderr.contains("no-corpus"), "\(ok.stderr)")
    }

    /// `train` checks what it will write and reuse before decoding a clip: a --ship into a missing folder, a
    /// --reuse folder that is not there, an --out that is a file — each named with its flag, and no output
    /// folder left behind.
    @Test func trainRefusesUnusablePathsBeforeItStarts() throws {
        let dir = TestPaths.tempDir("train-paths"); defer { try? FileManager.default.removeItem(at: dir) }
        let guns = dir.appendingPathComponent("corpus/gunshot")
        try FileManager.default.createDirectory(at: guns, withIntermediateDirectories: true)
        try AudioFileWriter.writeWAV16([Float](repeating: 0.1, count: 16_000), sampleRate: 16_000, to: guns.appendingPathComponent("g__1.wav"))
        let corpus = dir.appendingPathComponent("corpus").path, out = dir.appendingPathComponent("out")
        let cases: [([String], String)] = [
            (["--ship", dir.appendingPathComponent("nope/m.safetensors").path], "--ship"),
            (["--reuse", dir.appendingPathComponent("typo").path], "--reuse"),
        ]
        for (extra, flag) in cases {
            let r = try CLIRunner.run(["train", "--data", corpus, "--out", out.path] + extra, product: "earshot-train")
            #expect(r.status == 1 && r.stderr.contains("Error: \(flag) ") && !r.stderr.contains("decoding"), "\(extra): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(extra): no output folder before the checks pass")
        }
        let file = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let r = try CLIRunner.run(["train", "--data", corpus, "--out", file.path], product: "earshot-train")
        #expect(r.status == 1 && r.stderr.contains("--out \(file.path): is a file, not a folder"), "\(r.stderr)")
    }

    /// The whole command on a generated folder (no manifest, `--split all`): loud (≈ −2 dBFS) and quiet (≈ −52 dBFS) bursts, tones. The
    /// JSON report accounts for every clip once in the level bands, consistently with its confusion matrix; the
    /// text report prints the bands. (What the shipped model detects here is not asserted: that is its own
    /// held-out report's job.)
    @Test func evaluatesAGeneratedFolderAndReportsRecallByPeakLevel() throws {
        let dir = TestPaths.tempDir("train-eval-folder"); defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeFolder(dir)
        let r = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", dir.path, "--split", "all", "--json"], product: "earshot-train")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").last.map(String.init))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["clips"] as? Int == 7)
        let guns = try #require(json["recallByLevel"] as? [[String: Any]]), others = try #require(json["falseAlarmClipsByLevel"] as? [[String: Any]])
        let gunBands = guns.map { ($0["loudest"] as? Double ?? .nan, $0["clips"] as? Int ?? -1) }
        #expect(gunBands.map(\.0) == [0, -50] && gunBands.map(\.1) == [2, 3], "\(guns)")
        #expect(others.map { $0["clips"] as? Int ?? -1 } == [2], "tones at −14 dBFS: one band, \(others)")
        let m = try #require(json["metrics"] as? [String: Int])
        let detected = guns.reduce(0) { $0 + ($1["withEvent"] as? Int ?? 0) }, alarms = others.reduce(0) { $0 + ($1["withEvent"] as? Int ?? 0) }
        #expect(detected == m["tp"] && alarms == m["fp"], "bands \(guns) \(others) against \(m)")

        let text = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", dir.path, "--split", "all"], product: "earshot-train")
        #expect(text.status == 0, "stderr: \(text.stderr)")
        #expect(text.stdout.contains("recall by peak level: 0 to −10 dBFS") && text.stdout.contains("below −50 dBFS"), "\(text.stdout)")
    }

    /// Several `--model`s: each evaluated on the same clips, then compared with the first clip by clip. A model
    /// against itself disagrees on no clip (p = 1); against another, the clips only one found account exactly
    /// for the difference of their detected counts, at each model's threshold and at equal false-alarm rates.
    @Test func severalModelsAreComparedClipByClipWithTheFirst() throws {
        let dir = TestPaths.tempDir("train-eval-paired"); defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeFolder(dir)
        let other = TestPaths.repo.appendingPathComponent("reports/latest/model1-paper-clean.safetensors").path
        let r = try CLIRunner.run(["evaluate", "--model", Self.model, "--model", other, "--model", Self.model, "--data", dir.path, "--split", "all", "--json"], product: "earshot-train")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let lines = try r.stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        try #require(lines.count == 4, "three reports and the comparisons: \(r.stdout)")
        func found(_ report: [String: Any], _ point: String) -> Set<Int>? {
            point == "threshold" ? (report["shotsFound"] as? [Int]).map(Set.init) : ((report["shotsFoundAtEqualFA"] as? [String: [Int]])?[point]).map(Set.init)
        }
        for report in lines.prefix(3) {
            let tp = (report["metrics"] as? [String: Int])?["tp"]
            #expect(found(report, "threshold")?.count == tp && found(report, "threshold")?.allSatisfy { (0..<5).contains($0) } == true, "\(report)")
        }
        let paired = try #require(lines[3]["paired"] as? [[String: Any]])
        #expect(paired.count == 8 && paired.map { $0["point"] as? String } == ["threshold", "5", "10", "20", "threshold", "5", "10", "20"], "\(paired)")
        for (i, row) in paired.enumerated() {
            let c = try #require(row["comparison"] as? [String: Any]), point = try #require(row["point"] as? String)
            let (a, b) = (try #require(found(lines[0], point)), try #require(found(lines[1 + i / 4], point)))
            #expect(c["onlyFirst"] as? Int == a.subtracting(b).count && c["onlySecond"] as? Int == b.subtracting(a).count, "\(row)")
            if i >= 4 { #expect(c["onlyFirst"] as? Int == 0 && c["onlySecond"] as? Int == 0 && c["pValue"] as? Double == 1, "the model against itself: \(row)") }
        }
        #expect(paired.allSatisfy { $0["reference"] as? String == "earshot-default.safetensors" }, "\(paired)")

        let text = try CLIRunner.run(["evaluate", "--model", Self.model, "--model", other, "--data", dir.path, "--split", "all"], product: "earshot-train")
        #expect(text.status == 0 && text.stdout.contains("clip by clip against earshot-default.safetensors (the same 5 gunshot clips")
                && text.stdout.contains("| model1-paper-clean.safetensors | 10 FA/h |"), "\(text.stdout)")
        // --threshold is one model's: refused with several, before the corpus is read
        let both = try CLIRunner.run(["evaluate", "--model", Self.model, "--model", other, "--threshold", "0.5", "--data", Self.missing], product: "earshot-train")
        #expect(both.status != 0 && both.stderr.contains("--threshold sets one model's threshold") && !both.stderr.contains("no-corpus"), "\(both.stderr)")
    }

    /// `--write-shot-scores`: the model written again with its test split's gunshot clips' window scores, which
    /// find at its threshold exactly the shots the report found (model-info and `earshot calibrate` say so); only
    /// for one model, its test split and its own training seed.
    @Test func writeShotScoresKeepsTheTestShotsInTheModelFile() throws {
        let dir = TestPaths.tempDir("train-eval-shots"); defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRNG(seed: 11)
        for k in 0..<24 {   // 24 recording groups of each class, so the test split holds some of both
            var shot = [Float](repeating: 0, count: 32_000), tone = [Float](repeating: 0, count: 32_000)
            for i in 0..<32_000 {
                let noise = Float(rng.uniform(-1, 1))
                shot[i] = i >= 12_000 && i < 14_000 ? 0.8 * noise * expf(-Float(i - 12_000) / 300) : 0.003 * noise
                let phase: Double = 2 * Double.pi * Double(200 + 37 * k) * Double(i) / 16_000
                tone[i] = Float(0.2 * sin(phase))
            }
            for (label, x) in [("gunshot", shot), ("negative", tone)] {
                let d = dir.appendingPathComponent("corpus/\(label)")
                try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
                try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: d.appendingPathComponent("\(label)\(k)__1.wav"))
            }
        }
        let corpus = dir.appendingPathComponent("corpus").path, out = dir.appendingPathComponent("with-shots.safetensors").path
        let r = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", corpus, "--json", "--write-shot-scores", out], product: "earshot-train")
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let m = try #require(report["metrics"] as? [String: Int])
        let (tp, shots) = (try #require(m["tp"]), try #require(m["tp"]) + (try #require(m["fn"])))
        #expect(shots > 0 && r.stderr.contains("with its \(shots) test shots' window scores"), "\(r.stderr)")
        let info = try CLIRunner.run(["model-info", out])
        #expect(info.status == 0 && info.stdout.contains("test shots \(shots) held-out gunshot clips' window scores (hop 0.1 s): \(tp) found"), "\(info.stdout)")
        #expect(!info.stdout.contains("eval.test_shots"), "the scores themselves are not dumped")
        // earshot calibrate: at the model's own threshold, the same share; rising thresholds find no more
        let site = dir.appendingPathComponent("site.wav")
        try AudioFileWriter.writeWAV16((0..<(20 * 16_000)).map { _ in 0.01 * Float(rng.uniform(-1, 1)) }, sampleRate: 16_000, to: site)
        let c = try CLIRunner.run(["calibrate", "--model", out, "--json", site.path])
        #expect(c.status == 0, "\(c.stderr)")
        let lines = c.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let cal = try #require(lines.first { $0["type"] as? String == "calibration" })
        #expect(cal["test_shots"] as? Int == shots && abs((cal["model_threshold_test_shots_found"] as? Double ?? -1) - Double(tp) / Double(shots)) < 1e-4, "\(cal)")
        let rows = lines.filter { $0["type"] as? String == "threshold" }.map { ($0["threshold"] as? Double ?? .nan, $0["test_shots_found"] as? Double ?? .nan) }.sorted { $0.0 < $1.0 }
        #expect(rows.count == 4 && zip(rows, rows.dropFirst()).allSatisfy { $0.1 >= $1.1 }, "\(rows)")
        // the file knows its test shots' sources (written by --write-shot-scores): incidents of three shots of one
        // source are found at least as often as one shot, at every threshold
        let shotShare = cal["model_threshold_test_shots_found"] as? Double ?? .nan, incidentShare = cal["model_threshold_test_incidents_found"] as? Double ?? .nan
        #expect(cal["incident_shots"] as? Int == 3 && incidentShare >= shotShare && incidentShare <= 1, "\(cal)")
        for row in lines where row["type"] as? String == "threshold" {
            #expect((row["test_incidents_found"] as? Double ?? -1) >= (row["test_shots_found"] as? Double ?? 2), "\(row)")
        }
        let succession = try #require(report["succession"] as? [String: Any], "evaluate --json reports the incidents")
        #expect(succession["incidents"] as? Int == shots && (succession["recall"] as? [String: Double])?.keys.sorted() == ["2", "3", "5"], "\(succession)")
        // a file written before the sources were kept: the shots' share, no incidents, and a note saying how to add them
        let file = try Safetensors(contentsOf: URL(fileURLWithPath: out))
        var meta = file.metadata
        var record = try #require(try JSONSerialization.jsonObject(with: Data((meta["eval.test_shots"] ?? "").utf8)) as? [String: Any])
        #expect(record.removeValue(forKey: "sources") != nil && record.removeValue(forKey: "source") != nil, "\(record.keys)")
        meta["eval.test_shots"] = String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
        var w = SafetensorsWriter(metadata: meta)
        for name in file.names {
            let info = try file.info(name)
            if info.dtype == "I64" { w.add(name, shape: info.shape, int64s: try file.int64s(name)) } else { w.add(name, shape: info.shape, floats: try file.floats(name)) }
        }
        let old = dir.appendingPathComponent("no-sources.safetensors")
        try w.write(to: old)
        let o = try CLIRunner.run(["calibrate", "--model", old.path, site.path])
        #expect(o.status == 0 && o.stdout.contains("test shots found") && !o.stdout.contains("incidents found")
                && o.stdout.contains("keeps its test shots' scores but not their sources") && o.stdout.contains("--write-shot-scores"), "\(o.stdout)\(o.stderr)")
        let hop = try CLIRunner.run(["calibrate", "--model", out, "--hop", "0.05", site.path])
        #expect(hop.stdout.contains("test shots were scored every 0.1 s, so at a hop of 0.05 s") && !hop.stdout.contains("test shots found"), "\(hop.stdout)")

        let two = try CLIRunner.run(["evaluate", "--model", Self.model, "--model", Self.model, "--data", corpus, "--write-shot-scores", out], product: "earshot-train")
        #expect(two.status != 0 && two.stderr.contains("--write-shot-scores keeps one model's scores"), "\(two.stderr)")
        let seed = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", corpus, "--seed", "2", "--write-shot-scores", out], product: "earshot-train")
        #expect(seed.status != 0 && seed.stderr.contains("train.seed 1") && seed.stderr.contains("give --seed 1"), "\(seed.stderr)")
    }

    /// Loud (≈ −2 dBFS) and quiet (≈ −52 dBFS) bursts as gunshots, two tones as negatives, no manifest.
    static func writeFolder(_ dir: URL) throws {
        var rng = SeededRNG(seed: 5)
        func write(_ label: String, _ name: String, _ x: [Float]) throws {
            let d = dir.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: d.appendingPathComponent(name + ".wav"))
        }
        func burst(peak: Float) -> [Float] {
            var x = [Float](repeating: 0, count: 32_000)
            for i in 0..<1200 { x[12_000 + i] = peak * Float(rng.uniform(-1, 1)) * Float(exp(-Double(i) / 250)) }
            return x
        }
        for k in 0..<2 { try write("gunshot", "loud\(k)__\(k)", burst(peak: 0.8)) }          // ≈ −2 dBFS
        for k in 0..<3 { try write("gunshot", "quiet\(k)__\(k)", burst(peak: 0.0025)) }      // ≈ −52 dBFS
        for k in 0..<2 {
            try write("negative", "tone\(k)__\(k)", (0..<32_000).map { Float(0.2 * sin(2 * Double.pi * (300 + 200 * Double(k)) * Double($0) / 16_000)) })
        }
    }
}
