import EarshotDSP
import EarshotTestSupport
import Foundation
import Testing

/// `earshot-train adapt`'s bad input: a missing recording, a rate with no threshold key, and an out-of-range
/// share, a recording that cannot be read, an output folder that does not exist, a folder that is no corpus, false-alarm
/// clips that are not there or too large a share of them: each fails with a message naming it,
/// and no file is written.
@Suite struct AdaptCLITests {
    static let model = TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors").path

    @Test func badArgumentsNameTheValueAndWriteNothing() throws {
        let dir = TestPaths.tempDir("adapt-cli"); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("site.safetensors").path, corpus = dir.appendingPathComponent("corpus")
        // six recording groups of each class: every side of the split holds both (else adapt refuses the corpus first)
        for label in ["gunshot", "negative"] {
            try FileManager.default.createDirectory(at: corpus.appendingPathComponent(label), withIntermediateDirectories: true)
            for g in 0..<6 { try AudioFileWriter.writeWAV16([Float](repeating: 0.01, count: 16_000), sampleRate: 16_000, to: corpus.appendingPathComponent("\(label)/\(label)\(g)__a.wav")) }
        }
        let recording = dir.appendingPathComponent("site.wav")
        try Data("RIFF".utf8).write(to: recording)
        let missing = dir.appendingPathComponent("nowhere.wav").path
        let gone = try CLIRunner.run(["adapt", "--model", Self.model, "--data", corpus.path, "--out", out, missing], product: "earshot-train")
        #expect(gone.status != 0 && gone.stderr.contains(missing) && gone.stderr.contains("no such file or folder"), "\(gone.stderr)")
        let target = try CLIRunner.run(["adapt", "--model", Self.model, "--data", corpus.path, "--out", out, "--target", "3", recording.path], product: "earshot-train")
        #expect(target.status != 0 && target.stderr.contains("--target 3.0: use 1, 2, 5 or 10"), "\(target.stderr)")
        let share = try CLIRunner.run(["adapt", "--model", Self.model, "--data", corpus.path, "--out", out, "--site-share", "1.5", recording.path], product: "earshot-train")
        #expect(share.status != 0 && share.stderr.contains("site share 1.5 is out of range"), "\(share.stderr)")
        // only a recording that cannot be read: named, and nothing usable is left
        let junk = try CLIRunner.run(["adapt", "--model", Self.model, "--data", corpus.path, "--out", out, recording.path], product: "earshot-train")
        #expect(junk.status != 0 && junk.stderr.contains("no usable site audio") && junk.stderr.contains(recording.path), "\(junk.stderr)")
        // an output folder that does not exist: refused before any work
        let nowhere = dir.appendingPathComponent("no-such-dir/site.safetensors").path
        let badOut = try CLIRunner.run(["adapt", "--model", Self.model, "--data", corpus.path, "--out", nowhere, recording.path], product: "earshot-train")
        #expect(badOut.status != 0 && badOut.stderr.contains("cannot write into") && badOut.stderr.contains("no-such-dir"), "\(badOut.stderr)")
        // a corpus folder that is not there, or is no corpus: named, before any recording is decoded
        let nocorpus = try CLIRunner.run(["adapt", "--model", Self.model, "--data", dir.appendingPathComponent("none").path, "--out", out, missing], product: "earshot-train")
        #expect(nocorpus.status != 0 && nocorpus.stderr.contains("none: no such folder") && !nocorpus.stderr.contains(missing), "\(nocorpus.stderr)")
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let nothing = try CLIRunner.run(["adapt", "--model", Self.model, "--data", empty.path, "--out", out, missing], product: "earshot-train")
        #expect(nothing.status != 0 && nothing.stderr.contains("empty: no gunshot clips found") && !nothing.stderr.contains(missing), "\(nothing.stderr)")
        // false-alarm clips that are not there, or a share that leaves no room for the corpus's negatives
        let quiet = dir.appendingPathComponent("quiet.wav")
        try AudioFileWriter.writeWAV16([Float](repeating: 0.001, count: 8 * 16_000), sampleRate: 16_000, to: quiet)
        let noClip = try CLIRunner.run(["adapt", "--model", Self.model, "--data", corpus.path, "--out", out, "--false-alarm", missing, quiet.path], product: "earshot-train")
        #expect(noClip.status != 0 && noClip.stderr.contains("--false-alarm \(missing): no such file or folder (give the evidence clips"), "\(noClip.stderr)")
        let faShare = try CLIRunner.run(["adapt", "--model", Self.model, "--data", corpus.path, "--out", out, "--false-alarm", quiet.path, "--false-alarm-share", "0.8", quiet.path], product: "earshot-train")
        #expect(faShare.status != 0 && faShare.stderr.contains("false-alarm share 0.8 is out of range"), "\(faShare.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// `--out` naming the model being adapted (trainer QA D2), or another file that exists: refused before any
    /// work, both files untouched.
    @Test func outNeverReplacesTheBaseModelOrAFileSilently() throws {
        let dir = TestPaths.tempDir("adapt-cli-out"); defer { try? FileManager.default.removeItem(at: dir) }
        let base = dir.appendingPathComponent("base.safetensors"), notes = dir.appendingPathComponent("notes.txt")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.model), to: base)
        try Data("important notes".utf8).write(to: notes)
        let before = try Data(contentsOf: base)
        let missing = dir.appendingPathComponent("nowhere.wav").path
        let same = try CLIRunner.run(["adapt", "--model", base.path, "--data", dir.path, "--out", base.path, missing], product: "earshot-train")
        #expect(same.status == 1 && same.stderr.contains("is the model being adapted") && !same.stderr.contains("nowhere.wav"), "\(same.stderr)")
        let file = try CLIRunner.run(["adapt", "--model", base.path, "--data", dir.path, "--out", notes.path, missing], product: "earshot-train")
        #expect(file.status == 1 && file.stderr.contains("the file exists; give --force") && !file.stderr.contains("nowhere.wav"), "\(file.stderr)")
        // with --force it gets past the check (to the missing recording)
        let forced = try CLIRunner.run(["adapt", "--model", base.path, "--data", dir.path, "--out", notes.path, "--force", missing], product: "earshot-train")
        #expect(forced.status != 0 && !forced.stderr.contains("the file exists"), "\(forced.stderr)")
        #expect(try Data(contentsOf: base) == before && (try Data(contentsOf: notes)) == Data("important notes".utf8))
    }
}
