import EarshotDSP
import Foundation
import Testing

/// `earshot calibrate` on "site recordings", run as an operator runs it: its thresholds give, through
/// `earshot detect`, exactly the event counts it reports, within the target rates.
@Suite struct CalibrateCLITests {
    /// `seconds` of quiet noise with loud decaying bursts of random levels every ~1.7 s.
    func site(_ dir: URL, _ name: String, seconds: Int, seed: UInt64) throws -> URL {
        var rng = SeededRNG(seed: seed)
        var x = (0..<(seconds * 16_000)).map { _ in 0.01 * Float(rng.uniform(-1, 1)) }
        for b in stride(from: 8_000, to: x.count - 8_000, by: 27_000) {
            let a = Float(rng.uniform(0.05, 0.9))
            for k in 0..<6_000 { x[b + k] += a * Float(rng.uniform(-1, 1)) * expf(-Float(k) / 900) }
        }
        let u = dir.appendingPathComponent(name)
        try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: u)
        return u
    }

    /// `earshot calibrate FOLDER` (earshotd's `recording.directory`) calibrates on the recordings in it: the
    /// same report as naming them.
    @Test func aFolderOfRecordingsCalibratesLikeItsFiles() throws {
        let dir = TestPaths.tempDir("cal-folder")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let rec = dir.appendingPathComponent("recordings")
        try FileManager.default.createDirectory(at: rec, withIntermediateDirectories: true)
        let files = [try site(rec, "site-a.wav", seconds: 20, seed: 3).path, try site(rec, "site-b.wav", seconds: 16, seed: 4).path]
        let args = ["calibrate", "--model", model.path, "--min-consecutive", "1", "--cooldown", "0", "--json"]
        let (byFolder, byFiles) = (try CLIRunner.run(args + [rec.path]), try CLIRunner.run(args + files))
        #expect(byFolder.status == 0 && byFiles.status == 0, "stderr: \(byFolder.stderr)")
        #expect(byFolder.stdout == byFiles.stdout && byFolder.stdout.contains("\"files\":2"), "\(byFolder.stdout)")
    }

    @Test func thresholdsGiveTheReportedEventsThroughDetect() throws {
        let dir = TestPaths.tempDir("cal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let files = [try site(dir, "a.wav", seconds: 30, seed: 1).path, try site(dir, "b.wav", seconds: 24, seed: 2).path]
        let hours = 54.0 / 3600
        // rates allowing 1, 3 and 8 events in 54 s of audio, and one that cannot be measured
        let rates = [1 / hours, 3 / hours, 8 / hours, 0.5 / hours]
        let args = ["calibrate", "--model", model.path, "--min-consecutive", "1", "--cooldown", "0", "--json"] + rates.flatMap { ["--rate", String($0)] }
        let r = try CLIRunner.run(args + files)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let recs = jsonLines(r.stdout)
        let summary = try #require(recs.first { $0["type"] as? String == "calibration" })
        #expect(abs((summary["hours"] as? Double ?? 0) - hours) < 1e-4 && summary["files"] as? Int == 2)
        let rows = r.stdout.split(separator: "\n").filter { $0.contains("\"type\":\"threshold\"") }
        #expect(rows.count == 4)
        var counts: [Int] = []
        for line in rows {
            let row = jsonLines(String(line))[0]
            let rate = row["false_alarms_per_hour"] as? Double ?? -1, events = row["events"] as? Int ?? -1
            // the threshold as printed: the shortest text that reads back as the same Float
            let th = try #require(line.range(of: #""threshold":[0-9.e-]+"#, options: .regularExpression).map { String(line[$0].dropFirst(12)) })
            #expect(Double(events) <= rate * hours + 1e-9, "rate \(rate): \(events) events")
            #expect((row["resolved"] as? Bool) == (rate * hours >= 1))
            // the most false alarms per hour the audio is consistent with (95 %, exact Poisson): above the count's
            // own rate; for no event, −ln(0.025) events per hour of audio
            let upper = try #require(row["false_alarms_per_hour_upper_95"] as? Double)
            #expect(upper > Double(events) / hours, "rate \(rate): \(events) events, upper bound \(upper)")
            if events == 0 { #expect(abs(upper - -log(0.025) / hours) < 1e-3 * upper, "no event: \(upper)") }
            let d = try CLIRunner.run(["detect", "--model", model.path, "--min-consecutive", "1", "--cooldown", "0", "--json",
                                       "--threshold", th] + files)
            let n = jsonLines(d.stdout).filter { $0["type"] as? String == "event" }.count
            #expect(n == events, "rate \(rate), threshold \(th): detect finds \(n), calibrate said \(events)")
            counts.append(events)
        }
        #expect(counts == counts.sorted() && counts.last! >= 3, "more events allowed at higher rates: \(counts)")
        // a missing file: an error record and exit 1, the others still calibrated
        let m = try CLIRunner.run(args + files + [dir.appendingPathComponent("missing.wav").path])
        #expect(m.status == 1 && m.stderr.contains("missing.wav"))
        #expect(jsonLines(m.stdout).contains { $0["type"] as? String == "error" } && jsonLines(m.stdout).filter { $0["type"] as? String == "threshold" }.count == 4)
        // human output: the config line to paste, and the note for a rate this audio cannot measure
        let h = try CLIRunner.run(["calibrate", "--model", model.path, "--rate", "1"] + files)
        #expect(h.status == 0 && h.stdout.contains("threshold: 0.") && h.stdout.contains("cannot measure 1 false alarm(s)/hour"), "\(h.stdout)")
        #expect(h.stdout.contains("at most, 95 %") && h.stdout.contains("h of audio bound its rate at \(String(format: "%.2f", -log(0.025) / hours)) false alarms/hour"), "\(h.stdout)")
        // this site's bursts need a stricter threshold than the model's own: the output points to adapting the model
        let j = jsonLines(try CLIRunner.run(["calibrate", "--model", model.path, "--rate", "1", "--json"] + files).stdout)
        let own = try #require(j.first { $0["type"] as? String == "calibration" }?["model_threshold"] as? Double)
        let needed = try #require(j.first { $0["type"] as? String == "threshold" }?["threshold"] as? Double)
        #expect(needed > own, "the fixture model fires on these bursts (\(needed) vs \(own)), or this check shows nothing")
        #expect(h.stdout.contains("`earshot-train adapt` can teach the model") == (needed > own), "\(h.stdout)")
        let two = try CLIRunner.run(["calibrate", "--model", model.path, "--rate", "1", "--rate", "10"] + files)
        #expect(two.stdout.contains("cannot measure 1, 10 false alarm(s)/hour (they need ≥ 1, 0.1 h)"), "\(two.stdout)")
        // a quiet stretch with no event at the model's own threshold is too short to justify a lower one:
        // no threshold to paste, the advice to keep the model's own
        let strictDir = dir.appendingPathComponent("strict")
        try FileManager.default.createDirectory(at: strictDir, withIntermediateDirectories: true)
        let strict = try FixtureModel.write(to: strictDir, threshold: 0.99)
        var rng = SeededRNG(seed: 9)
        let quiet = dir.appendingPathComponent("quiet.wav")
        try AudioFileWriter.writeWAV16((0..<(30 * 16_000)).map { _ in 0.0005 * Float(rng.uniform(-1, 1)) }, sampleRate: 16_000, to: quiet)
        let q = try CLIRunner.run(["calibrate", "--model", strict.path, "--rate", "1", quiet.path])
        let qj = jsonLines(try CLIRunner.run(["calibrate", "--model", strict.path, "--rate", "1", "--json", quiet.path]).stdout)
        let strictOwn = try #require(qj.first { $0["type"] as? String == "calibration" }?["model_threshold"] as? Double)
        let lowest = try #require(qj.first { $0["type"] as? String == "threshold" }?["threshold"] as? Double)
        #expect(lowest < strictOwn, "a quiet site's lowest silent threshold (\(lowest)) is below the model's own (\(strictOwn)), or this check shows nothing")
        #expect(q.status == 0 && !q.stdout.contains("to use it") && q.stdout.contains("keep the model's own threshold"), "\(q.stdout)")
    }

    /// A rate is checked as given: one that is not a finite number > 0 is a usage error that says so (inf is
    /// > 0), a negative number or --top gets its own message (not "Missing value"), and an absurdly large or
    /// small rate is calibrated and printed as a Double (it trapped converting it to an Int).
    @Test func ratesAreCheckedAsGiven() throws {
        let dir = TestPaths.tempDir("cal-rates")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let file = try site(dir, "a.wav", seconds: 4, seed: 5).path
        for (args, says) in [(["--rate", "inf"], "--rate inf: give the false alarms per hour as a finite number > 0"),
                             (["--rate", "nan"], "--rate nan: give the false alarms per hour as a finite number > 0"),
                             (["--rate", "1", "--rate", "-1"], "--rate -1.0: give the false alarms per hour as a finite number > 0"),
                             (["--top", "-1"], "--top must be ≥ 0 (got -1)"),
                             (["--hop", "-1"], "hop (--hop) = -1.0 is out of range"),
                             (["--jobs", "-3"], "--jobs must be ≥ 1 (got -3)")] {
            let r = try CLIRunner.run(["calibrate", "--model", model.path] + args + [file])
            #expect(r.status == 64 && r.stderr.contains(says) && !r.stderr.contains("Missing value"), "\(args): \(r.status) \(r.stderr)")
        }
        let huge = try CLIRunner.run(["calibrate", "--model", model.path, "--rate", "1e19", file])
        #expect(huge.status == 0 && huge.stdout.contains("\n1e+19 "), "\(huge.status) \(huge.stdout)\(huge.stderr)")
        let tiny = try CLIRunner.run(["calibrate", "--model", model.path, "--rate", "1e-19", file])
        #expect(tiny.status == 0 && tiny.stdout.contains("cannot measure 1e-19 false alarm(s)/hour (they need ≥ 1e+19 h)"), "\(tiny.status) \(tiny.stdout)\(tiny.stderr)")
    }

    /// An event at a recording's end is listed within the file, as earshot detect lists it: the windows over
    /// the padding streamed after the file once put its end up to 0.4 s past the file's.
    @Test func eventsEndWithinTheFile() throws {
        let dir = TestPaths.tempDir("cal-clip")
        defer { try? FileManager.default.removeItem(at: dir) }
        // threshold 0: every window is above it, so one event runs to the file's end and into the padding
        let model = try FixtureModel.write(to: dir, threshold: 0)
        let file = try site(dir, "a.wav", seconds: 3, seed: 6).path
        let cal = jsonLines(try CLIRunner.run(["calibrate", "--model", model.path, "--json", file]).stdout).filter { $0["type"] as? String == "event" }
        let det = jsonLines(try CLIRunner.run(["detect", "--model", model.path, "--threshold", "0", "--json", file]).stdout).filter { $0["type"] as? String == "event" }
        let end = try #require(cal.first?["end"] as? Double)
        #expect(cal.count == 1 && end <= 3 && end == det.first?["end"] as? Double, "calibrate \(cal), detect \(det)")
        let text = try CLIRunner.run(["calibrate", "--model", model.path, file]).stdout
        #expect(text.contains("–3.00 s  score"), "\(text)")
    }
}
