import EarshotDSP
import EarshotNN
import Foundation
import Testing
@testable import EarshotTrain

/// `earshot-train train` stopped by SIGINT/SIGTERM (trainer QA D5): it says where it stopped and what in --out is
/// incomplete, the models it saved before calibrating them are marked so (`train.state`), and an earlier run's
/// report files do not stay beside this run's models.
@Suite struct InterruptTests {
    @Test func anInterruptedRunSaysWhereItStoppedAndMarksItsUncalibratedModels() throws {
        let exe = try #require(TestPaths.builtProduct("earshot-train"), "build earshot-train first")
        let dir = TestPaths.tempDir("interrupt"); defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus"), out = dir.appendingPathComponent("out")
        var rng = SeededRNG(seed: 21)
        try TinyTrainingTests.writeCorpus(corpus, rng: &rng)
        // an earlier run's report files in the folder
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for f in ["report.md", "oof.json", "oof_candidates.json"] { try Data("old run".utf8).write(to: out.appendingPathComponent(f)) }
        try Data("old run".utf8).write(to: out.appendingPathComponent("model3-paper-energy.safetensors"))   // and an earlier run's model

        let p = Process()
        p.executableURL = exe
        // one epoch of 2 steps per model: Model 2 trains for seconds after Model 1 is saved
        p.arguments = ["train", "--data", corpus.path, "--out", out.path, "--epoch-scale", "0.1", "--windows-per-epoch", "64", "--folds", "0", "--threads", "1"]
        let errFile = dir.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: errFile)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let first = out.appendingPathComponent("model1-paper-clean.safetensors")
        let deadline = Date().addingTimeInterval(240)
        while !FileManager.default.fileExists(atPath: first.path), p.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(p.isRunning, "still training Model 2")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let err = try String(contentsOf: errFile, encoding: .utf8)
        #expect(p.terminationStatus == 130, "\(p.terminationStatus): \(err.suffix(2000))")
        let line = try #require(err.split(separator: "\n").last { $0.hasPrefix("earshot-train: interrupted by SIGINT") }, "\(err.suffix(2000))")
        #expect(line.contains("while training model2-paper-noise (model 2 of 10)") && line.contains("model1-paper-clean saved before calibration")
                && line.contains("no report of this run") && line.contains("--reuse \(out.path)")
                && line.contains("; model3-paper-energy is an earlier run's"), "\(line)")
        // the saved model says it is not calibrated, and carries the provenance --reuse checks
        let m = try Model.load(first)
        #expect(m.provenance[Model.stateKey] == Model.uncalibratedState && m.provenance["train.seed"] == "1", "\(m.provenance)")
        #expect(m.uncalibratedNote?.contains("before its calibration") == true && m.uncalibratedNote?.contains("--reuse \(out.path)") == true, "\(m.uncalibratedNote ?? "no note")")
        // the earlier run's report files are gone (this run's are written at its end)
        for f in ["report.md", "oof.json", "oof_candidates.json"] {
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "\(f) of the earlier run still there")
        }
        #expect(err.contains("removed an earlier run's report.md, oof.json, oof_candidates.json"), "\(err.prefix(3000))")
    }

    @Test func theMessageListsWhatTheFolderHolds() {
        let s = TrainRunState(out: URL(fileURLWithPath: "/r/out"))
        #expect(s.interruptionMessage(signal: "SIGTERM") == "earshot-train: interrupted by SIGTERM while checking the corpus and --out. /r/out holds no model of this run yet, and no report of this run (report.md is written last); run the same command again to start over.")
        s.savedUncalibrated("m1"); s.savedUncalibrated("m2"); s.savedFinished("m1"); s.enter("testing the models on the test split")
        let m = s.interruptionMessage(signal: "SIGINT")
        #expect(m.contains("while testing the models on the test split. /r/out holds m2 saved before calibration") && m.contains("; m1 calibrated and tested, and no report") && m.contains("--reuse /r/out"), "\(m)")
        // files an earlier run left in the folder are named until this run replaces them (trainer QA D5)
        let t = TrainRunState(out: URL(fileURLWithPath: "/r/out"))
        t.foundEarlier(["m1", "m2", "m3"]); t.savedUncalibrated("m1")
        let e = t.interruptionMessage(signal: "SIGINT")
        #expect(e.contains("/r/out holds m1 saved before calibration") && e.contains("; m2, m3 are an earlier run's (--reuse takes only models trained with this run's seed, split and budget), and no report"), "\(e)")
        t.savedFinished("m2"); t.savedFinished("m3")
        #expect(!t.interruptionMessage(signal: "SIGINT").contains("earlier run"))
    }
}
