import EarshotDSP
import Foundation
import Testing
@testable import EarshotDaemon

@Suite("SiteRecorder: the site's own sound, for calibrate and adapt")
struct SiteRecorderTests {
    /// Seconds of audio whose every sample differs from its neighbours (a seeded noise), in daemon-sized blocks.
    static func feed(_ rec: SiteRecorder, _ x: [Float]) {
        var i = 0
        while i < x.count {
            let n = min(1600, x.count - i)
            x.withUnsafeBufferPointer { rec.append(UnsafeBufferPointer(rebasing: $0[i..<(i + n)])) }
            i += n
        }
    }

    static func noise(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SeededRNG(seed: seed)
        return (0..<n).map { _ in Float(rng.uniform(-0.5, 0.5)) }
    }

    /// What a 16-bit WAV holds of `x` (rounded to the nearest step, as every writer here rounds).
    static func quantized(_ x: [Float]) -> [Float] { x.map { Float(Int16(max(-32768, min(32767, ($0 * 32768).rounded())))) / 32768 } }

    static func opened(_ events: [String]) -> [String] { events.filter { $0.hasPrefix("opened ") }.map { String($0.dropFirst(7)) } }

    @Test("every sample lands in the files, in order; a new file every file_minutes and after a gap")
    func samplesRotationAndGaps() throws {
        let dir = TestPaths.tempDir("siterec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let events = Collected<String>()
        let metrics = MetricsFile(settings: MetricsSettings(path: dir.path + "/m.prom"))
        let rec = SiteRecorder(settings: RecordingSettings(enabled: true, directory: dir.path + "/rec", hours: 1, fileMinutes: 1),
                               logger: LogCapture().logger, metrics: metrics, onEvent: { events.add($0) })
        let a = Self.noise(150 * 16_000 + 123, seed: 1), b = Self.noise(7 * 16_000, seed: 2)
        Self.feed(rec, a)
        rec.split()            // a capture gap: b must not share a file with a
        Self.feed(rec, b)
        rec.flush()
        let files = Self.opened(events.all)
        #expect(events.all.filter { $0.hasPrefix("closed ") }.count == files.count, "\(events.all)")
        let lengths = try files.map { try AudioFile.read(URL(fileURLWithPath: $0)).samples.count }
        #expect(lengths == [960_000, 960_000, 480_123, 112_000], "60 s, 60 s, the rest of a, then b alone: \(lengths)")
        let all = try files.flatMap { try AudioFile.read(URL(fileURLWithPath: $0)).samples }
        let same = all == Self.quantized(a + b)   // (a Bool: #expect would diff two long arrays on failure)
        #expect(same, "the files hold exactly what was appended")
        #expect(files.allSatisfy { ($0 as NSString).lastPathComponent.hasPrefix("site-") && $0.hasSuffix(".wav") }, "\(files)")
        #expect(Set(files).count == files.count, "no file overwritten")
        #expect(rec.isRecording)
        let m = metrics.snapshot
        #expect(m.siteRecording && m.siteRecordingFailuresTotal == 0 && abs(m.siteRecordingSecondsTotal - Double(a.count + b.count) / 16_000) < 1e-9,
                "metrics: \(m.siteRecordingSecondsTotal) s")
    }

    @Test("the detection loop swaps two preallocated blocks with the writer: no allocation per 10 s")
    func blocksAreReused() throws {
        let dir = TestPaths.tempDir("siterec-blocks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = SiteRecorder(settings: RecordingSettings(enabled: true, directory: dir.path, hours: 1, fileMinutes: 1),
                               logger: LogCapture().logger)
        let x = Self.noise(10 * 16_000, seed: 4)
        for k in 0..<30 {      // 5 min, a file every minute, a capture gap in the middle
            Self.feed(rec, x)
            if k == 14 { rec.split() }
            rec.waitForWriter()   // the disk keeps up
        }
        #expect(rec.blocksAllocated == 2, "\(rec.blocksAllocated) blocks of 10 s allocated for 5 min")
        rec.flush()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".wav") }
        let total = try files.reduce(0) { $0 + (try AudioFile.read(dir.appendingPathComponent($1)).samples.count) }
        #expect(total == 30 * x.count, "\(total) samples in \(files.count) files")
    }

    @Test("a growing file is a valid WAV of what it holds so far (readable while the daemon records)")
    func fileIsReadableWhileItGrows() throws {
        let dir = TestPaths.tempDir("siterec-live")
        defer { try? FileManager.default.removeItem(at: dir) }
        let events = Collected<String>()
        let rec = SiteRecorder(settings: RecordingSettings(enabled: true, directory: dir.path, hours: 1, fileMinutes: 60),
                               logger: LogCapture().logger, onEvent: { events.add($0) })
        let x = Self.noise(25 * 16_000, seed: 3)
        Self.feed(rec, x)      // two 10 s blocks handed to the writer, 5 s still buffered
        let path = try #require(Self.opened(events.wait(count: 1, timeout: 5)).first)
        var got: [Float] = []
        for _ in 0..<200 {     // the second block may still be on its way
            got = (try? AudioFile.read(URL(fileURLWithPath: path)).samples) ?? []   // (empty until the first block lands)
            if got.count == 320_000 { break }
            usleep(10_000)
        }
        let same = got == Self.quantized(Array(x[..<320_000]))
        #expect(got.count == 320_000 && same, "\(got.count) samples readable before the file is closed")
        rec.flush()
    }

    @Test("recording stops at recording.hours of files in the directory, also across restarts")
    func budgetAcrossRestarts() throws {
        let dir = TestPaths.tempDir("siterec-budget")
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = RecordingSettings(enabled: true, directory: dir.path, hours: 0.01, fileMinutes: 60)   // 36 s
        let events = Collected<String>(), log = LogCapture()
        let metrics = MetricsFile(settings: MetricsSettings(path: dir.path + "/m.prom"))
        let rec = SiteRecorder(settings: settings, logger: log.logger, metrics: metrics, onEvent: { events.add($0) })
        Self.feed(rec, Self.noise(50 * 16_000, seed: 4))
        rec.flush()
        #expect(!metrics.snapshot.siteRecording && abs(metrics.snapshot.siteRecordingSecondsTotal - 36) < 0.01, "\(metrics.snapshot.siteRecordingSecondsTotal) s")
        #expect(events.all.contains("complete") && !rec.isRecording, "\(events.all)")
        let bytes = SiteRecorder.bytesRecorded(in: dir.path)
        #expect(bytes <= 1_152_000 && bytes > 1_152_000 - 2 * 16_000, "36 s of 16-bit audio, headers included: \(bytes) bytes")
        #expect(log.messages(.notice).contains { $0.contains("site recording complete") && $0.contains("earshot calibrate") }, "\(log.messages(.notice))")

        // the daemon restarts: the directory is full, nothing more is recorded
        let again = Collected<String>(), log2 = LogCapture()
        let rec2 = SiteRecorder(settings: settings, logger: log2.logger, onEvent: { again.add($0) })
        #expect(again.wait(count: 1, timeout: 5) == ["complete"])
        Self.feed(rec2, Self.noise(20 * 16_000, seed: 5))
        rec2.flush()
        #expect(SiteRecorder.bytesRecorded(in: dir.path) == bytes && Self.opened(again.all).isEmpty)
        #expect(log2.messages(.notice).contains { $0.contains("already holds") && $0.contains("move the files away") }, "\(log2.messages(.notice))")
        // a reload keeps a finished recorder only if there is nothing to do; once the files are moved away the
        // new one records again
        #expect(!rec2.keeps(settings, sampleRate: 16_000))
        let moved = dir.appendingPathComponent("done")
        try FileManager.default.createDirectory(at: moved, withIntermediateDirectories: true)
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where f.hasPrefix("site-") {
            try FileManager.default.moveItem(at: dir.appendingPathComponent(f), to: moved.appendingPathComponent(f))
        }
        let third = Collected<String>()
        let rec3 = SiteRecorder(settings: settings, logger: LogCapture().logger, onEvent: { third.add($0) })
        Self.feed(rec3, Self.noise(12 * 16_000, seed: 9))
        #expect(Self.opened(third.wait(count: 1, timeout: 5)).count == 1 && rec3.isRecording && rec3.keeps(settings, sampleRate: 16_000))
        #expect(!rec3.keeps(RecordingSettings(enabled: true, directory: dir.path, hours: 1), sampleRate: 16_000), "changed settings: a new recorder")
        #expect(!rec3.keeps(settings, sampleRate: 8_000))
        rec3.flush()
    }

    @Test("a directory that cannot be written stops the recording with the fix; appending goes on harmlessly")
    func unwritableDirectory() throws {
        let dir = TestPaths.tempDir("siterec-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let blocker = dir.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)   // a file where the directory should be: fails even as root
        let events = Collected<String>(), log = LogCapture()
        let metrics = MetricsFile(settings: MetricsSettings(path: dir.path + "/m.prom"))
        let rec = SiteRecorder(settings: RecordingSettings(enabled: true, directory: blocker.path + "/rec"), logger: log.logger, metrics: metrics, onEvent: { events.add($0) })
        Self.feed(rec, Self.noise(12 * 16_000, seed: 6))
        #expect(events.wait(count: 1, timeout: 5) == ["failed"])
        #expect(!rec.isRecording && metrics.snapshot.siteRecordingFailuresTotal == 1 && !metrics.snapshot.siteRecording)
        Self.feed(rec, Self.noise(12 * 16_000, seed: 7))
        rec.flush()
        let errors = log.messages(.error)
        #expect(errors.count == 1 && errors[0].contains(blocker.path) && errors[0].contains("recording.directory") && errors[0].contains("detection continues"), "\(errors)")
    }

    @Test("disabled (the default): nothing is written")
    func disabledWritesNothing() throws {
        let dir = TestPaths.tempDir("siterec-off")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(RecordingSettings().enabled == false)
        let rec = SiteRecorder(settings: RecordingSettings(enabled: false, directory: dir.path), logger: LogCapture().logger)
        Self.feed(rec, Self.noise(12 * 16_000, seed: 8))
        rec.flush()
        #expect(!rec.isRecording && SiteRecorder.bytesRecorded(in: dir.path) == 0)
        #expect(rec.keeps(RecordingSettings(enabled: false, directory: dir.path), sampleRate: 16_000), "nothing to restart while off")
    }
}
