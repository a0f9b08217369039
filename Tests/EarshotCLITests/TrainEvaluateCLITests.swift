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
        #expect(hop.stderr.contains("hop = 5.0 is out of range") && hop.stderr.contains("0.01…1 s"), "\(hop.stderr)")
        let minc = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", Self.missing, "--min-consecutive", "0"], product: "earshot-train")
        #expect(minc.status != 0)
        #expect(minc.stderr.contains("min_consecutive = 0 is out of range") && minc.stderr.contains("1…50"), "\(minc.stderr)")
        // With valid values the same call gets as far as the (missing) corpus: the rule was not what failed.
        let ok = try CLIRunner.run(["evaluate", "--model", Self.model, "--data", Self.missing, "--hop", "0.05", "--min-consecutive", "1"], product: "earshot-train")
        #expect(ok.status != 0)
        #expect(!ok.stderr.contains("out of range") && ok.stderr.contains("no-corpus"), "\(ok.stderr)")
    }
}
