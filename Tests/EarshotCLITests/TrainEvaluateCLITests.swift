import EarshotDSP
import EarshotTestSupport
import Foundation
import Testing

/// `earshot-train evaluate`'s decision-rule options (`--hop`, `--min-consecutive`): the same rule and range checks
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
        // With valid values the same call gets as far as the (missing) corpus: the rule was not what failed.
        let ok = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", Self.missing, "--hop", "0.05", "--min-consecutive", "1"], product: "earshot-train")
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
}
