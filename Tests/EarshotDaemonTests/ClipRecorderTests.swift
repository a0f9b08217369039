import EarshotDSP
import Foundation
import Testing
@testable import EarshotDaemon

@Suite("ClipRecorder: evidence clips")
struct ClipRecorderTests {
    /// A signal whose every sample says where it is: a slow sawtooth, plus a loud "shot" planted at `shotAt`.
    static func signal(_ i: Int, shotAt: Int) -> Float {
        if i >= shotAt && i < shotAt + 1600 { return (i - shotAt) % 2 == 0 ? 0.9 : -0.9 }
        return Float(i % 1000) / 2000 - 0.25
    }

    @Test("the clip covers pre-roll + post-roll around the event start, sample-exact, with the planted shot in place")
    func contentAroundShot() throws {
        let dir = TestPaths.tempDir("clip")
        let written = Collected<String>()
        let metrics = MetricsFile(settings: MetricsSettings(path: dir.path + "/m.prom"))
        let rec = ClipRecorder(settings: ClipSettings(directory: dir.path, preRoll: 1, postRoll: 1.5), logger: LogCapture().logger,
                               metrics: metrics, onWritten: { p, e in if e == nil { written.add(p) } })
        let shotAt = 32_000 // 2.0 s
        var chunk = [Float](repeating: 0, count: 160)
        var i = 0
        func feed(until n: Int) {
            while i < n {
                for k in 0..<160 { chunk[k] = Self.signal(i + k, shotAt: shotAt) }
                rec.append(chunk); i += 160
            }
        }
        feed(until: shotAt + 3200) // the detector notices 0.2 s after the onset
        let start = Date(timeIntervalSince1970: 1_764_059_000.5)
        let t0 = Date()
        let path = try #require(rec.begin(eventID: "evt/42", at: start, samplesSinceStart: 3200))
        #expect(Date().timeIntervalSince(t0) < 0.2)
        #expect(path == dir.path + "/20251125T082320.500Z_evt_42.wav")
        feed(until: shotAt + 16_000) // not yet all post-roll (1.5 s = 24 000 samples)
        usleep(100_000)
        #expect(!FileManager.default.fileExists(atPath: path))
        feed(until: shotAt + 30_000)
        #expect(written.wait(count: 1, timeout: 5) == [path])

        let clip = try AudioFile.read(URL(fileURLWithPath: path))
        #expect(clip.sampleRate == 16_000)
        #expect(clip.samples.count == 16_000 + 24_000)
        var maxDiff: Float = 0
        for (k, x) in clip.samples.enumerated() { maxDiff = max(maxDiff, abs(x - Self.signal(shotAt - 16_000 + k, shotAt: shotAt))) }
        print("clip max diff vs planted signal: \(maxDiff)")
        #expect(maxDiff <= 1.0 / 32768 + 1e-6)
        #expect(abs(clip.samples[16_000] - 0.9) < 1e-3 && abs(clip.samples[15_999] - Self.signal(shotAt - 1, shotAt: shotAt)) < 1e-3)
        #expect(metrics.snapshot.clipsWrittenTotal == 1)
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test("no clip spans a capture gap: a gap ends a clip's post-roll, and a later clip's pre-roll starts after it")
    func clipsStopAtGaps() throws {
        let dir = TestPaths.tempDir("clip-gap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = Collected<String>()
        let rec = ClipRecorder(settings: ClipSettings(directory: dir.path, preRoll: 1, postRoll: 1), logger: LogCapture().logger,
                               onWritten: { p, e in if e == nil { written.add(p) } })
        rec.append([Float](repeating: 0.1, count: 32_000))             // 2 s of the first stretch
        let a = try #require(rec.begin(eventID: "a", at: Date()))         // wants 1 s before, 1 s after
        rec.append([Float](repeating: 0.1, count: 8_000))              // 0.5 s of its post-roll
        rec.markGap()                                                   // the device came back later
        #expect(written.wait(count: 1, timeout: 5) == [a], "the gap ends clip a at once")
        rec.append([Float](repeating: -0.2, count: 4_000))             // 0.25 s of the new stretch
        let b = try #require(rec.begin(eventID: "b", at: Date()))
        rec.append([Float](repeating: -0.2, count: 16_000))
        #expect(written.wait(count: 2, timeout: 5) == [a, b])
        let ca = try AudioFile.read(URL(fileURLWithPath: a)).samples, cb = try AudioFile.read(URL(fileURLWithPath: b)).samples
        #expect(ca.count == 24_000 && ca.allSatisfy { abs($0 - 0.1) < 1e-3 }, "1 s pre-roll + 0.5 s up to the gap: \(ca.count)")
        #expect(cb.count == 20_000 && cb.allSatisfy { abs($0 + 0.2) < 1e-3 }, "pre-roll only from the gap on (0.25 s) + 1 s: \(cb.count)")
    }

    @Test("flush writes a pending clip with the audio there is (shutdown), and a clip at start-up has a short pre-roll")
    func flushShort() throws {
        let dir = TestPaths.tempDir("clip-flush")
        let rec = ClipRecorder(settings: ClipSettings(directory: dir.path, preRoll: 5, postRoll: 5), logger: LogCapture().logger)
        rec.append([Float](repeating: 0.1, count: 8_000))
        let path = try #require(rec.begin(eventID: "e1", at: Date()))
        rec.append([Float](repeating: -0.1, count: 4_000))
        rec.flush()
        let clip = try AudioFile.read(URL(fileURLWithPath: path))
        #expect(clip.samples.count == 12_000)
        #expect(abs(clip.samples[7_999] - 0.1) < 1e-3 && abs(clip.samples[8_000] + 0.1) < 1e-3)
    }

    @Test("whenWritten runs once the clip is complete on disk (clip_hook), and not for a clip that failed")
    func whenWritten() throws {
        let dir = TestPaths.tempDir("clip-then")
        let seen = Collected<(String, Int)>()
        let rec = ClipRecorder(settings: ClipSettings(directory: dir.path, preRoll: 0.5, postRoll: 0.5), logger: LogCapture().logger)
        rec.append([Float](repeating: 0.2, count: 16_000))
        let path = try #require(rec.begin(eventID: "e1", at: Date()) { p in
            seen.add((p, (try? AudioFile.read(URL(fileURLWithPath: p)))?.samples.count ?? -1))
        })
        rec.append([Float](repeating: 0.2, count: 4_000))
        #expect(seen.wait(count: 1, timeout: 0.3).isEmpty, "not before the post-roll is recorded")
        rec.append([Float](repeating: 0.2, count: 8_000))
        let got = seen.wait(count: 1, timeout: 5)
        #expect(got.count == 1 && got.first?.0 == path && got.first?.1 == 16_000, "called with the path of the whole clip: \(got)")

        let bad = ClipRecorder(settings: ClipSettings(directory: "/proc/earshot-no/clips", preRoll: 0.1, postRoll: 0.1), logger: LogCapture().logger)
        bad.append([Float](repeating: 0.2, count: 4_000))
        _ = bad.begin(eventID: "e2", at: Date()) { p in seen.add((p, 0)) }
        bad.append([Float](repeating: 0.2, count: 4_000))
        bad.flush()
        #expect(seen.all.count == 1, "a clip that could not be written sends nothing")
    }

    @Test("retention deletes the oldest clips beyond max_count, and clips older than max_age_days")
    func retentionCount() throws {
        let dir = TestPaths.tempDir("clip-ret")
        let old = dir.appendingPathComponent("20000101T000000.000Z_ancient.wav")
        try Data(count: 100).write(to: old)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -40 * 86_400)], ofItemAtPath: old.path)
        let unrelated = dir.appendingPathComponent("notes.txt")
        try Data("keep".utf8).write(to: unrelated)
        let written = Collected<String>()
        let rec = ClipRecorder(settings: ClipSettings(directory: dir.path, preRoll: 0, postRoll: 0.1, maxCount: 3, maxAgeDays: 30),
                               logger: LogCapture().logger, onWritten: { p, _ in written.add(p) })
        var paths: [String] = []
        for n in 0..<5 {
            paths.append(try #require(rec.begin(eventID: "ev\(n)", at: Date(timeIntervalSince1970: 1_764_000_000 + Double(n)))))
            rec.append([Float](repeating: 0.2, count: 1_600))
            _ = written.wait(count: n + 1, timeout: 5)
            usleep(20_000) // distinct modification times
        }
        rec.flush()
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == (paths.suffix(3).map { ($0 as NSString).lastPathComponent } + ["notes.txt"]).sorted())
        #expect(!FileManager.default.fileExists(atPath: old.path))
    }

    @Test("max_age_days 0 keeps clips forever: no age limit (docs QA finding 2), the other limits still hold")
    func retentionNoAgeLimit() throws {
        let dir = TestPaths.tempDir("clip-forever")
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = dir.appendingPathComponent("ancient.wav"), new = dir.appendingPathComponent("new.wav")
        for u in [old, new] { try Data(count: 100).write(to: u) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -20 * 365 * 86_400)], ofItemAtPath: old.path)
        #expect(ClipRetention(settings: ClipSettings(directory: dir.path, maxAgeDays: 0)).enforce().isEmpty, "a 20-year-old clip is kept")
        #expect(FileManager.default.fileExists(atPath: old.path))
        #expect(ClipRetention(settings: ClipSettings(directory: dir.path, maxCount: 1, maxAgeDays: 0)).enforce() == [old.path], "max_count still holds")
        try Data(count: 100).write(to: old)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -20 * 365 * 86_400)], ofItemAtPath: old.path)
        #expect(ClipRetention(settings: ClipSettings(directory: dir.path, maxAgeDays: 3650)).enforce() == [old.path], "the longest age limit still deletes it")
    }

    @Test("retention by total bytes keeps the newest clips that fit")
    func retentionBytes() throws {
        let dir = TestPaths.tempDir("clip-bytes")
        for n in 0..<4 {
            let u = dir.appendingPathComponent("c\(n).wav")
            try Data(count: 400_000).write(to: u)
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: Double(n - 10))], ofItemAtPath: u.path)
        }
        let deleted = ClipRetention(settings: ClipSettings(directory: dir.path, maxBytes: 1_000_000)).enforce()
        #expect(deleted.map { ($0 as NSString).lastPathComponent } == ["c0.wav", "c1.wav"])
    }

    @Test("an unwritable clip directory is logged with the fix, never holds up the alert, and its clips are not promised until it works again")
    func unwritable() throws {
        let dir = TestPaths.tempDir("clip-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a-file")
        try Data().write(to: file)
        let log = LogCapture()
        let results = Collected<Bool>()
        let metrics = MetricsFile(settings: MetricsSettings(path: dir.path + "/m.prom"))
        let bad = file.path + "/clips" // a directory below a regular file cannot exist
        let rec = ClipRecorder(settings: ClipSettings(directory: bad, preRoll: 0.5, postRoll: 0.5), logger: log.logger,
                               metrics: metrics, onWritten: { _, e in results.add(e != nil) })
        rec.flush()   // the directory check at start is done
        rec.append([Float](repeating: 0.3, count: 16_000))
        let t0 = Date()
        // no EARSHOT_CLIP for the journal and the hook: the file would never exist (the re-check's N3)
        #expect(rec.begin(eventID: "e", at: Date()) == nil)
        rec.append([Float](repeating: 0.3, count: 16_000))
        #expect(Date().timeIntervalSince(t0) < 0.2)
        #expect(results.wait(count: 1, timeout: 5) == [true], "the clip is still attempted")
        #expect(log.messages(.error).contains { $0.contains("clips.directory") && $0.contains(bad) })
        #expect(metrics.snapshot.clipFailuresTotal == 1)
        // mended while running: the next clip is attempted and written, and clips are promised again after it
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false)
        #expect(rec.begin(eventID: "e2", at: Date()) == nil)
        rec.append([Float](repeating: 0.3, count: 16_000))
        #expect(results.wait(count: 2, timeout: 5) == [true, false])
        let third = rec.begin(eventID: "e3", at: Date())
        rec.append([Float](repeating: 0.3, count: 16_000))
        #expect(results.wait(count: 3, timeout: 5) == [true, false, false])
        #expect(third.map { FileManager.default.fileExists(atPath: $0) } == true, "\(String(describing: third))")
    }

    @Test("disabled clips: begin returns nil and nothing is written")
    func disabled() {
        let dir = TestPaths.tempDir("clip-off")
        let rec = ClipRecorder(settings: ClipSettings(enabled: false, directory: dir.path), logger: LogCapture().logger)
        rec.append([Float](repeating: 0.3, count: 16_000))
        #expect(rec.begin(eventID: "e", at: Date()) == nil)
        rec.flush()
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.isEmpty == true)
    }

    /// A reload that changes `clips:` (what earshotd does): the old recorder, fed on while a clip waits for its
    /// post-roll, writes it whole with its settings; the new one's first clip reaches back before the reload —
    /// but not across a gap the old one marked — sample-exact.
    @Test("a reload hands over: the clip in its post-roll gets all of it, the next clip's pre-roll reaches back")
    func reloadHandsOver() throws {
        let (oldDir, newDir) = (TestPaths.tempDir("clip-old"), TestPaths.tempDir("clip-new"))
        defer { try? FileManager.default.removeItem(at: oldDir); try? FileManager.default.removeItem(at: newDir) }
        let written = Collected<String>()
        let onWritten: @Sendable (String, Error?) -> Void = { p, e in if e == nil { written.add(p) } }
        let old = ClipRecorder(settings: ClipSettings(directory: oldDir.path, preRoll: 1, postRoll: 2), logger: LogCapture().logger, onWritten: onWritten)
        var i = 0
        func feed(_ recs: [ClipRecorder], until n: Int) {
            var chunk = [Float](repeating: 0, count: 160)
            while i < n {
                for k in 0..<160 { chunk[k] = Self.signal(i + k, shotAt: 80_000) }
                for r in recs { r.append(chunk) }
                i += 160
            }
        }
        feed([old], until: 16_000)
        old.markGap()                       // at 1.0 s: nothing before it may go into a clip
        feed([old], until: 48_000)
        let first = try #require(old.begin(eventID: "a", at: Date(timeIntervalSince1970: 1_764_059_000), samplesSinceStart: 0))
        feed([old], until: 51_200)          // reload 0.2 s into the 2 s post-roll
        let new = ClipRecorder(settings: ClipSettings(directory: newDir.path, preRoll: 3, postRoll: 1), logger: LogCapture().logger, onWritten: onWritten)
        new.takePreRoll(from: old)
        #expect(!old.isIdle)
        feed([old, new], until: 60_000)     // the old recorder is fed on, as earshotd does, until idle
        let second = try #require(new.begin(eventID: "b", at: Date(timeIntervalSince1970: 1_764_059_001), samplesSinceStart: 0))
        feed(old.isIdle ? [new] : [old, new], until: 80_000)
        #expect(old.isIdle)
        #expect(Set(written.wait(count: 2, timeout: 5)) == [first, second])
        let a = try AudioFile.read(URL(fileURLWithPath: first)).samples
        #expect(a.count == 16_000 + 32_000, "old settings: 1 s pre-roll + all of the 2 s post-roll, \(a.count)")
        let b = try AudioFile.read(URL(fileURLWithPath: second)).samples
        // 3 s of pre-roll asked at 3.75 s: back to the gap at 1.0 s (2.75 s), 2.2 s of it from before the reload
        #expect(b.count == 44_000 + 16_000, "pre-roll back to the gap, then the 1 s post-roll: \(b.count)")
        var maxDiff: Float = 0
        for (k, x) in a.enumerated() { maxDiff = max(maxDiff, abs(x - Self.signal(32_000 + k, shotAt: 80_000))) }
        for (k, x) in b.enumerated() { maxDiff = max(maxDiff, abs(x - Self.signal(16_000 + k, shotAt: 80_000))) }
        #expect(maxDiff <= 1.0 / 32768 + 1e-6, "clips are the stream's own samples: \(maxDiff)")
    }
}
