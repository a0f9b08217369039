import EarshotDSP
import Foundation
import Testing

/// `earshot calibrate --scores` on the score log of a real earshotd run (ALSA file plugin), as an operator runs
/// it: the events it counts at the model's threshold are the alerts earshotd raised; the rule is the one
/// earshotd ran; another model's log, another hop and damaged files are refused with what to do.
@Suite(.serialized) struct CalibrateScoresCLITests {
    @Test func calibratesFromTheDaemonsScoreLog() throws {
        let dir = TestPaths.tempDir("cal-scores")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = try CalibrateCLITests().site(dir, "site.wav", seconds: 150, seed: 5)
        // the fixture model with its own threshold where the recording has a few events (10 in 150 s = 240 per hour)
        let first = try FixtureModel.write(to: dir)
        let t = try #require(jsonLines(try CLIRunner.run(["calibrate", "--model", first.path, "--rate", "240", "--json", wav.path]).stdout)
            .first { $0["type"] as? String == "threshold" }?["threshold"] as? Double)
        let modelDir = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: modelDir, withIntermediateDirectories: true)
        let model = try FixtureModel.write(to: modelDir, threshold: Float(t))
        let raw = dir.appendingPathComponent("site.raw")
        let samples = try AudioFile.read(wav, sampleRate: 16_000).samples
        try AudioFileWriter.writeRawS16LE(samples, to: raw)
        let asound = dir.appendingPathComponent("asound.conf")
        try "pcm.!default {\n type file\n slave.pcm { type null }\n file \"/dev/null\"\n infile \"\(raw.path)\"\n format \"raw\"\n}\n".write(to: asound, atomically: true, encoding: .utf8)
        /// Runs earshotd over the recording with `extra` config lines, its log in `log`; returns its config and alerts.
        func daemon(log: URL, extra: String = "") throws -> (config: URL, alerts: Int) {
            let prom = dir.appendingPathComponent("\(log.lastPathComponent).prom"), cfg = dir.appendingPathComponent("\(log.lastPathComponent).yaml")
            try "model: \(model.path)\nclips:\n  enabled: false\nmetrics:\n  path: \(prom.path)\nscores:\n  directory: \(log.path)\n\(extra)".write(to: cfg, atomically: true, encoding: .utf8)
            let d = try CLIRunner.run(["--config", cfg.path, "--max-frames", String(samples.count), "--exit-at-end"],
                                      environment: ["ALSA_CONFIG_PATH": asound.path, "OPENBLAS_NUM_THREADS": "1"], product: "earshotd")
            #expect(d.status == 0, "earshotd: \(d.stderr)")
            let n = try #require(try String(contentsOf: prom, encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("earshot_events_total ") }.flatMap { Int($0.split(separator: " ")[1]) })
            return (cfg, n)
        }
        let logDir = dir.appendingPathComponent("scores")
        let (cfg, alerts) = try daemon(log: logDir)

        // with no path and no model: earshotd's config names both
        let byConfig = try CLIRunner.run(["calibrate", "--scores", "--config", cfg.path, "--json"])
        let explicit = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, "--json", logDir.path])
        #expect(byConfig.status == 0 && byConfig.stdout == explicit.stdout && byConfig.stdout.contains("\"type\":\"calibration\""), "\(byConfig.stderr)")
        let audioNoFiles = try CLIRunner.run(["calibrate", "--model", model.path])
        #expect(audioNoFiles.status != 0 && audioNoFiles.stderr.contains("or calibrate from earshotd's score log with --scores"), "\(audioNoFiles.stderr)")

        // model-info names the fingerprint the log's header carries
        let info = try CLIRunner.run(["model-info", model.path]).stdout
        let fp = try #require(info.range(of: #"fingerprint [0-9a-f]{16}"#, options: .regularExpression).map { String(info[$0].dropFirst(12)) })
        let logFile = try #require(try FileManager.default.contentsOfDirectory(atPath: logDir.path).first { $0.hasSuffix(".esl") })
        let header = String(decoding: try Data(contentsOf: logDir.appendingPathComponent(logFile)).prefix(1_000), as: UTF8.self)
        #expect(header.hasPrefix("ESCORLOG") && header.contains("\"model_fingerprint\":\"\(fp)\""), "\(header)")

        let r = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, "--json", logDir.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let recs = jsonLines(r.stdout)
        let summary = try #require(recs.first { $0["type"] as? String == "calibration" })
        #expect(summary["files"] as? Int == 1 && abs((summary["hours"] as? Double ?? 0) - 149.0 / 3600) < 1.5 / 3600, "\(summary)")
        #expect(summary["model_threshold_events"] as? Int == alerts && alerts >= 2, "the log counts \(summary), earshotd alerted \(alerts)")
        #expect(summary["muted_hours"] as? Double == 0 && summary["muted_counted"] as? Bool == false, "nothing was muted: \(summary)")
        #expect(summary["running_threshold_events"] as? Int == alerts, "earshotd ran at the model's own threshold: \(summary)")
        let mutedAudio = try CLIRunner.run(["calibrate", "--include-muted", wav.path])
        #expect(mutedAudio.status != 0 && mutedAudio.stderr.contains("--include-muted is for score logs"), "\(mutedAudio.stderr)")
        #expect(recs.filter { $0["type"] as? String == "threshold" }.count == 4)
        let events = recs.filter { $0["type"] as? String == "event" }
        let utc = ISO8601DateFormatter(); utc.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        #expect(events.count == min(10, alerts) && events.allSatisfy {
            ($0["file"] as? String)?.hasSuffix(".esl") == true && ($0["utc"] as? String).flatMap(utc.date(from:)).map { abs($0.timeIntervalSinceNow) < 600 } == true
        }, "\(events)")

        // the loudest event left out (a test firing, say): the events within 30 s of it go, those before the span
        // stay (after it, the left-out events' cooldown no longer holds, so events there may move), and up to a
        // minute of windows goes
        let loudest = try #require(events.first?["utc"] as? String)
        let at = try #require(utc.date(from: loudest))
        func listed(_ extra: [String]) throws -> (hours: Double, times: [Date]) {
            let j = jsonLines(try CLIRunner.run(["calibrate", "--scores", "--model", model.path, "--top", "1000", "--json"] + extra + [logDir.path]).stdout)
            let h = try #require(j.first { $0["type"] as? String == "calibration" }?["hours"] as? Double)
            return (h, j.filter { $0["type"] as? String == "event" }.compactMap { ($0["utc"] as? String).flatMap(utc.date(from:)) })
        }
        let (allHours, allTimes) = try listed([])
        let (exHours, exTimes) = try listed(["--exclude", loudest])
        #expect(!exTimes.contains { abs($0.timeIntervalSince(at)) < 29 }, "\(exTimes) around \(at)")
        let before = allTimes.filter { $0.timeIntervalSince(at) < -31 }
        #expect(allTimes.count == alerts)
        #expect(!before.isEmpty && before.allSatisfy { t in exTimes.contains { abs($0.timeIntervalSince(t)) < 0.002 } }, "\(before) stay: \(exTimes)")
        let removed = (allHours - exHours) * 3600
        #expect(removed > 29 && removed <= 60.5, "\(removed) s of windows left out")
        let exAudio = try CLIRunner.run(["calibrate", "--exclude", loudest, wav.path])
        #expect(exAudio.status != 0 && exAudio.stderr.contains("--exclude picks times out of a score log"), "\(exAudio.stderr)")

        // human output: the rule earshotd ran; an event is a time to look up, not a sound to listen to
        let h = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, logDir.path])
        #expect(h.stdout.contains("score log: min_consecutive 2, max_dips 0, hop 0.1 s, merge_gap 0.5 s, cooldown 10 s (as earshotd ran)"), "\(h.stdout)")
        #expect(h.stdout.contains("score log: 1 file, 0.04 h") && h.stdout.contains("look for an alert or a test at that time in the journal"), "\(h.stdout)")
        // the threshold goes into the config calibrated for: the one named with --config, reloaded by SIGHUP
        // (operator QA 7: it named /etc/earshot/earshot.yaml and `systemctl reload earshot` whatever was given)
        #expect(h.stdout.contains("in /etc/earshot/earshot.yaml (") && h.stdout.contains("then `systemctl reload earshot`"), "\(h.stdout)")
        let named = try CLIRunner.run(["calibrate", "--scores", "--config", cfg.path])
        #expect(named.stdout.contains("in \(cfg.path) (") && named.stdout.contains("then a reload of the earshotd that reads it (`systemctl reload` of its unit, or SIGHUP)")
                && !named.stdout.contains("/etc/earshot/earshot.yaml"), "\(named.stdout)")
        // earshotd run at another threshold (`threshold:`, the one the first log gives for half the events): its log
        // counts its alerts at that threshold, and the same events as the first run's at the model's own
        let half = try #require(jsonLines(try CLIRunner.run(["calibrate", "--scores", "--model", model.path, "--rate", "120", "--json", logDir.path]).stdout)
            .first { $0["type"] as? String == "threshold" }?["threshold"] as? Double)
        let strictThreshold = Float(half)
        let strictDir = dir.appendingPathComponent("strict")
        let strict = try daemon(log: strictDir, extra: "threshold: \(strictThreshold)")
        let sj = jsonLines(try CLIRunner.run(["calibrate", "--scores", "--model", model.path, "--json", strictDir.path]).stdout)
        let ss = try #require(sj.first { $0["type"] as? String == "calibration" })
        #expect((ss["running_threshold"] as? Double).map { abs($0 - Double(strictThreshold)) < 1e-6 } == true && ss["running_threshold_events"] as? Int == strict.alerts
                && ss["model_threshold_events"] as? Int == alerts && strict.alerts > 0 && strict.alerts < alerts, "\(ss), earshotd alerted \(strict.alerts)")
        let sh = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, strictDir.path]).stdout
        #expect(sh.contains("earshotd runs at threshold \(strictThreshold) (the newest log's, not the model's own): \(strict.alerts) event"), "\(sh)")

        let loose = jsonLines(try CLIRunner.run(["calibrate", "--scores", "--model", model.path, "--min-consecutive", "1", "--cooldown", "0", "--json", logDir.path]).stdout)
        let looseEvents = try #require(loose.first { $0["type"] as? String == "calibration" }?["model_threshold_events"] as? Int)
        #expect(looseEvents > alerts, "fewer confirming windows and no cooldown count more events: \(looseEvents) vs \(alerts)")

        // another model did not score these windows: refused, naming the one that did
        let shipped = TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors")
        let other = try CLIRunner.run(["calibrate", "--scores", "--model", shipped.path, logDir.path])
        #expect(other.status == 1 && other.stderr.contains("no windows scored by earshot-default.safetensors") && other.stderr.contains("fixture-model.safetensors")
                && other.stderr.contains("--model"), "\(other.stderr)")
        let hop = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, "--hop", "0.05", logDir.path])
        #expect(hop.status != 0 && hop.stderr.contains("cannot be rescored at another hop"), "\(hop.stderr)")
        // a damaged file is named and skipped; the rest is still calibrated (exit 1)
        try Data("not a log".utf8).write(to: logDir.appendingPathComponent("scores-broken.esl"))
        let b = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, "--json", logDir.path])
        #expect(b.status == 1 && b.stderr.contains("scores-broken.esl: not an earshotd score log"), "\(b.stderr)")
        #expect(jsonLines(b.stdout).first { $0["type"] as? String == "calibration" }?["model_threshold_events"] as? Int == alerts)
        // a recording passed with --scores, or a folder without a log: said so
        let wrong = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, wav.path])
        #expect(wrong.status == 1 && wrong.stderr.contains("site.wav: not an earshotd score log") && wrong.stderr.contains("leave out --scores"), "\(wrong.stderr)")
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let e = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, empty.path])
        #expect(e.status == 1 && e.stderr.contains("a folder with no score log"), "\(e.stderr)")
    }

    /// The fingerprint of the model at `model` (as `earshot model-info` prints it), which a score log names.
    static func fingerprint(_ model: URL) throws -> String {
        let info = try CLIRunner.run(["model-info", model.path]).stdout
        return try #require(info.range(of: #"fingerprint [0-9a-f]{16}"#, options: .regularExpression).map { String(info[$0].dropFirst(12)) })
    }

    /// Writes a score log file as earshotd does (`ScoreLogFile`: magic, version, header, 6-byte records) for the
    /// model with `fingerprint`: one window every 0.1 s from `utc` (its onset at its start), scored `scores[i]`,
    /// muted where `muted[i]`.
    @discardableResult
    static func writeLog(_ url: URL, fingerprint: String, utc: Double, scores: [Float], muted: [Bool]? = nil) throws -> URL {
        let header = #"{"cooldown":10,"device":"default","first_frame":0,"grid":{"frame_seconds":0.032,"hop_frames":10,"seconds_per_frame":0.01,"time_origin":0,"window_frames":96},"instance":"","max_dips":0,"merge_gap":0.5,"min_consecutive":2,"model":"fixture-model.safetensors","model_fingerprint":"\#(fingerprint)","sample_rate":16000,"stream":"test","threshold":0.5,"utc_start":\#(utc)}"#
        var b = Array("ESCORLOG".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        u32(1); u32(UInt32(header.utf8.count)); b += Array(header.utf8)
        for (i, x) in scores.enumerated() { u32(x.bitPattern); b.append(0); b.append(muted?[i] == true ? 1 : 0) }
        try Data(b).write(to: url)
        return url
    }

    /// An event is listed with what its numbers are: how long it lasted and how far into the file it starts, as
    /// the recordings path lists its offsets (docs QA finding 10: it was "(9.62 s, file.esl)", the duration unlabelled).
    @Test func anEventIsListedWithItsDurationAndItsOffsetIntoTheFile() throws {
        let dir = TestPaths.tempDir("cal-scores-place")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let logDir = dir.appendingPathComponent("scores")
        try FileManager.default.createDirectory(at: logDir, withIntermediateDirectories: true)
        // 60 s of quiet windows with one loud run at 30.0–30.5 s
        let scores = (0..<600).map { (300..<306).contains($0) ? Float(0.95) : Float(0.05) }
        let name = "scores-20261206T123619.500Z.esl"
        try Self.writeLog(logDir.appendingPathComponent(name), fingerprint: try Self.fingerprint(model), utc: 1_796_560_579.5, scores: scores)
        let h = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, logDir.path])
        #expect(h.status == 0, "\(h.stderr)")
        let line = try #require(h.stdout.split(separator: "\n").first { $0.contains(name) }, "\(h.stdout)")
        #expect(line.range(of: #"^  2026-12-06T\S+Z  lasting [0-9.]+ s, at 30\.00 s into scores-20261206T123619\.500Z\.esl  score 0\.950$"#, options: .regularExpression) != nil, "\(line)")
        let j = try CLIRunner.run(["calibrate", "--scores", "--model", model.path, "--json", logDir.path])
        let event = try #require(jsonLines(j.stdout).first { $0["type"] as? String == "event" }, "\(j.stdout)")
        #expect(event["offset"] as? Double == 30 && (event["duration"] as? Double ?? 0) > 0.5, "\(event)")
    }

    /// Every line of `stdout` is a JSON object (JSON has no inf or nan).
    static func allJSON(_ stdout: String) -> Bool {
        let lines = stdout.split(separator: "\n")
        return jsonLines(stdout).count == lines.count && !stdout.contains("inf") && !stdout.contains("nan")
    }

    /// A log whose every window is left out — all muted, or all within --exclude spans — leaves no audio: an
    /// error saying so and why (exit 1), as for recordings with none readable; never a rate of -nan per hour, a
    /// threshold of 0.5 and bounds of inf, nor JSON with inf in it (docs QA finding 1).
    @Test func noWindowLeftIsAnErrorSayingWhy() throws {
        let dir = TestPaths.tempDir("cal-scores-none-left")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try FixtureModel.write(to: dir)
        let fp = try Self.fingerprint(model)
        let utc = 1_796_560_579.5   // 2026-12-06T12:36:19.500Z
        let scores = (0..<300).map { (150..<156).contains($0) ? Float(0.95) : Float(0.05) }   // 30 s, a loud run at 15 s
        func log(_ name: String, muted: (Int) -> Bool) throws -> URL {
            let d = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try Self.writeLog(d.appendingPathComponent("scores-20261206T123619.500Z.esl"), fingerprint: fp, utc: utc, scores: scores, muted: (0..<300).map(muted))
            return d
        }
        let calibrate = { (args: [String]) in try CLIRunner.run(["calibrate", "--scores", "--model", model.path] + args) }

        // all muted (a short log taken during fireworks)
        let allMuted = try log("muted") { _ in true }
        for json in [[], ["--json"]] {
            let r = try calibrate(json + [allMuted.path])
            #expect(r.status == 1 && r.stderr.contains("earshot: no audio left to calibrate on: all 0.5 min of windows of these score logs are left out: 0.5 min heard while paging was muted (earshot mute) are left out; --include-muted counts them"), "\(r.stderr)")
            #expect(!r.stdout.contains("nan") && !r.stdout.contains("inf") && !r.stdout.contains("threshold 0.5"), "\(r.stdout)")
            if !json.isEmpty { #expect(Self.allJSON(r.stdout), "\(r.stdout)") }
        }
        let counted = try calibrate(["--include-muted", "--json", allMuted.path])
        #expect(counted.status == 0 && Self.allJSON(counted.stdout) && counted.stdout.contains("\"model_threshold_events\":1"), "\(counted.stdout)\(counted.stderr)")

        // all within 30 s of an excluded time
        let plain = try log("plain") { _ in false }
        for json in [[], ["--json"]] {
            let r = try calibrate(json + ["--exclude", "2026-12-06T12:36:34Z", plain.path])
            #expect(r.status == 1 && r.stderr.contains("no audio left to calibrate on: all 0.5 min of windows of these score logs are left out: 30 s either side of 2026-12-06T12:36:34Z is left out (--exclude)"), "\(r.stderr)")
            #expect(!r.stdout.contains("nan") && !r.stdout.contains("inf"), "\(r.stdout)")
            if !json.isEmpty { #expect(Self.allJSON(r.stdout), "\(r.stdout)") }
        }
        // muted first, then the rest excluded: both said
        let half = try log("half") { $0 < 100 }
        let both = try calibrate(["--exclude", "2026-12-06T12:36:49Z", half.path])
        #expect(both.status == 1 && both.stderr.contains("muted (earshot mute) are left out; --include-muted counts them, and 30 s either side of 2026-12-06T12:36:49Z"), "\(both.stderr)")
        // one window left is enough: a rate, with a finite bound
        let one = try calibrate(["--json", "--exclude", "2026-12-06T12:36:49.6Z", plain.path])
        #expect(one.status == 0 && Self.allJSON(one.stdout), "\(one.stdout)\(one.stderr)")
    }
}
