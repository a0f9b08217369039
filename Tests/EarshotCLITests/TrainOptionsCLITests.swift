import EarshotDSP
import EarshotTestSupport
import Foundation
import Testing

/// `earshot-train train`'s numeric options: a value out of range is a usage error (exit 64) naming the option,
/// the value and the range, before the corpus is read (here it does not even exist).
@Suite struct TrainOptionsCLITests {
    static let missing = TestPaths.tempDir("train-options").appendingPathComponent("no-corpus").path

    static func train(_ extra: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(["train", "--data", missing, "--out", TestPaths.tempDir("train-options-out").appendingPathComponent("out").path] + extra, product: "earshot-train")
    }

    /// trainer QA D1: NaN, infinity and 1e300 stopped the run with a Swift trap (exit 132) after the decoding.
    @Test func epochScaleOutOfRangeIsAUsageError() throws {
        for (value, shown) in [("nan", "nan"), ("inf", "inf"), ("1e300", "1e+300"), ("-1", "-1.0"), ("0", "0.0"), ("101", "101.0")] {
            let r = try Self.train(["--epoch-scale=\(value)"])
            #expect(r.status == 64, "\(value): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("--epoch-scale \(shown): use a number above 0 and at most 100"), "\(value): \(r.stderr)")
            #expect(!r.stderr.contains("no-corpus"), "\(value): checked before the corpus")
        }
        // an ordinary value gets as far as the (missing) corpus
        let ok = try Self.train(["--epoch-scale", "0.25"])
        #expect(ok.status == 1 && ok.stderr.contains("no-corpus") && !ok.stderr.contains("--epoch-scale"), "\(ok.stderr)")
    }
}
