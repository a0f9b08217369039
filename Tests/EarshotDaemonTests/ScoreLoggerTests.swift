import EarshotDetect
import EarshotDSP
import Foundation
import Testing
@testable import EarshotDaemon

@Suite("ScoreLogger: every window's score, for calibrate --scores")
struct ScoreLoggerTests {
    static let grid = WindowGrid(secondsPerFrame: 0.01, frameSeconds: 0.032, windowFrames: 96, hopFrames: 10, timeOrigin: -3.5)
    static let context = ScoreLogger.Context(model: "m.safetensors", fingerprint: "00000000000000aa", sampleRate: 16_000,
                                             rule: DecisionRule(threshold: 0.9), device: "hw:1", instance: "hall")

    /// `n` windows on `grid` from frame `first`, seeded scores and onsets.
    static func windows(_ n: Int, first: Int = 500, grid g: WindowGrid = grid, seed: UInt64 = 1) -> [ScoredWindow] {
        var rng = SeededRNG(seed: seed)
        return (0..<n).map { i in
            let k = first + i * g.hopFrames
            return g.window(first: k, onset: k + Int(rng.uniform(0, 95.9)), score: Float(rng.uniform(0, 1)))
        }
    }

    static func feed(_ log: ScoreLogger, _ w: [ScoredWindow], grid g: WindowGrid = grid, muted: Bool = false) {
        for x in w { log.append(x, grid: g, streamSeconds: x.end + 0.05, muted: muted) }
    }

    static func opened(_ events: [String]) -> [String] { events.filter { $0.hasPrefix("opened ") }.map { String($0.dropFirst(7)) } }

    @Test("every window comes back exactly; a new file every file_minutes and after a gap, one stream across them")
    func windowsRotationAndGaps() throws {
        let dir = TestPaths.tempDir("scorelogger")
        defer { try? FileManager.default.removeItem(at: dir) }
        let events = Collected<String>()
        let log = ScoreLogger(settings: ScoreLogSettings(directory: dir.path + "/scores", fileMinutes: 1), context: Self.context,
                              logger: LogCapture().logger, onEvent: { events.add($0) })
        let a = Self.windows(1_500), b = Self.windows(700, first: 500 + 1_500 * 10, seed: 2)
        let before = Date().timeIntervalSince1970
        for (k, w) in [a, b].enumerated() {
            if k == 1 { log.split() }          // a capture gap: the same stream goes on in a new file
            for i in stride(from: 0, to: w.count, by: 100) {
                Self.feed(log, Array(w[i..<min(w.count, i + 100)]))
                log.waitForWriter()            // the disk keeps up
            }
        }
        log.flush()
        #expect(log.blocksAllocated == 2, "blocks are reused: \(log.blocksAllocated)")
        let files = Self.opened(events.all)
        // 600 windows of 0.1 s per minute: 1,500 → 600 + 600 + 300, then the gap, then 700 → 600 + 100
        #expect(files.count == 5, "\(files)")
        let read = ScoreLog.load([dir.path + "/scores"])
        #expect(read.problems.isEmpty && read.entries.map(\.file.count) == [600, 600, 300, 600, 100])
        #expect(read.chains.count == 1, "one detector's windows: one stream")
        #expect(read.scores().scores.streams == [a + b], "every window, bit for bit, in order")
        let h = read.entries[0].file.header
        #expect(h.grid == Self.grid && h.firstFrame == 500 && h.model == "m.safetensors" && h.modelFingerprint == "00000000000000aa")
        #expect(h.rule == DecisionRule(threshold: 0.9) && h.device == "hw:1" && h.instance == "hall")
        // the first window's UTC time: when it was heard (streamSeconds − its start ago)
        #expect(abs(h.utcStart - (before - (a[0].end + 0.05 - a[0].start))) < 5, "utc \(h.utcStart), now \(before)")
        // windows missing (frames do not follow on): a new stream
        Self.feed(log, Self.windows(10, first: 900_000, seed: 3))
        log.flush()
        #expect(ScoreLog.load([dir.path + "/scores"]).chains.count == 2)
    }

    @Test("a reload's new rule or model starts a new file whose header says so; the same context does not")
    func contextChangesStartAFile() throws {
        let dir = TestPaths.tempDir("scorelogger-ctx")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = ScoreLogger(settings: ScoreLogSettings(directory: dir.path), context: Self.context, logger: LogCapture().logger)
        let w = Self.windows(300)
        Self.feed(log, Array(w[..<100]), muted: true)   // paging muted for these: flagged, in the same file
        log.update(context: Self.context)
        Self.feed(log, Array(w[100..<200]))
        var c = Self.context
        c.rule.minConsecutive = 3; c.rule.threshold = 0.95
        log.update(context: c)
        Self.feed(log, Array(w[200...]))
        log.flush()
        let read = ScoreLog.load([dir.path])
        #expect(read.entries.map(\.file.count) == [200, 100] && read.chains.count == 1)
        #expect(read.newest?.minConsecutive == 3 && read.newest?.threshold == 0.95)
        #expect(read.entries[0].file.flags.map { $0 == ScoreLogFile.mutedFlag } == Array(repeating: true, count: 100) + Array(repeating: false, count: 100))
    }

    @Test("files older than scores.days are deleted; other files are not")
    func retention() throws {
        let dir = TestPaths.tempDir("scorelogger-days")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let old = dir.appendingPathComponent("scores-20260101T000000.000Z.esl"), recent = dir.appendingPathComponent("scores-20261201T000000.000Z.esl")
        let other = dir.appendingPathComponent("notes-old.txt")
        for u in [old, recent, other] { try Data([1, 2, 3]).write(to: u) }
        for (u, days) in [(old, 3.0), (recent, 1.0), (other, 30.0)] {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-days * 86_400)], ofItemAtPath: u.path)
        }
        let events = Collected<String>()
        let log = ScoreLogger(settings: ScoreLogSettings(directory: dir.path, days: 2), context: Self.context, logger: LogCapture().logger, onEvent: { events.add($0) })
        Self.feed(log, Self.windows(5))
        log.flush()
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(!left.contains(old.lastPathComponent) && left.contains(recent.lastPathComponent) && left.contains(other.lastPathComponent), "\(left)")
        #expect(events.all.contains("deleted \(old.path)") && left.count == 3)
    }

    @Test("an unwritable directory stops the log with the fix; detection is not touched; a reload starts it anew")
    func failingWritesStopTheLog() throws {
        let dir = TestPaths.tempDir("scorelogger-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let blocker = dir.appendingPathComponent("scores")
        try Data("a file where the directory should be".utf8).write(to: blocker)
        let logs = LogCapture(), events = Collected<String>()
        let settings = ScoreLogSettings(directory: blocker.path)
        let metrics = MetricsFile(settings: MetricsSettings(path: dir.path + "/m.prom"))
        let log = ScoreLogger(settings: settings, context: Self.context, logger: logs.logger, metrics: metrics, onEvent: { events.add($0) })
        #expect(metrics.snapshot.scoreLog)
        Self.feed(log, Self.windows(250))
        log.flush()
        #expect(events.all.contains("failed") && !log.isLogging)
        #expect(!metrics.snapshot.scoreLog && metrics.snapshot.scoreLogFailuresTotal == 1, "the metrics file says the log stopped")
        let err = logs.messages(.error).joined()
        #expect(err.contains("score log stopped") && err.contains(blocker.path) && err.contains("scores.directory") && err.contains("detection continues"), "\(err)")
        #expect(!log.keeps(settings), "a reload after the fix starts a new log")
        let blocks = log.blocksAllocated
        Self.feed(log, Self.windows(300))   // appending to a stopped log is a no-op
        #expect(log.blocksAllocated == blocks)
    }

    @Test("scores.enabled: false writes nothing")
    func disabledWritesNothing() throws {
        let dir = TestPaths.tempDir("scorelogger-off")
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = ScoreLogSettings(enabled: false, directory: dir.path + "/scores")
        let log = ScoreLogger(settings: settings, context: Self.context, logger: LogCapture().logger)
        Self.feed(log, Self.windows(200))
        log.flush()
        #expect(!log.isLogging && log.keeps(settings) && !FileManager.default.fileExists(atPath: dir.path + "/scores"))
    }

    @Test("the scores: section: defaults, an instance's own directory, errors naming the key")
    func configSection() throws {
        let d = try DaemonConfig.parse("", source: "t.yaml")
        #expect(d.scores == ScoreLogSettings() && d.scores.enabled && d.scores.directory == "/var/lib/earshot/scores" && d.scores.days == 14)
        let c = try DaemonConfig.parse("scores:\n  enabled: false\n  directory: /srv/s\n  days: 3.5\n  file_minutes: 10\n", source: "t.yaml")
        #expect(c.scores == ScoreLogSettings(enabled: false, directory: "/srv/s", days: 3.5, fileMinutes: 10))
        let i = try Instance(name: "hall", environment: [:])
        #expect(try DaemonConfig.parse("", source: "t.yaml", instance: i).scores.directory == "/var/lib/earshot-hall/scores")
        let outside = try DaemonConfig.parse("scores:\n  directory: /var/lib/earshot/scores\n", source: "t.yaml", instance: i).placesOutside(i)
        #expect(outside.count == 1 && outside[0].hasPrefix("scores.directory: /var/lib/earshot/scores is outside /var/lib/earshot-hall"), "\(outside)")
        for (yaml, key) in [("scores:\n  days: 0\n", "scores.days"), ("scores:\n  directory: scores\n", "scores.directory"),
                            ("scores:\n  file_minutes: 5000\n", "scores.file_minutes"), ("scores:\n  keep: 3\n", "scores.keep")] {
            do { _ = try DaemonConfig.parse(yaml, source: "t.yaml"); Issue.record("\(yaml) was accepted") } catch let e as ConfigError {
                #expect(e.description.hasPrefix("t.yaml:2: '\(key)'"), "\(e)")
            }
        }
    }
}
