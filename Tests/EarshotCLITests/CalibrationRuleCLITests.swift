import Foundation
import Testing

/// The rule the shipped model's thresholds were calibrated with: `earshot model-info` shows it, and `earshot
/// detect` and `earshot check-config` warn when the settings can count more events — the false-alarm rate a
/// threshold stands for holds only under its rule. `earshot calibrate` names the settings it measured under.
@Suite struct CalibrationRuleCLITests {
    static let demo = TestPaths.repo.appendingPathComponent("demo/demo-gunshots.flac").path

    @Test func modelInfoDetectAndCheckConfigNameTheCalibrationRule() throws {
        let info = try CLIRunner.run(["model-info"], environment: ["EARSHOT_MODEL": ""])
        #expect(info.status == 0 && info.stdout.contains("rule       min_consecutive 2, max_dips 0, hop 0.1 s, merge_gap 0.5 s, cooldown 10 s"), "\(info.stdout)")
        #expect(!info.stdout.contains("assumed") && info.stdout.contains("train.rule"), "the shipped file records its rule: \(info.stdout)")

        let same = try CLIRunner.run(["detect", Self.demo], environment: ["EARSHOT_MODEL": ""])
        #expect(same.status == 0 && !same.stderr.contains("calibrated:"), "\(same.stderr)")
        let other = try CLIRunner.run(["detect", "--min-consecutive", "1", "--max-dips", "1", Self.demo], environment: ["EARSHOT_MODEL": ""])
        #expect(other.status == 0 && other.stderr.contains("warning: min_consecutive 1 (calibrated: 2), max_dips 1 (calibrated: 0): "), "\(other.stderr)")
        let own = try CLIRunner.run(["detect", "--min-consecutive", "1", "--threshold", "0.9", Self.demo], environment: ["EARSHOT_MODEL": ""])
        #expect(own.status == 0 && !own.stderr.contains("calibrated:"), "an operator's own threshold: \(own.stderr)")

        let dir = TestPaths.tempDir("calibration-rule"); defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = dir.appendingPathComponent("earshot.yaml")
        try "max_dips: 1\nhop: 0.05\n".write(to: yaml, atomically: true, encoding: .utf8)
        let check = try CLIRunner.run(["check-config", yaml.path], environment: ["EARSHOT_MODEL": ""])
        #expect(check.status == 0 && check.stderr.contains("warning: max_dips 1 (calibrated: 0), hop 0.05 s (calibrated: 0.1 s): "), "\(check.stderr)")
        try "min_consecutive: 2\n".write(to: yaml, atomically: true, encoding: .utf8)
        let fine = try CLIRunner.run(["check-config", yaml.path], environment: ["EARSHOT_MODEL": ""])
        #expect(fine.status == 0 && !fine.stderr.contains("calibrated:"), "\(fine.stderr)")

        // calibrate measured under other settings: the config line it prints carries them
        let cal = try CLIRunner.run(["calibrate", "--rate", "1000", "--min-consecutive", "1", "--cooldown", "0", Self.demo], environment: ["EARSHOT_MODEL": ""])
        #expect(cal.status == 0 && cal.stdout.contains(", `min_consecutive: 1`, `cooldown: 0` in /etc/earshot/earshot.yaml"), "\(cal.stdout)")
    }
}
