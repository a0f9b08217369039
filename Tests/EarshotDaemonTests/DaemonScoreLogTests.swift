import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing

/// The score log of a real earshotd (ALSA file plugin → detection loop → `ScoreLogger`), read back as
/// `earshot calibrate --scores` reads it: at the daemon's own threshold and at another one chosen from the log,
/// the events it counts are exactly those earshotd alerts on when run at that threshold.
@Suite(.serialized) struct DaemonScoreLogTests {
    /// 40 s of quiet noise with bursts of levels from faint to loud (so the scores spread over the range).
    static func site() -> [Float] {
        var x = DaemonTestSignals.recording(seconds: 40, shots: [])
        var s: UInt64 = 99
        for (i, t) in stride(from: 1.0, to: 38, by: 2.3).enumerated() {
            let a = Float(0.01 * pow(80, Double(i) / 15))   // 0.01 … 0.8
            let i0 = Int(t * 16_000)
            for k in 0..<4_000 {
                s = s &* 6364136223846793005 &+ 1442695040888963407
                x[i0 + k] += a * (Float(Int64(bitPattern: s >> 11) % 2001) / 1000 - 1) * expf(-Float(k) / 800)
            }
        }
        return x
    }

    /// Runs earshotd over `fixture` to its end with `config`; returns `earshot_events_total`.
    func events(_ run: DaemonRun, _ fixture: AlsaFileFixture, config: URL, metrics: URL) throws -> Int {
        let asound = try fixture.writeConfigFile(in: run.dir)
        let p = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fixture.frames), "--exit-at-end"],
                                  environment: ["ALSA_CONFIG_PATH": asound.path], dir: run.dir)
        let status = p.waitExit(timeout: 120)
        #expect(status == 0, "stderr:\n\(p.stderr)")
        let prom = try String(contentsOf: metrics, encoding: .utf8)
        let line = try #require(prom.split(separator: "\n").first { $0.hasPrefix("earshot_events_total ") })
        return try #require(Int(line.split(separator: " ")[1]))
    }

    @Test func theLogCountsTheDaemonsEventsAtAnyThreshold() throws {
        let run = try DaemonRun()
        let x = Self.site()
        let fixture = try AlsaFileFixture(x, rate: 16_000, dir: run.dir)
        let logDir = run.dir.appendingPathComponent("scores"), prom = run.dir.appendingPathComponent("m.prom")
        let config = try run.writeConfig(metrics: ["path: \(prom.path)"], scores: ["directory: \(logDir.path)"])
        let own = try events(run, fixture, config: config, metrics: prom)

        let model = try Model.load(run.model)
        let log = ScoreLog.load([logDir.path])
        let (mine, others) = log.split(fingerprint: model.scoreFingerprint)
        #expect(log.problems.isEmpty && others.isEmpty && mine.entries.count == 1 && mine.chains.count == 1)
        // every window of the 40 s: the first ends ≈ 1 s in, then one per 0.1 s
        #expect(mine.seconds > 38 && mine.seconds <= 40, "\(mine.seconds) s of windows")
        let h = try #require(mine.newest)
        #expect(h.rule == DecisionRule(threshold: model.threshold, minConsecutive: 2, maxDips: 0, mergeGap: 0.5, cooldown: 1, hopSeconds: 0.1))
        let rule = h.rule
        let (s, _, floor) = mine.calibrationScores(rule: rule, maxRate: 1e6, threshold: model.threshold)
        let counted = s.events(rule: rule).reduce(0, +)
        #expect(counted == own && own >= 4, "the log counts \(counted) events at the daemon's threshold, earshotd alerted on \(own)")

        // a threshold the log says gives about half as many events: earshotd run at it alerts on exactly that many
        let hours = mine.seconds / 3600
        var stricter = rule
        stricter.threshold = s.threshold(forFalseAlarmsPerHour: Double(own / 2) / hours, base: rule, minimum: floor)
        let expected = s.events(rule: stricter).reduce(0, +)
        #expect(expected > 0 && expected < own, "threshold \(stricter.threshold): \(expected) of \(own)")
        let again = try run.writeConfig(extra: "threshold: \(stricter.threshold)", metrics: ["path: \(prom.path)"], name: "stricter.yaml")
        let n = try events(run, fixture, config: again, metrics: prom)
        #expect(n == expected, "earshotd at threshold \(stricter.threshold) alerted on \(n); the log said \(expected)")
    }

    /// SIGHUP with another model: its windows go to new files with its fingerprint, as a new stream (its grid
    /// starts anew); a new threshold goes on in the same stream, in a new file whose header has it.
    @Test func aReloadStartsFilesForTheNewModelAndRule() throws {
        let logDir = TestPaths.tempDir("scorelog-reload")
        defer { try? FileManager.default.removeItem(at: logDir) }
        let live = try DaemonNotifyTests.Live(seconds: 20, scores: ["directory: \(logDir.path)"])
        #expect(live.notify.wait(timeout: 15, for: DaemonNotifyTests.has("READY=1")) != nil, "stderr:\n\(live.daemon.stderr)")
        live.notify.wait(timeout: 2.5) { _ in false }
        var second = live.run
        second.model = try { let m = try EnergyModel.make(gain: 5); let u = live.run.dir.appendingPathComponent("energy5.safetensors"); try m.save(to: u); return u }()
        func reload() {
            let before = live.notify.count("READY=1")
            live.daemon.signal(SIGHUP)
            #expect(live.notify.wait(timeout: 10) { $0.contains("READY=1") && live.notify.count("READY=1") > before } != nil, "READY=1 after the reload")
            live.notify.wait(timeout: 2.5) { _ in false }
        }
        _ = try second.writeConfig(scores: ["directory: \(logDir.path)"])
        reload()
        _ = try second.writeConfig(extra: "threshold: 0.7", scores: ["directory: \(logDir.path)"])
        reload()
        #expect(live.stop() == 0, "stderr:\n\(live.daemon.stderr)")
        let log = ScoreLog.load([logDir.path])
        let (first, firstOthers) = log.split(fingerprint: try Model.load(live.run.model).scoreFingerprint)
        let (next, _) = log.split(fingerprint: try Model.load(second.model).scoreFingerprint)
        #expect(log.problems.isEmpty && firstOthers.count == 1, "\(log.entries.map(\.path))")
        #expect(first.entries.count == 1 && first.seconds >= 1, "the first model's windows: \(first.seconds) s")
        #expect(next.entries.count == 2 && next.chains.count == 1 && next.seconds >= 3, "the second model's: \(next.entries.map(\.file.count)), one stream")
        #expect(next.entries.map(\.file.header.threshold) == [0.5, 0.7], "the new threshold is in the new file's header")
    }

    /// Old files are pruned at start, but not again with every new file (each capture gap or reload starts one, and
    /// each pruning lists and stats the whole directory): at most every `ScoreLogger.pruneEvery` seconds.
    @Test func oldFilesArePrunedAtStartNotWithEveryNewFile() throws {
        let logDir = TestPaths.tempDir("scorelog-prune")
        defer { try? FileManager.default.removeItem(at: logDir) }
        func plant(_ name: String) throws -> URL {
            let u = logDir.appendingPathComponent(name)
            try Data([0]).write(to: u)
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-30 * 86_400)], ofItemAtPath: u.path)
            return u
        }
        let before = try plant("scores-20200101T000000.000Z.esl")
        let live = try DaemonNotifyTests.Live(seconds: 20, scores: ["directory: \(logDir.path)"])
        #expect(live.notify.wait(timeout: 15, for: DaemonNotifyTests.has("READY=1")) != nil, "stderr:\n\(live.daemon.stderr)")
        func ours() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: logDir.path)) ?? []).filter { $0.hasPrefix("scores-2026") || ($0.hasPrefix("scores-") && !$0.hasPrefix("scores-2020")) }
        }
        live.notify.wait(timeout: 10) { _ in ours().count >= 1 }
        #expect(!FileManager.default.fileExists(atPath: before.path), "the file older than scores.days was pruned at start")
        let during = try plant("scores-20200102T000000.000Z.esl")
        _ = try live.run.writeConfig(extra: "threshold: 0.7", scores: ["directory: \(logDir.path)"])   // a new rule: a new file
        let n = live.notify.count("READY=1")
        live.daemon.signal(SIGHUP)
        #expect(live.notify.wait(timeout: 10) { _ in live.notify.count("READY=1") > n } != nil, "READY=1 after the reload")
        live.notify.wait(timeout: 10) { _ in ours().count >= 2 }
        #expect(live.stop() == 0, "stderr:\n\(live.daemon.stderr)")
        #expect(ours().count >= 2, "the reload started a new file: \(ours())")
        #expect(FileManager.default.fileExists(atPath: during.path), "the new file did not prune the directory again")
    }

    /// A replayed file is not the site's sound: `earshotd --replay` neither logs its scores nor records it.
    @Test func aReplayIsNeitherLoggedNorRecorded() throws {
        let run = try DaemonRun()
        let wav = run.dir.appendingPathComponent("replay.wav")
        try AudioFileWriter.writeWAV16(DaemonTestSignals.recording(seconds: 4, shots: [1.5]), sampleRate: 16_000, to: wav)
        let logDir = run.dir.appendingPathComponent("scores"), rec = run.dir.appendingPathComponent("recordings")
        let config = try run.writeConfig(extra: "recording:\n  enabled: true\n  directory: \(rec.path)", scores: ["directory: \(logDir.path)"])
        let p = try DaemonProcess(args: ["--config", config.path, "--replay", wav.path, "--pace", "8"], environment: [:], dir: run.dir)
        #expect(p.waitExit(timeout: 60) == 0, "stderr:\n\(p.stderr)")
        #expect(p.stderr.contains("ALERT"), "the replay was heard: \(p.stderr)")
        #expect(!FileManager.default.fileExists(atPath: logDir.path) && !FileManager.default.fileExists(atPath: rec.path))
    }
}
