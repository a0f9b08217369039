import EarshotDSP
import EarshotTestSupport
import Foundation
import Testing

/// `earshot-train evaluate`: a --write-shot-scores destination that cannot be written is refused before the
/// corpus is decoded (trainer QA D16); a test split of another seed than the model's says first that it holds
/// clips the model trained on (trainer QA D9).
@Suite struct EvaluateChecksCLITests {
    static let model = TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors").path

    /// 12 recording groups of each class (bursts and tones, 1 s), no manifest.
    static func writeCorpus(_ dir: URL) throws {
        var rng = SeededRNG(seed: 13)
        for k in 0..<12 {
            var shot = [Float](repeating: 0, count: 16_000)
            for i in 0..<16_000 { shot[i] = i >= 6_000 && i < 8_000 ? 0.8 * Float(rng.uniform(-1, 1)) * expf(-Float(i - 6_000) / 300) : 0.003 * Float(rng.uniform(-1, 1)) }
            let tone = (0..<16_000).map { Float(0.2 * sin(2 * Double.pi * Double(200 + 37 * k) * Double($0) / 16_000)) }
            for (label, x) in [("gunshot", shot), ("negative", tone)] {
                let d = dir.appendingPathComponent(label)
                try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
                try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: d.appendingPathComponent("\(label)\(k)__1.wav"))
            }
        }
    }

    @Test func writeShotScoresIsCheckedBeforeTheCorpusIsDecoded() throws {
        let dir = TestPaths.tempDir("eval-shots-dest"); defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus")
        try Self.writeCorpus(corpus)
        let folder = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", corpus.path, "--write-shot-scores", dir.path], product: "earshot-train")
        #expect(folder.status == 1 && folder.stderr.contains("--write-shot-scores \(dir.path): is a folder; give a file name")
                && !folder.stderr.contains("NSCocoaErrorDomain") && !folder.stderr.contains("decoding"), "\(folder.stderr)")
        let nowhere = dir.appendingPathComponent("nodir/x.safetensors").path
        let missing = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", corpus.path, "--write-shot-scores", nowhere], product: "earshot-train")
        #expect(missing.status == 1 && missing.stderr.contains("--write-shot-scores \(nowhere): cannot write into") && !missing.stderr.contains("decoding"), "\(missing.stderr)")
    }

    @Test func anotherSeedsTestSplitSaysFirstThatItHoldsTrainingClips() throws {
        let dir = TestPaths.tempDir("eval-seed"); defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus")
        try Self.writeCorpus(corpus)
        let other = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", corpus.path, "--seed", "2"], product: "earshot-train")
        #expect(other.status == 0, "\(other.stderr)")
        let first = other.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("warning: earshot-default.safetensors was trained with --seed 1 (its train.seed), this is the test split of --seed 2: ")
                && first.contains("give --seed 1 for held-out figures"), "\(other.stdout)")
        let json = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", corpus.path, "--seed", "2", "--json"], product: "earshot-train")
        #expect(json.status == 0 && json.stderr.contains("warning: earshot-default.safetensors was trained with --seed 1"), "\(json.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) != nil, "stdout stays JSON: \(json.stdout)")
        let same = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", corpus.path, "--seed", "1"], product: "earshot-train")
        #expect(same.status == 0 && !same.stdout.contains("warning:") && same.stdout.hasPrefix("model earshot-default.safetensors"), "\(same.stdout)")
    }

    /// With nothing detected (threshold 1), precision is undefined: "n/a", not 1.000 or nan (trainer QA D17);
    /// a --split all without one of the classes does not suggest --split all (D18).
    @Test func undefinedPrecisionAndTheSplitAllHint() throws {
        let dir = TestPaths.tempDir("eval-undefined"); defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus")
        try Self.writeCorpus(corpus)
        let none = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", corpus.path, "--split", "all", "--threshold", "1"], product: "earshot-train")
        #expect(none.status == 0 && none.stdout.contains("precision n/a") && !none.stdout.contains("precision nan"), "\(none.stdout) \(none.stderr)")
        try FileManager.default.removeItem(at: corpus.appendingPathComponent("negative"))
        let oneClass = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", corpus.path, "--split", "all"], product: "earshot-train")
        #expect(oneClass.status != 0 && oneClass.stderr.contains("evaluation needs both") && !oneClass.stderr.contains("use --split all"), "\(oneClass.stderr)")
    }
}

