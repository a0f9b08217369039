import EarshotDSP
import Foundation
import Testing

/// `earshot detect`, run as the operator runs it: the built binary in a subprocess.
@Suite struct DetectCLITests {
    func wav(_ dir: URL, _ name: String, seconds: Double) throws -> URL {
        var x = [Float](repeating: 0, count: Int(seconds * 16_000))
        for i in x.indices { x[i] = 0.01 * sinf(Float(i) * 0.3) }
        for i in 16_000..<20_000 { x[i] += 0.7 * sinf(Float(i) * 1.7) * expf(-Float(i - 16_000) / 900) }
        let u = dir.appendingPathComponent(name)
        try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: u)
        return u
    }

    @Test func jsonRecordsForAGoodFileAndAMissingOne() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let good = try wav(dir, "good.wav", seconds: 4)
        let missing = dir.appendingPathComponent("missing.wav").path
        // threshold 0: every window is above, so exactly one event spanning the file
        let r = try CLIRunner.run(["detect", "--model", model.path, "--threshold", "0", "--json", missing, good.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("missing.wav"))
        let out = r.stdout.split(separator: "\n").map(String.init)
        #expect(out.count == 3, "stdout: \(r.stdout)")
        guard out.count == 3 else { return }
        #expect(out[0].hasPrefix("{\"type\":\"error\",\"file\":\"\(missing)\",\"error\":\""))
        #expect(out[1].range(of: #"^\{"type":"event","file":"[^"]+good\.wav","start":[0-9.]+,"end":[0-9.]+,"score":[0-9.]+\}$"#, options: .regularExpression) != nil, "\(out[1])")
        #expect(out[2].range(of: #"^\{"type":"file","file":"[^"]+good\.wav","duration":4\.000,"max_score":[0-9.]+,"events":1,"heard":0\}$"#, options: .regularExpression) != nil, "\(out[2])")
        let recs = jsonLines(r.stdout)
        let ev = recs[1]
        let start = ev["start"] as? Double ?? -1, end = ev["end"] as? Double ?? -1
        #expect(start >= 0 && start < 1 && end > 3 && end <= 4)
        let maxScore = recs[2]["max_score"] as? Double ?? -1
        #expect(maxScore >= 0 && maxScore <= 1)
        #expect(abs((ev["score"] as? Double ?? -1) - maxScore) < 1e-9)
    }

    /// A folder (earshotd's recordings, a day of clips) stands for the audio files in it, by name; other
    /// files and hidden ones are left out; a folder without audio is an error naming it, and the rest still runs.
    @Test func aFolderIsTheAudioFilesInIt() throws {
        let dir = TestPaths.tempDir("cli-folder")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let rec = dir.appendingPathComponent("recordings"), empty = dir.appendingPathComponent("empty")
        for d in [rec, empty] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        _ = try wav(rec, "site-2.wav", seconds: 2)
        _ = try wav(rec, "site-1.wav", seconds: 3)
        _ = try wav(rec, ".site-0.wav", seconds: 2)
        try Data("notes".utf8).write(to: rec.appendingPathComponent("README.txt"))
        try FileManager.default.createDirectory(at: rec.appendingPathComponent("old.wav"), withIntermediateDirectories: true)
        let r = try CLIRunner.run(["detect", "--model", model.path, "--json", rec.path, empty.path])
        let files = jsonLines(r.stdout).filter { $0["type"] as? String == "file" }
        #expect(files.map { $0["file"] as? String ?? "" } == [rec.path + "/site-1.wav", rec.path + "/site-2.wav"], "stdout: \(r.stdout)")
        #expect(files.map { $0["duration"] as? Double ?? 0 } == [3, 2])
        #expect(r.status != 0 && r.stderr.contains(empty.path) && r.stderr.contains("a folder with no audio file"), "stderr: \(r.stderr)")
    }

    /// A file name that is not UTF-8 (a Latin-1 "café.wav" copied from an old recorder; CLI QA 8 of session 48),
    /// which Foundation cannot hold: in a folder it was left out without a word, and named on the command line it
    /// was "no such file". Both are read now; the folder's is shown with its byte escaped, the argument as given.
    @Test func aFileNameThatIsNotUTF8IsRead() throws {
        let dir = TestPaths.tempDir("cli-latin1")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let rec = dir.appendingPathComponent("rec")
        try FileManager.default.createDirectory(at: rec, withIntermediateDirectories: true)
        _ = try wav(rec, "plain.wav", seconds: 2)
        let utf8 = try wav(rec, "latin1.wav", seconds: 3)
        let latin1 = Array((rec.path + "/caf").utf8CString.dropLast()) + [CChar(bitPattern: 0xE9)] + Array(".wav".utf8CString)
        #expect(rename(utf8.path, latin1) == 0, "rename: \(String(cString: strerror(errno)))")
        let folder = try CLIRunner.run(["detect", "--model", model.path, "--json", rec.path])
        let files = jsonLines(folder.stdout).filter { $0["type"] as? String == "file" }
        #expect(folder.status == 0, "stderr: \(folder.stderr)")
        #expect(files.map { $0["file"] as? String ?? "" } == [rec.path + "/caf\\xE9.wav", rec.path + "/plain.wav"], "stdout: \(folder.stdout)")
        #expect(files.map { $0["duration"] as? Double ?? 0 } == [3, 2])
        // the name's own bytes as an argument (Foundation's Process cannot pass them; the shell's printf can)
        let exe = try #require(CLIRunner.binary)
        let named = try Operator.run("/bin/sh", ["-c", #"exec "$0" detect --model "$1" --json "$2/caf$(printf '\351').wav""#, exe.path, model.path, rec.path])
        let record = jsonLines(named.output).first { $0["type"] as? String == "file" }
        #expect(named.status == 0, "\(named.output)")
        #expect(record?["file"] as? String == rec.path + "/caf\u{FFFD}.wav" && record?["duration"] as? Double == 3, "\(named.output)")
        // an option's value, as --flag=VALUE too: the model, renamed to "m\xE9.safetensors"
        let latin1Model = (Array((dir.path + "/m").utf8) + [0xE9] + Array(".safetensors".utf8) + [0]).map { CChar(bitPattern: $0) }
        #expect(rename(model.path, latin1Model) == 0)
        let option = try Operator.run("/bin/sh", ["-c", #"exec "$0" detect --json "--model=$1/m$(printf '\351').safetensors" "$2/plain.wav""#, exe.path, dir.path, rec.path])
        #expect(option.status == 0 && jsonLines(option.output).contains { $0["type"] as? String == "file" && $0["duration"] as? Double == 2 }, "\(option.output)")
        // any command that reads one file by name: features
        let features = try Operator.run("/bin/sh", ["-c", #"exec "$0" features "$1/caf$(printf '\351').wav""#, exe.path, rec.path])
        #expect(features.status == 0 && features.output.contains("16000 Hz × 1 → 16000 Hz mono, 3.00 s"), "\(features.output)")
    }

    @Test func allGoodFilesExitZeroAndHumanOutputNamesTheFile() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let a = try wav(dir, "a.wav", seconds: 2)
        let r = try CLIRunner.run(["detect", "--model", model.path, "--threshold", "0", a.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("a.wav"))
        #expect(r.stdout.contains("1 event"))
        let none = try CLIRunner.run(["detect", "--model", model.path, "--threshold", "1", "--json", a.path])
        #expect(none.status == 0)
        #expect(jsonLines(none.stdout).count == 1)
        #expect(jsonLines(none.stdout).first?["events"] as? Int == 0)
        // --trace: one stderr line per window; 2 s and 0.4 s of floor noise on each side (see FileAnalyzer) →
        // 1 + (44800 − 512) / 160 = 277 frames → (277 − 96) / 10 + 1 = 19 windows, centred 0.091 … 1.891 s
        let t = try CLIRunner.run(["detect", "--model", model.path, "--trace", "--json", a.path])
        let traced = t.stderr.split(separator: "\n").filter { $0.hasPrefix(a.path + " ") }
        #expect(traced.count == 19, "stderr: \(t.stderr)")
        let centres = traced.compactMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } }
        #expect(centres.first.map { abs($0 - 0.091) < 1e-3 } == true && centres.last.map { abs($0 - 1.891) < 1e-3 } == true, "\(centres)")
        #expect(jsonLines(t.stdout).filter { $0["type"] as? String == "file" }.count == 1)
    }

    @Test func badOptionsAndBadModelFailClearly() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let a = try wav(dir, "a.wav", seconds: 2)
        let r = try CLIRunner.run(["detect", "--model", model.path, "--threshold", "3", a.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("threshold"))
        let notModel = dir.appendingPathComponent("not-a-model.safetensors")
        _ = FileManager.default.createFile(atPath: notModel.path, contents: Data("garbage".utf8))
        let m = try CLIRunner.run(["detect", "--model", notModel.path, a.path])
        #expect(m.status != 0)
        #expect(m.stderr.contains("not-a-model.safetensors"))
        let nothing = try CLIRunner.run(["detect", a.path], environment: ["EARSHOT_MODEL": "/nonexistent/m.safetensors"])
        // either the shipped model is found further down the search path, or the error lists the paths tried
        if nothing.status != 0 { #expect(nothing.stderr.contains("--model FILE")) }
    }

    /// Several files analysed in parallel print exactly what one worker prints, in the order given (an
    /// unreadable file in the middle included), and a bad --jobs is refused.
    @Test func parallelJobsKeepTheOrderAndTheResults() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        var files = try (0..<5).map { try wav(dir, "f\($0).wav", seconds: Double(2 + 3 * ($0 % 3))).path }
        files.insert(dir.appendingPathComponent("missing.wav").path, at: 2)
        let one = try CLIRunner.run(["detect", "--model", model.path, "--threshold", "0.5", "--json", "--jobs", "1"] + files)
        let two = try CLIRunner.run(["detect", "--model", model.path, "--threshold", "0.5", "--json", "--jobs", "2"] + files)
        #expect(one.status == 1 && two.status == 1)
        #expect(two.stdout == one.stdout)
        let order = jsonLines(two.stdout).filter { $0["type"] as? String != "event" }.compactMap { $0["file"] as? String }
        #expect(order == files)
        let bad = try CLIRunner.run(["detect", "--model", model.path, "--jobs", "0", files[0]])
        #expect(bad.status != 0 && bad.stderr.contains("--jobs"))
    }

    /// A number is checked as the operator typed it: a negative one gets the option's own range message (not
    /// ArgumentParser's "Missing value", which it gave when it took "-1" for an option), a false-alarm rate that
    /// is not a finite number > 0 is a usage error, and a huge one the normal "no threshold calibrated" error
    /// (it trapped converting the rate to an Int). A --jobs beyond the cores runs one thread per core, and says so.
    @Test func numbersAreCheckedAsGiven() throws {
        let dir = TestPaths.tempDir("cli-numbers")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let file = try wav(dir, "f.wav", seconds: 2).path
        let ranges: [([String], String)] = [
            (["--threshold", "-1"], "threshold (--threshold) = -1.0 is out of range; use a value in 0…1"),
            (["--hop", "-1"], "hop (--hop) = -1.0 is out of range"),
            (["--min-consecutive", "-1"], "min_consecutive (--min-consecutive) = -1 is out of range"),
            (["--max-dips", "-1"], "max_dips (--max-dips) = -1 is out of range"),
            (["--cooldown", "-1"], "cooldown (--cooldown) = -1.0 is out of range"),
            (["--jobs", "-3"], "--jobs must be ≥ 1 (got -3)"),
            (["--false-alarms-per-hour", "-1"], "--false-alarms-per-hour -1.0: give a finite number > 0"),
            (["--false-alarms-per-hour", "inf"], "--false-alarms-per-hour inf: give a finite number > 0"),
            (["--false-alarms-per-hour", "nan"], "--false-alarms-per-hour nan: give a finite number > 0"),
        ]
        for (args, says) in ranges {
            let r = try CLIRunner.run(["detect", "--model", model.path] + args + [file])
            #expect(r.status == 64 && r.stderr.contains(says) && !r.stderr.contains("Missing value"), "\(args): \(r.status) \(r.stderr)")
        }
        for rate in ["1e19", "9.3e18", "1e300"] {
            let r = try CLIRunner.run(["detect", "--model", model.path, "--false-alarms-per-hour", rate, file])
            #expect(r.status == 1 && r.stderr.contains("no threshold calibrated for \(rate.replacingOccurrences(of: "e", with: "e+")) false alarm(s)/hour"), "\(rate): \(r.status) \(r.stderr)")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let many = try CLIRunner.run(["detect", "--model", model.path, "--threshold", "0.5", "--json", "--jobs", "10000", file])
        let one = try CLIRunner.run(["detect", "--model", model.path, "--threshold", "0.5", "--json", "--jobs", "1", file])
        #expect(many.status == 0 && many.stdout == one.stdout, "\(many.stderr)")
        #expect(many.stderr.contains("--jobs 10000 is more than the \(cores) CPU core\(cores == 1 ? "" : "s") here: running \(cores) thread"), "\(many.stderr)")
        #expect(!one.stderr.contains("--jobs"), "\(one.stderr)")
    }

    /// One long recording and two threads: its windows are split between two detectors, and the output —
    /// events, file record and every window's score in --trace — is byte for byte one thread's.
    @Test func oneLongFileOnTwoThreadsPrintsWhatOneThreadPrints() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        var x = [Float](repeating: 0, count: 40 * 16_000)
        var rng = SeededRNG(seed: 5)
        for i in x.indices { x[i] = 0.01 * Float(rng.uniform(-1, 1)) }
        for b in stride(from: 16_000, to: x.count - 8_000, by: 41_000) {
            for k in 0..<6_000 { x[b + k] += 0.7 * Float(rng.uniform(-1, 1)) * expf(-Float(k) / 900) }
        }
        let url = dir.appendingPathComponent("long.wav")
        try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: url)
        let base = ["detect", "--model", model.path, "--trace"]
        let t1 = try CLIRunner.run(base + ["--jobs", "1", url.path]), t2 = try CLIRunner.run(base + ["--jobs", "2", url.path])
        #expect(t1.status == 0 && t2.status == 0)
        #expect(t2.stderr == t1.stderr && t2.stdout == t1.stdout)
        // a threshold in the widest gap of the upper scores, so there are events to compare
        let scores = t1.stderr.split(separator: "\n").compactMap { Float($0.split(separator: " ").last ?? "") }.sorted()
        #expect(scores.count > 300, "\(scores.count) trace lines")
        guard scores.count > 300 else { return }
        let upper = scores[(scores.count / 2)...]
        let gap = zip(upper, upper.dropFirst()).max { ($0.1 - $0.0) < ($1.1 - $1.0) }!
        let th = String(format: "%.6f", (gap.0 + gap.1) / 2)
        let args = ["detect", "--model", model.path, "--threshold", th, "--min-consecutive", "1", "--cooldown", "1", "--json"]
        let one = try CLIRunner.run(args + ["--jobs", "1", url.path]), two = try CLIRunner.run(args + ["--jobs", "2", url.path])
        #expect(one.status == 0 && two.status == 0)
        #expect(two.stdout == one.stdout)
        #expect(jsonLines(one.stdout).filter { $0["type"] as? String == "event" }.count >= 2, "\(one.stdout)")

        // A 10 s cooldown holds events back: listed as "heard" (earshotd journals them, pages nobody), in time
        // order among the events, on one core as on two; events and heard ones together start where the
        // events of no cooldown do. (A threshold a fifth of the windows reach: events every few seconds.)
        let often = String(format: "%.6f", scores[scores.count * 4 / 5])
        func run(cooldown: String, jobs: String) throws -> String {
            let r = try CLIRunner.run(["detect", "--model", model.path, "--threshold", often, "--min-consecutive", "1", "--cooldown", cooldown, "--json", "--jobs", jobs, url.path])
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout
        }
        let heldOut = try run(cooldown: "10", jobs: "1"), held2 = try run(cooldown: "10", jobs: "2")
        let held = jsonLines(heldOut), free = jsonLines(try run(cooldown: "0", jobs: "1"))
        func starts(_ recs: [[String: Any]], _ types: Set<String>) -> [Double] { recs.filter { types.contains($0["type"] as? String ?? "") }.compactMap { $0["start"] as? Double } }
        let heard = starts(held, ["heard"])
        #expect(!heard.isEmpty && starts(held, ["event"]).count < starts(free, ["event"]).count, "\(held)")
        let all = starts(held, ["event", "heard"])
        #expect(all == all.sorted(), "in time order: \(all)")
        #expect(starts(free, ["event"]).allSatisfy { f in all.contains { abs($0 - f) <= 1 } },
                "every event of no cooldown is an event or heard with one: \(all) vs \(starts(free, ["event"]))")
        let ends = held.filter { $0["type"] as? String == "event" }.compactMap { $0["end"] as? Double }
        #expect(heard.allSatisfy { h in ends.contains { $0 <= h && h < $0 + 10 } }, "each heard one falls in an event's cooldown")
        #expect(held.last?["heard"] as? Int == heard.count && free.last?["heard"] as? Int == 0)
        #expect(held2 == heldOut, "--jobs 2 replays the same decisions")
    }

    /// A file that peaks below −30 dBFS gets a warning naming it, its level and the remedy; `--normalize`
    /// analyses it amplified (the summary says by how much) and drops the warning; a loud file gets none.
    @Test func quietFileIsWarnedAboutAndNormalizeAmplifiesIt() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let loud = try wav(dir, "loud.wav", seconds: 2)   // peaks ≈ −3 dBFS
        let x = (0..<32_000).map { i in 0.01 * sinf(Float(i) * 0.3) }   // −40 dBFS
        let quiet = dir.appendingPathComponent("quiet.wav")
        try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: quiet)
        let silent = dir.appendingPathComponent("silent.wav")
        try AudioFileWriter.writeWAV16([Float](repeating: 0, count: 16_000), sampleRate: 16_000, to: silent)

        let r = try CLIRunner.run(["detect", "--model", model.path, "--json", loud.path, quiet.path, silent.path])
        #expect(r.status == 0, "a quiet file is a warning, not an error: \(r.stderr)")
        let warnings = r.stderr.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings.count == 2, "stderr: \(r.stderr)")
        #expect(warnings.contains { $0.contains("quiet.wav") && $0.contains("-40.0 dBFS") && $0.contains("--normalize") })
        #expect(warnings.contains { $0.contains("silent.wav") && $0.contains("digital silence") })
        #expect(!r.stderr.contains("loud.wav"))
        #expect(jsonLines(r.stdout).filter { $0["type"] as? String == "file" }.count == 3, "records unchanged: \(r.stdout)")

        let plain = try CLIRunner.run(["detect", "--model", model.path, quiet.path])
        #expect(plain.stdout.contains("peak -40.0 dBFS") && !plain.stdout.contains("amplified"), "\(plain.stdout)")
        let n = try CLIRunner.run(["detect", "--model", model.path, "--normalize", quiet.path, loud.path])
        #expect(n.status == 0 && !n.stderr.contains("warning"), "stderr: \(n.stderr)")
        let lines = n.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("quiet.wav") && $0.contains("peak -40.0 dBFS, amplified by 39.0 dB") }, "\(n.stdout)")
        #expect(lines.contains { $0.contains("loud.wav") && !$0.contains("amplified") }, "\(n.stdout)")
        let scores = [plain.stdout, n.stdout].map { out in
            guard let line = out.split(separator: "\n").first(where: { $0.contains("quiet.wav:") }),
                  let range = line.range(of: #"max score [0-9.]+"#, options: .regularExpression) else { return "" }
            return String(line[range])
        }
        #expect(scores[0] != scores[1], "the amplified file scores differently: \(scores)")
    }

    /// A float file above full scale (peak +12 dBFS) gets a warning naming it, its level and the remedy;
    /// `--normalize` brings it down to −1 dBFS (the summary says by how much) and drops the warning;
    /// `earshot calibrate` warns too, with the remedy it has (re-export).
    @Test func fileAboveFullScaleIsWarnedAboutAndNormalizeAttenuatesIt() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let x = (0..<32_000).map { i in 3.98 * sinf(Float(i) * 0.3) }   // +12.0 dBFS
        let hot = dir.appendingPathComponent("hot.wav")
        try AudioFileWriter.write(x, channels: 1, sampleRate: 16_000, format: .wavFloat, to: hot)
        let r = try CLIRunner.run(["detect", "--model", model.path, hot.path])
        #expect(r.status == 0, "a warning, not an error: \(r.stderr)")
        #expect(r.stderr.contains("warning: \(hot.path): its loudest sample is +12.0 dBFS, above full scale") && r.stderr.contains("--normalize"), "\(r.stderr)")
        #expect(r.stdout.contains("peak 12.0 dBFS") && !r.stdout.contains("attenuated"), "\(r.stdout)")
        let n = try CLIRunner.run(["detect", "--model", model.path, "--normalize", hot.path])
        #expect(n.status == 0 && !n.stderr.contains("warning"), "stderr: \(n.stderr)")
        #expect(n.stdout.contains("peak 12.0 dBFS, attenuated by 13.0 dB"), "\(n.stdout)")
        func maxScore(_ out: String) -> String? { out.range(of: #"max score [0-9.]+"#, options: .regularExpression).map { String(out[$0]) } }
        #expect(maxScore(r.stdout) != nil && maxScore(r.stdout) != maxScore(n.stdout), "the attenuated file scores differently: \(r.stdout) \(n.stdout)")
        let cal = try CLIRunner.run(["calibrate", "--model", model.path, hot.path])
        #expect(cal.stderr.contains("+12.0 dBFS, above full scale") && cal.stderr.contains("Re-export it"), "\(cal.stderr)")
    }

    /// A recording that clips (a burst driven far past full scale, 16-bit) gets a warning naming it, the
    /// number of clipped samples and the remedy, from `detect` and `calibrate`; the same burst within full
    /// scale gets none.
    @Test func clippedRecordingIsWarnedAbout() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        func file(_ name: String, drive: Float, rate: Int = 16_000) throws -> URL {
            // 2 s of quiet noise-like tone with a 0.1 s decaying burst at 1 s, driven by `drive` and clamped
            let k = Float(16_000) / Float(rate)
            let x = (0..<(2 * rate)).map { i -> Float in
                let t = Float(i - rate) / Float(rate)
                let burst = t >= 0 && t < 0.1 ? 0.5 * expf(-t / 0.02) * sinf(Float(i) * 1.3 * k) : 0
                return max(-1, min(1, drive * burst + 0.001 * sinf(Float(i) * 0.07 * k)))
            }
            let url = dir.appendingPathComponent(name)
            try AudioFileWriter.write(x, channels: 1, sampleRate: rate, format: .wavPCM16, to: url)
            return url
        }
        let hot = try file("clipped.wav", drive: 100), fine = try file("fine.wav", drive: 1)
        let r = try CLIRunner.run(["detect", "--model", model.path, hot.path, fine.path])
        #expect(r.status == 0, "a warning, not an error: \(r.stderr)")
        let line = r.stderr.split(separator: "\n").first { $0.contains("the recording clips") }.map(String.init) ?? ""
        #expect(line.contains("warning: \(hot.path): the recording clips: ") && line.contains("samples at full scale") && line.contains("less input gain"), "\(r.stderr)")
        let n = Int(line.split(separator: " ").drop { !$0.hasSuffix("clips:") }.dropFirst().first ?? "") ?? 0
        #expect(n > 100 && n < 1_600, "clipped samples: \(n)")
        #expect(!r.stderr.contains("\(fine.path): the recording clips"), "\(r.stderr)")
        let cal = try CLIRunner.run(["calibrate", "--model", model.path, hot.path])
        #expect(cal.stderr.contains("\(hot.path): the recording clips"), "\(cal.stderr)")

        // The same at 48 kHz: libsoxr's 16 kHz signal ripples past the clipped 16-bit file's full scale, which is
        // no float file above full scale — the file's own peak is what counts (it was taken after resampling: the
        // warning was "above full scale (a float file …)", with no word of the clipping)
        let hot48 = try file("clipped48.wav", drive: 100, rate: 48_000)
        let r48 = try CLIRunner.run(["detect", "--model", model.path, hot48.path])
        #expect(r48.status == 0 && r48.stderr.contains("warning: \(hot48.path): the recording clips: ") && !r48.stderr.contains("above full scale"), "\(r48.stderr)")
        #expect(r48.stdout.contains("peak 0.0 dBFS") || r48.stdout.contains("peak -0.0 dBFS"), "the file's own peak: \(r48.stdout)")
        let n48 = try CLIRunner.run(["detect", "--model", model.path, "--normalize", hot48.path])
        #expect(!n48.stdout.contains("attenuated"), "within full scale, so --normalize leaves it: \(n48.stdout)")
    }

    /// A file recorded below the model's 16 kHz (here 8 kHz) is analysed, resampled, with a warning naming it,
    /// its rate, the missing band and the remedy; the same sound at 16 kHz and at 44.1 kHz gets none.
    @Test func lowSampleRateIsWarnedAbout() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        func file(_ name: String, rate: Int) throws -> URL {
            let x = (0..<(2 * rate)).map { i in 0.2 * sinf(2 * Float.pi * 440 * Float(i) / Float(rate)) }
            let url = dir.appendingPathComponent(name)
            try AudioFileWriter.write(x, channels: 1, sampleRate: rate, format: .wavPCM16, to: url)
            return url
        }
        let low = try file("phone.wav", rate: 8_000), same = try file("mic.wav", rate: 16_000), high = try file("cd.wav", rate: 44_100)
        let r = try CLIRunner.run(["detect", "--model", model.path, low.path, same.path, high.path])
        #expect(r.status == 0, "a warning, not an error: \(r.stderr)")
        let warnings = r.stderr.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings.count == 1 && warnings[0].contains("warning: \(low.path): recorded at 8000 Hz, below the model's 16000 Hz")
                && warnings[0].contains("no sound above 4000 Hz") && warnings[0].contains("record at 16000 Hz or more"), "\(r.stderr)")
        #expect(r.stdout.contains("phone.wav") && r.stdout.contains("cd.wav"), "all three analysed: \(r.stdout)")
    }

    /// A damaged float file (NaN and ∞ samples) is analysed with those samples as silence, with a warning
    /// that names it; its records are the usual ones and the exit status 0.
    @Test func damagedFloatFileIsAnalysedWithAWarning() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        var x = (0..<32_000).map { i in 0.3 * sinf(Float(i) * 0.3) }
        x[16_000] = .nan; x[24_000] = .infinity
        let bad = dir.appendingPathComponent("damaged.wav")
        try AudioFileWriter.write(x, channels: 1, sampleRate: 16_000, format: .wavFloat, to: bad)
        let r = try CLIRunner.run(["detect", "--model", model.path, "--json", bad.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("warning: \(bad.path): 2 samples are NaN, infinite or beyond ±1e10 (the first at 1.000 s); analysed as silence"), "\(r.stderr)")
        let rec = jsonLines(r.stdout).filter { $0["type"] as? String == "file" }
        #expect(rec.count == 1 && !r.stdout.contains("\"error\""), "\(r.stdout)")
        let score = rec.first?["max_score"] as? Double ?? -1
        #expect(score > 0 && score < 1, "every window scored: \(score)")
        let cal = try CLIRunner.run(["calibrate", "--model", model.path, bad.path])
        #expect(cal.stderr.contains("2 samples are NaN, infinite or beyond ±1e10"), "\(cal.stderr)")
    }

    /// On a terminal (a pseudo-terminal from util-linux `script`), a progress bar over the files' audio is
    /// drawn on stderr and lifted off the line before each result; off a terminal nothing is drawn.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux script"))
    func progressBarOnlyOnATerminal() throws {
        let dir = TestPaths.tempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let a = try wav(dir, "a.wav", seconds: 4), b = try wav(dir, "b.wav", seconds: 2)
        let plain = try CLIRunner.run(["detect", "--model", model.path, a.path, b.path])
        #expect(plain.status == 0 && !plain.stderr.contains("earshot detect:") && !plain.stderr.contains("\r"), "\(plain.stderr)")

        let exe = try #require(CLIRunner.binary)
        /// `earshot ARGS` with stdout and stderr on a pseudo-terminal; what the terminal was sent.
        func underTerminal(_ args: String) throws -> (status: Int32, output: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            p.arguments = ["-qec", "\(exe.path) \(args)", "/dev/null"]
            let out = Pipe()
            p.standardOutput = out
            p.standardInput = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }
        let (status, tty) = try underTerminal("detect --model \(model.path) \(a.path) \(b.path)")
        #expect(status == 0, "\(tty)")
        #expect(tty.contains("earshot detect: 2 files, seconds of audio") && tty.contains("100% 6/6"), "\(tty)")
        // what a terminal shows of each line is what follows its last carriage return: every result line must
        // show only the result — the bar cleared off it ("ESC[K"), never glued in front of it
        // (split on unicode scalars: a pty ends lines with "\r\n", which Swift's String treats as one Character)
        let shown = tty.unicodeScalars.split(separator: "\n").map { line in
            line.split(separator: "\r").last.map { String(String.UnicodeScalarView($0)) } ?? ""
        }
        let results = shown.filter { $0.contains(".wav") }
        #expect(results.count >= 2, "\(tty.debugDescription)")
        for line in results {
            let l = line.hasPrefix("\u{1B}[K") ? String(line.dropFirst(3)) : line
            #expect(l.hasPrefix(dir.path), "a result line with something before it: \(line.debugDescription)")
        }
        #expect(tty.contains("\r\u{1B}[K\(a.path)"), "the bar is cleared before the first result: \(tty.debugDescription)")
        let cal = try underTerminal("calibrate --model \(model.path) \(a.path)")
        #expect(cal.output.contains("earshot calibrate: 1 file, seconds of audio") && cal.output.contains("100% 4/4"), "\(cal.output)")
        #expect(cal.output.contains("\r\u{1B}[K"), "the bar is cleared before the report: \(cal.output.debugDescription)")
    }

    @Test func helpShowsAnExample() throws {
        for cmd in ["detect", "calibrate", "model-info", "features"] {
            let r = try CLIRunner.run([cmd, "--help"])
            #expect(r.status == 0)
            #expect(r.stdout.contains("Example"), "\(cmd) --help")
            #expect(r.stdout.contains("earshot \(cmd)"), "\(cmd) --help")
        }
    }
}
