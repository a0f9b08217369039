import EarshotDSP
import EarshotTestSupport
import Foundation
import Testing

/// A model `earshot-train train` saved before calibrating it (`train.state` "uncalibrated": an interrupted run's,
/// trainer QA D5) is not run at its placeholder threshold in silence: `detect` warns, `model-info` says so.
@Suite struct UncalibratedModelCLITests {
    @Test func detectAndModelInfoWarnAboutAModelSavedBeforeCalibration() throws {
        let dir = TestPaths.tempDir("uncalibrated"); defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir, extra: ["train.state": "uncalibrated", "train.seed": "1"])
        let wav = dir.appendingPathComponent("quiet.wav")
        try AudioFileWriter.writeWAV16((0..<16_000).map { Float(($0 % 7) - 3) * 1e-3 }, sampleRate: 16_000, to: wav)
        let detect = try CLIRunner.run(["detect", "--model", model.path, wav.path])
        #expect(detect.status == 0, "\(detect.stderr)")
        #expect(detect.stderr.contains("earshot: warning: model fixture-model.safetensors was saved by `earshot-train train` before its calibration")
                && detect.stderr.contains("--reuse \(dir.path)"), "\(detect.stderr)")
        let info = try CLIRunner.run(["model-info", model.path])
        #expect(info.status == 0 && info.stdout.contains("NOT CALIBRATED: model fixture-model.safetensors was saved"), "\(info.stdout)")
        #expect(info.stdout.contains("rule       none: the model was never calibrated") && !info.stdout.contains("assumed: the file predates"), "the re-check's N3: \(info.stdout)")
        // a finished model: no warning
        let doneDir = dir.appendingPathComponent("done")
        try FileManager.default.createDirectory(at: doneDir, withIntermediateDirectories: true)
        let done = try FixtureModel.write(to: doneDir, extra: ["train.seed": "1"])
        let fine = try CLIRunner.run(["detect", "--model", done.path, wav.path])
        #expect(fine.status == 0 && !fine.stderr.contains("before its calibration"), "\(fine.stderr)")
    }

    /// Operator QA 6: a site adaptation `earshot-train adapt` said not to use ("Do not use it yet") carries that
    /// verdict, and `detect`, `model-info` and `check-config` (as earshotd, at start and reload) warn with it.
    @Test func aSiteAdaptationTheTrainerDidNotRecommendIsWarnedAbout() throws {
        let dir = TestPaths.tempDir("not-recommended"); defer { try? FileManager.default.removeItem(at: dir) }
        let verdict = "not recommended: its threshold comes from 11.4 min of held-out site audio, too short to show that it keeps to 1 false alarm(s)/hour"
        let model = try FixtureModel.write(to: dir, extra: ["adapt.verdict": verdict, "adapt.base": "earshot-default.safetensors", "train.seed": "1"])
        let wav = dir.appendingPathComponent("quiet.wav")
        try AudioFileWriter.writeWAV16((0..<16_000).map { Float(($0 % 7) - 3) * 1e-3 }, sampleRate: 16_000, to: wav)
        let note = "model fixture-model.safetensors is a site adaptation `earshot-train adapt` did not recommend — \(verdict); keep the base model (earshot-default.safetensors)"
        let detect = try CLIRunner.run(["detect", "--model", model.path, wav.path])
        #expect(detect.status == 0 && detect.stderr.contains("earshot: warning: " + note), "\(detect.stderr)")
        let info = try CLIRunner.run(["model-info", model.path])
        #expect(info.status == 0 && info.stdout.contains("NOT RECOMMENDED: " + note), "\(info.stdout)")
        let config = dir.appendingPathComponent("earshot.yaml")
        try "model: \(model.path)\n".write(to: config, atomically: true, encoding: .utf8)
        let check = try CLIRunner.run(["check-config", config.path])
        #expect(check.status == 0 && (check.stdout + check.stderr).contains(note), "\(check.stdout)\n\(check.stderr)")
        // the trainer's "recommended" is no warning
        let goodDir = dir.appendingPathComponent("good")
        try FileManager.default.createDirectory(at: goodDir, withIntermediateDirectories: true)
        let good = try FixtureModel.write(to: goodDir, extra: ["adapt.verdict": "recommended", "train.seed": "1"])
        let fine = try CLIRunner.run(["detect", "--model", good.path, wav.path])
        #expect(fine.status == 0 && !fine.stderr.contains("did not recommend"), "\(fine.stderr)")
    }
}
