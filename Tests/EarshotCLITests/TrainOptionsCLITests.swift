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

    /// trainer QA D12: --threads 0/-1, --windows-per-epoch -100 were run with other values in silence; a
    /// --threads above the cores is lowered with a note (as `earshot detect --jobs`); --ship-target 1.0 is 1.
    @Test func threadsWindowsAndShipTargetAreCheckedLikeAdapts() throws {
        for (flag, value, message) in [("--threads", "0", "--threads 0: use at least 1"), ("--threads", "-1", "--threads -1: use at least 1"),
                                       ("--windows-per-epoch", "-100", "--windows-per-epoch -100: use 32…1048576"),
                                       ("--windows-per-epoch", "31", "--windows-per-epoch 31: use 32…1048576"),
                                       ("--ship-target", "3", "--ship-target 3: use 1, 2, 5 or 10"), ("--ship-target", "1.5", "--ship-target 1.5: use 1, 2, 5 or 10")] {
            let r = try Self.train(["\(flag)=\(value)"])
            #expect(r.status == 64 && r.stderr.contains(message) && !r.stderr.contains("no-corpus"), "\(flag) \(value): \(r.status) \(r.stderr)")
        }
        // accepted: they get as far as the (missing) corpus
        for extra in [["--ship-target", "1.0"], ["--ship-target", "10"], ["--windows-per-epoch", "32"], ["--threads", "1"]] {
            let r = try Self.train(extra)
            #expect(r.status == 1 && r.stderr.contains("no-corpus"), "\(extra): \(r.stderr)")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let many = try Self.train(["--threads", "1000"])
        #expect(many.status == 1 && many.stderr.contains("note: --threads 1000 is more than the \(cores) CPU core") && many.stderr.contains("training on \(cores) thread"), "\(many.stderr)")
    }

    /// `adapt` checks the same way (trainer QA D12: `adapt --windows-per-epoch -5` ran with another value).
    @Test func adaptsWindowsAndEpochsAreCheckedToo() throws {
        for (flag, value, message) in [("--windows-per-epoch", "-5", "--windows-per-epoch -5: use 32…1048576"), ("--epochs", "0", "--epochs 0: use 1…1000")] {
            let r = try CLIRunner.run(["adapt", "--data", Self.missing, "--out", TestPaths.tempDir("adapt-options").appendingPathComponent("a.safetensors").path,
                                       "\(flag)=\(value)", Self.missing], product: "earshot-train")
            #expect(r.status == 64 && r.stderr.contains(message), "\(flag) \(value): \(r.status) \(r.stderr)")
        }
    }
}
