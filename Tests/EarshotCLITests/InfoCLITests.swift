import Foundation
import Testing

/// `earshot model-info` and `earshot features` on the shared fixtures.
@Suite struct InfoCLITests {
    @Test func modelInfoShowsLayersParametersAndFeatures() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir, threshold: 0.625)
        let r = try CLIRunner.run(["model-info", model.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("62818"))            // fixtures/README.md: 62,818 parameters
        #expect(r.stdout.contains("conv2d conv1"))
        #expect(r.stdout.contains("(1, 64, 96)"))
        #expect(r.stdout.contains("0.6250"))
        #expect(r.stdout.contains("n_fft 512") && r.stdout.contains("hop 160"))
        #expect(r.stdout.contains("shared fixtures"))   // provenance
    }

    @Test func modelInfoOnAMissingFileNamesIt() throws {
        let r = try CLIRunner.run(["model-info", "/nonexistent/x.safetensors"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("/nonexistent/x.safetensors"))
    }

    /// A model that cannot be loaded is exit status 2 in every command that reads a model file (1 is left for
    /// "a file could not be analysed"), with the file named; a missing file likewise.
    @Test func aModelThatCannotBeLoadedIsStatusTwoEverywhere() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("text.safetensors")
        try Data("not a model at all, just some words\n".utf8).write(to: bad)
        let audio = TestPaths.fixtures.appendingPathComponent("logmel_input.wav").path
        for model in [bad.path, dir.appendingPathComponent("missing.safetensors").path] {
            for args in [["model-info", model], ["detect", "--model", model, audio], ["calibrate", "--model", model, audio]] {
                let r = try CLIRunner.run(args)
                #expect(r.status == 2, "\(args): status \(r.status), stderr \(r.stderr)")
                #expect(r.stderr.contains(model), "\(args): \(r.stderr)")
            }
        }
    }

    /// A model file from before the stored fingerprint (the shipped model with its two fingerprint keys taken
    /// out, as files written before 2026-12-06 are) loads, and model-info and detect say that its damage cannot be
    /// told, with the fix; the shipped model's is checked.
    @Test func aModelWithoutAFingerprintIsSaidToBeUnchecked() throws {
        let dir = TestPaths.tempDir("no-fingerprint")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = [UInt8](try Data(contentsOf: TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors")))
        let n = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        var header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
        var meta = try #require(header["__metadata__"] as? [String: String])
        #expect(meta.removeValue(forKey: "fingerprint") != nil && meta.removeValue(forKey: "decision_fingerprint") != nil)
        header["__metadata__"] = meta
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        let old = dir.appendingPathComponent("old-model.safetensors").path
        try Data((0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) } + json + bytes[(8 + n)...]).write(to: URL(fileURLWithPath: old))
        let audio = TestPaths.fixtures.appendingPathComponent("logmel_input.wav").path
        let info = try CLIRunner.run(["model-info", old])
        #expect(info.status == 0 && info.stdout.contains("NOT stored in the file") && info.stdout.contains("--write-shot-scores \(old)"), "\(info.stdout)")
        let d = try CLIRunner.run(["detect", "--model", old, audio])
        #expect(d.status == 0 && d.stderr.contains("note: model old-model.safetensors holds no fingerprint"), "\(d.stderr)")
        let shipped = try CLIRunner.run(["model-info"], environment: ["EARSHOT_MODEL": ""])
        #expect(shipped.stdout.contains("stored in the file and checked on load"), "\(shipped.stdout)")
        let sd = try CLIRunner.run(["detect", audio], environment: ["EARSHOT_MODEL": ""])
        #expect(!sd.stderr.contains("fingerprint"), "\(sd.stderr)")
    }

    @Test func featuresOfTheFixtureAudio() throws {
        let r = try CLIRunner.run(["features", TestPaths.fixtures.appendingPathComponent("logmel_input.wav").path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("197 frames × 64 mels"))   // fixtures/README.md: 197 frames
        let j = try CLIRunner.run(["features", "--json", TestPaths.fixtures.appendingPathComponent("logmel_input.wav").path])
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        #expect(obj?["frames"] as? Int == 197)
        #expect(obj?["mels"] as? Int == 64)
    }
}
