import EarshotDSP
import EarshotNN
import Foundation
import Testing
@testable import EarshotDetect

/// earshotd's score log read back (`ScoreLogFile`, `ScoreLog`): windows come back bit for bit, files of one
/// stream join, damaged files are named and skipped, and the cut-down windows count events exactly.
@Suite struct ScoreLogTests {
    /// A detector's windows over `seconds` of test audio with bursts, and its grid.
    func scored(seconds: Double = 20, model: Model? = nil) throws -> (windows: [ScoredWindow], grid: WindowGrid, model: Model) {
        let m = try model ?? TestModel.random(outputScale: 1, inputNorm: nil)
        let d = try Detector(model: m, rule: DecisionRule(threshold: 0.5))
        var w: [ScoredWindow] = []
        d.onWindow = { w.append($0) }
        d.process(TestModel.audio(seconds: seconds, bursts: stride(from: 1.3, to: seconds - 1, by: 2.9).map { $0 })) { _ in }
        return (w, d.windowGrid, m)
    }

    func header(_ grid: WindowGrid, first: Int, stream: String = "s1", utc: Double = 1_800_000_000, rule: DecisionRule = DecisionRule(threshold: 0.5)) -> ScoreLogHeader {
        ScoreLogHeader(model: "m.safetensors", modelFingerprint: "0123456789abcdef", sampleRate: 16_000, grid: grid, firstFrame: first, stream: stream,
                       utcStart: utc, rule: rule, device: "hw:1", instance: "")
    }

    /// The bytes of a file holding `windows` (as earshotd writes them).
    func bytes(_ h: ScoreLogHeader, _ windows: ArraySlice<ScoredWindow>) -> [UInt8] {
        var b = ScoreLogFile.headerBytes(h)
        for w in windows { ScoreLogFile.appendRecord(score: w.score, onset: UInt8(h.grid.frame(at: w.onset) - h.grid.frame(at: w.start)), to: &b) }
        return b
    }

    func write(_ b: [UInt8], _ dir: URL, _ name: String) throws -> URL {
        let u = dir.appendingPathComponent(name)
        try Data(b).write(to: u)
        return u
    }

    @Test func windowsComeBackBitForBit() throws {
        let (w, g, _) = try scored()
        #expect(w.count > 150)
        let dir = TestPaths.tempDir("scorelog")
        defer { try? FileManager.default.removeItem(at: dir) }
        let u = try write(bytes(header(g, first: g.frame(at: w[0].start)), w[...]), dir, "a.esl")
        let f = try ScoreLogFile.read(u)
        #expect(f.count == w.count && f.trailingBytes == 0)
        #expect((0..<f.count).map(f.window) == w, "start, end, onset and score exactly as scored")
        #expect(f.header == header(g, first: g.frame(at: w[0].start)))
    }

    /// Two files of one stream whose frames follow on are one stream: an event across the boundary counts once,
    /// as it did live; a file of another stream, or one after missing windows, is a stream of its own.
    @Test func filesOfOneStreamJoin() throws {
        let (w, g, _) = try scored()
        let dir = TestPaths.tempDir("scorelog-join")
        defer { try? FileManager.default.removeItem(at: dir) }
        // cut in the middle of the highest-scoring run: its windows are in both files
        let peak = w.indices.max { w[$0].score < w[$1].score }!
        let k0 = g.frame(at: w[0].start)
        _ = try write(bytes(header(g, first: k0 + peak * g.hopFrames, utc: 1_800_000_100), w[peak...]), dir, "scores-2.esl")
        _ = try write(bytes(header(g, first: k0), w[..<peak]), dir, "scores-1.esl")
        let log = ScoreLog.load([dir.path])
        #expect(log.problems.isEmpty && log.entries.count == 2 && log.chains.count == 1)
        let rule = DecisionRule(threshold: w[peak].score - 1e-6, minConsecutive: 1, cooldown: 0)
        var whole = StreamScores(); whole.add(w, seconds: 0)
        let joined = log.scores().scores
        #expect(joined.streams == whole.streams)
        #expect(joined.events(rule: rule) == whole.events(rule: rule))
        #expect(abs(log.seconds - Double(w.count) * g.hopSeconds) < 1e-9)
        // windows missing between the files: two streams
        let gap = try write(bytes(header(g, first: k0 + (peak + 1) * g.hopFrames, utc: 1_800_000_100), w[(peak + 1)...]), dir, "scores-2.esl")
        _ = gap
        #expect(ScoreLog.load([dir.path]).chains.count == 2)
        // another stream id: two streams
        _ = try write(bytes(header(g, first: k0 + peak * g.hopFrames, stream: "s2", utc: 1_800_000_100), w[peak...]), dir, "scores-2.esl")
        #expect(ScoreLog.load([dir.path]).chains.count == 2)
    }

    /// Where an event happened: the file and the UTC time, from the file's own start.
    @Test func placesGiveTheFileAndUTCTime() throws {
        let (w, g, _) = try scored()
        let dir = TestPaths.tempDir("scorelog-utc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let k0 = g.frame(at: w[0].start)
        _ = try write(bytes(header(g, first: k0, utc: 1_800_000_000), w[..<50]), dir, "scores-1.esl")
        // the second file starts after a capture gap: its UTC time is 100 s later than the stream's clock says
        let t50 = w[50].start
        _ = try write(bytes(header(g, first: k0 + 50 * g.hopFrames, utc: 1_800_000_000 + (t50 - w[0].start) + 100), w[50...]), dir, "scores-2.esl")
        let (s, places) = ScoreLog.load([dir.path]).scores()
        #expect(s.streams.count == 1 && places.count == 1)
        let a = places[0](w[10].start), b = places[0](w[60].start)
        #expect(a.path.hasSuffix("scores-1.esl") && abs(a.utc.timeIntervalSince1970 - (1_800_000_000 + w[10].start - w[0].start)) < 1e-6)
        #expect(b.path.hasSuffix("scores-2.esl") && abs(b.utc.timeIntervalSince1970 - (1_800_000_000 + w[60].start - w[0].start + 100)) < 1e-6)
        // and how far into its file (docs QA finding 10: calibrate --scores lists it beside the file)
        #expect(abs(a.offset - (w[10].start - w[0].start)) < 1e-6 && abs(b.offset - (w[60].start - w[50].start)) < 1e-6, "\(a.offset), \(b.offset)")
        // after a span left out, a file's offsets still count from its own start
        let out = ScoreLog.load([dir.path]).scores(excluding: [(1_800_000_000 + w[5].start - w[0].start)...(1_800_000_000 + w[20].start - w[0].start)])
        let place = try #require(out.places.last)
        let c = place(w[30].start)
        #expect(c.path.hasSuffix("scores-1.esl") && abs(c.offset - (w[30].start - w[0].start)) < 1e-6, "\(c)")
    }

    /// A span left out (a real shot, a test firing): its windows and seconds are gone, its event with them, and
    /// the stream goes on after it as a new one.
    @Test func anExcludedSpanLeavesOutItsWindowsAndEvents() throws {
        let (w, g, _) = try scored()
        let dir = TestPaths.tempDir("scorelog-exclude")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try write(bytes(header(g, first: g.frame(at: w[0].start), utc: 1_800_000_000), w[...]), dir, "scores-1.esl")
        let log = ScoreLog.load([dir.path])
        let rule = DecisionRule(threshold: TestModel.gapThreshold(w.map(\.score)), minConsecutive: 2, cooldown: 0)
        let all = log.scores()
        let events = all.scores.detections(rule: rule)[0]
        #expect(events.count >= 3, "\(events.count) events")
        // 2 s either side of the second event's start, in UTC
        let utc = all.places[0](events[1].start).utc.timeIntervalSince1970
        let out = log.scores(excluding: [(utc - 2)...(utc + 2)])
        #expect(out.scores.streams.count == 2, "the stream goes on after the span as a new one")
        let kept = out.scores.streams.flatMap { $0 }
        #expect(kept.count == w.count - 40 || kept.count == w.count - 41, "4 s of 0.1 s windows left out: \(w.count - kept.count)")
        #expect(abs(out.scores.seconds - Double(kept.count) * g.hopSeconds) < 1e-6)
        let starts = out.scores.detections(rule: rule).flatMap { $0.map(\.start) }
        #expect(!starts.contains { abs($0 - events[1].start) < 1e-9 } && starts.contains(events[0].start) && starts.contains(events[2].start), "\(starts)")
        // times after the span still map to their UTC time
        #expect(abs(out.places[1](events[2].start).utc.timeIntervalSince1970 - all.places[0](events[2].start).utc.timeIntervalSince1970) < 1e-6)
    }

    /// Windows heard while paging was muted (a planned noisy event) are left out unless asked for, like an
    /// excluded span: their seconds too, and the stream goes on after them as a new one.
    @Test func mutedWindowsAreLeftOutUnlessCounted() throws {
        let (w, g, _) = try scored()
        let dir = TestPaths.tempDir("scorelog-muted")
        defer { try? FileManager.default.removeItem(at: dir) }
        var b = ScoreLogFile.headerBytes(header(g, first: g.frame(at: w[0].start)))
        for (i, x) in w.enumerated() {
            ScoreLogFile.appendRecord(score: x.score, onset: UInt8(g.frame(at: x.onset) - g.frame(at: x.start)), flags: (50..<80).contains(i) ? ScoreLogFile.mutedFlag : 0, to: &b)
        }
        _ = try write(b, dir, "scores-1.esl")
        let log = ScoreLog.load([dir.path])
        let f = try #require(log.entries.first?.file)
        #expect((0..<f.count).filter(f.isMuted) == Array(50..<80) && abs(log.mutedSeconds - 30 * g.hopSeconds) < 1e-9)
        let out = log.scores().scores, all = log.scores(includeMuted: true).scores
        #expect(out.streams.map(\.count) == [50, w.count - 80] && out.streams.flatMap { $0 } == Array(w[..<50]) + Array(w[80...]))
        #expect(all.streams == [w] && abs(out.seconds - (all.seconds - 30 * g.hopSeconds)) < 1e-6)
    }

    @Test func damagedFilesAreNamedAndSkipped() throws {
        let (w, g, _) = try scored(seconds: 5)
        let dir = TestPaths.tempDir("scorelog-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = bytes(header(g, first: g.frame(at: w[0].start)), w[...])
        _ = try write(good, dir, "scores-good.esl")
        // cut inside the last record: the whole records are read, the rest ignored
        let cut = try ScoreLogFile.read(try write(Array(good.dropLast(2)), dir, "cut.bin"))
        #expect(cut.count == w.count - 1 && cut.trailingBytes == 4)
        func fails(_ b: [UInt8], _ name: String) throws -> ScoreLogError? {
            do { _ = try ScoreLogFile.read(try write(b, dir, name)); return nil } catch let e as ScoreLogError { return e }
        }
        #expect(try fails(Array("RIFF....WAVEfmt ".utf8) + good, "x.esl") == .notAScoreLog(path: dir.appendingPathComponent("x.esl").path))
        var v2 = good; v2[8] = 2
        #expect(try fails(v2, "v2.esl") == .version(path: dir.appendingPathComponent("v2.esl").path, found: 2))
        if case .badHeader = try fails(Array(good.prefix(30)), "short.esl") {} else { Issue.record("a cut header is a bad header") }
        var nan = good; let at = good.count - 6
        nan[at] = 0xff; nan[at + 1] = 0xff; nan[at + 2] = 0xc0; nan[at + 3] = 0x7f
        if case let .badRecord(_, i, _) = try fails(nan, "nan.esl") { #expect(i == w.count - 1) } else { Issue.record("a NaN score is a bad record") }
        #expect(ScoreLogError.notAScoreLog(path: "p").description.contains("scores.directory"))
        // a folder: the good file is used, the damaged ones named (only .esl files are read from a folder)
        let log = ScoreLog.load([dir.path])
        #expect(log.entries.map { ($0.path as NSString).lastPathComponent } == ["scores-good.esl"])
        #expect(Set(log.problems.map { ($0.path as NSString).lastPathComponent }) == ["x.esl", "v2.esl", "short.esl", "nan.esl"], "\(log.problems)")
        #expect(ScoreLog.load([dir.appendingPathComponent("missing.esl").path]).problems.first?.message.contains("missing.esl") == true)
    }

    /// Only the model that scored the windows can be calibrated with them: the fingerprint follows the weights
    /// and features, not the thresholds.
    @Test func fingerprintFollowsWhatScoresWindows() throws {
        let a = try TestModel.random(seed: 7), b = try TestModel.random(seed: 7)
        #expect(a.scoreFingerprint == b.scoreFingerprint && a.scoreFingerprint.count == 16)
        b.threshold = 0.9; b.thresholds = ["1": 0.95]; b.provenance["train.seed"] = "3"
        #expect(a.scoreFingerprint == b.scoreFingerprint, "thresholds and provenance do not change scores")
        let w = b.network.parameters[0]
        w.value[0] += 1e-3
        #expect(a.scoreFingerprint != b.scoreFingerprint, "one weight changes it")
        let c = try TestModel.random(seed: 7)
        c.scoreTemperature = 1.5
        #expect(a.scoreFingerprint != c.scoreFingerprint, "the temperature changes scores")
        let log = ScoreLog(entries: [.init(path: "a", file: ScoreLogFile(header: header(WindowGrid(secondsPerFrame: 0.01, frameSeconds: 0.032, windowFrames: 96, hopFrames: 10, timeOrigin: 0), first: 0), scores: [0.1], onsets: [3]))])
        let (mine, others) = log.split(fingerprint: a.scoreFingerprint)
        #expect(mine.entries.isEmpty && others.count == 1 && others[0].model == "m.safetensors" && others[0].files == 1)
    }

    /// Windows below the floor cut to a few per run: at every threshold ≥ the floor the events are exactly those
    /// of all the windows, under rules with dips, merge gaps and cooldowns; and the calibration search gives
    /// the thresholds all the windows give.
    @Test func cutWindowsCountExactlyAboveTheFloor() throws {
        var rng = SeededRNG(seed: 11)
        let grid = WindowGrid(secondsPerFrame: 0.01, frameSeconds: 0.032, windowFrames: 96, hopFrames: 10, timeOrigin: 0)
        var entries: [ScoreLog.Entry] = []
        for f in 0..<3 {
            var file = ScoreLogFile(header: header(grid, first: 1_000 + f * 200_000, stream: "s\(f)"))
            var level = 0.1
            for _ in 0..<12_000 {
                // mostly low scores, with bursts of a few high windows and dips inside them
                level = rng.uniform(0, 1) < 0.01 ? rng.uniform(0.6, 1) : max(0.05, level * 0.7)
                file.scores.append(Float(min(1, max(0, level + rng.uniform(-0.05, 0.05)))))
                file.onsets.append(UInt8(rng.uniform(0, 95)))
                file.flags.append(0)
            }
            entries.append(.init(path: "f\(f)", file: file))
        }
        let log = ScoreLog(entries: entries)
        let all = log.scores().scores
        for rule in [DecisionRule(threshold: 0.5, minConsecutive: 2, maxDips: 0, mergeGap: 0.5, cooldown: 10),
                     DecisionRule(threshold: 0.5, minConsecutive: 3, maxDips: 2, mergeGap: 1.2, cooldown: 0),
                     DecisionRule(threshold: 0.5, minConsecutive: 1, maxDips: 0, mergeGap: 0, cooldown: 2)] {
            let floor: Float = 0.55
            let cut = log.scores(floor: floor, keepBelow: ScoreLog.keepBelow(for: rule)).scores
            #expect(cut.streams.reduce(0) { $0 + $1.count } < all.streams.reduce(0) { $0 + $1.count } / 3, "the cut keeps far fewer windows")
            #expect(abs(cut.seconds - all.seconds) < 1e-6)
            for t in stride(from: floor, through: 1, by: 0.01) {
                var r = rule; r.threshold = t
                #expect(cut.detections(rule: r).map { $0.map(\.start) } == all.detections(rule: r).map { $0.map(\.start) }, "threshold \(t), rule \(rule.countingDescription)")
            }
            // one window fewer per run is not enough (when that matters: dips or a merge gap)
            if ScoreLog.keepBelow(for: rule) > 1 {
                let short = log.scores(floor: floor, keepBelow: ScoreLog.keepBelow(for: rule) - 1).scores
                let differs = stride(from: floor, through: 1, by: 0.01).contains { t in
                    var r = rule; r.threshold = t
                    return short.events(rule: r) != all.events(rule: r)
                }
                #expect(differs, "keepBelow(for:) is the least that counts exactly: \(rule.countingDescription)")
            }
            for rate in [1.0, 5, 10, 40] {
                let (calib, _, used) = log.calibrationScores(rule: rule, maxRate: rate, threshold: 0.9)
                #expect(used > 0 && used <= 0.9)
                for r in [1.0, 5, 10, 40] where r <= rate {
                    // the same search over the same scores ≥ the floor (at scores far below it, where every window
                    // merges into one event per stream, the event count is not monotonic in the threshold)
                    let t = calib.threshold(forFalseAlarmsPerHour: r, base: rule, minimum: used)
                    #expect(t == all.threshold(forFalseAlarmsPerHour: r, base: rule, minimum: used) && t > used, "rate \(r) of up to \(rate)")
                }
            }
        }
    }
}
