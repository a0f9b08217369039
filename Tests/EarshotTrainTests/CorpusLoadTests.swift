import EarshotDetect
import EarshotDSP
import Foundation
import Testing
@testable import EarshotTrain

/// `Corpus.load`: a clip that cannot be used is reported, naming the file, and the others still load.
@Suite struct CorpusLoadTests {
    /// 0.5 s of a 0.3-amplitude tone: a clip that decodes.
    static let tone = (0..<8000).map { Float(0.3 * sin(Double($0) * 0.2)) }

    /// A temporary corpus folder with empty `gunshot/` and `negative/` (the caller removes it).
    static func corpusFolder(_ tag: String) throws -> URL {
        let dir = TestPaths.tempDir(tag)
        for sub in ["gunshot", "negative"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        return dir
    }

    @Test func damagedAndUnreadableClipsAreReportedAndSkipped() throws {
        let dir = try Self.corpusFolder("corpus")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tone = Self.tone
        try AudioFileWriter.writeWAV16(tone, sampleRate: 16_000, to: dir.appendingPathComponent("gunshot/a__good.wav"))
        var nan = tone
        nan[4000] = .nan
        try AudioFileWriter.write(nan, channels: 1, sampleRate: 16_000, format: .wavFloat, to: dir.appendingPathComponent("gunshot/b__nan.wav"))
        try Data("RIFF and then nothing that is audio".utf8).write(to: dir.appendingPathComponent("negative/c__junk.wav"))
        try AudioFileWriter.writeWAV16(tone, sampleRate: 16_000, to: dir.appendingPathComponent("negative/d__good.wav"))

        let corpus = try Corpus(root: dir)
        var errors: [(String, Error)] = []
        let clips = corpus.load(corpus.clips) { info, e in errors.append((info.file, e)) }
        #expect(clips.map(\.info.file) == ["gunshot/a__good.wav", "negative/d__good.wav"])
        #expect(errors.map(\.0) == ["gunshot/b__nan.wav", "negative/c__junk.wav"])
        let damaged = errors.first.map { "\($0.1)" } ?? ""
        #expect(damaged.contains("b__nan.wav") && damaged.contains("1 sample is NaN, infinite or beyond ±1e10 (the first at 0.250 s)") && damaged.contains("re-record"), "\(damaged)")
        #expect(errors.allSatisfy { $0.1 is AudioFileError })
    }

    /// The manifest: Windows line ends read like Unix ones; a line that cannot describe a clip (too few
    /// columns, a class that is none of the four, seconds that are no number) is left out and named with its
    /// line; a manifest that is not UTF-8 is an error (not a silent fall-back to listing the folders, which
    /// would change the groups); a missing folder says so.
    @Test func manifestLinesAreReadOrNamed() throws {
        let dir = TestPaths.tempDir("manifest")
        defer { try? FileManager.default.removeItem(at: dir) }
        let head = "file\tclass\tsource\tgroup\tseconds\tlicence\torigin"
        let rows = ["gunshot/g1__a.wav\tgunshot\tsrcA\tg1\t2.0\tCC0\tx",
                    "negative/n1__b.wav\tnegative\tsrcB\tn1\t1.5\tCC0\tx",
                    "negative/n2__c.wav\tNegative\tsrcB\tn2\t1.5\tCC0\tx",
                    "negative/n3__d.wav\tnegative\tsrcB\tn3\t1,5\tCC0\tx",
                    "crowd/c1__e.wav\tcrowd\tsrcC",
                    "",
                    "crowd/c2__f.wav\tcrowd\tsrcC\tc2\t3\tCC0\tx"]
        let manifest = dir.appendingPathComponent("manifest.tsv")
        for ending in ["\n", "\r\n"] {
            try ([head] + rows).joined(separator: ending).write(to: manifest, atomically: true, encoding: .utf8)
            let c = try Corpus(root: dir)
            #expect(c.clips.map(\.file) == ["gunshot/g1__a.wav", "negative/n1__b.wav", "crowd/c2__f.wav"], "line ends \(ending.debugDescription)")
            #expect(c.clips.map(\.seconds) == [2.0, 1.5, 3.0] && c.clips.map(\.group) == ["g1", "n1", "c2"])
            #expect(c.skipped.count == 3, "\(c.skipped)")
            #expect(c.skipped.contains { $0.hasPrefix(manifest.path + ":4: class 'Negative'") }, "\(c.skipped)")
            #expect(c.skipped.contains { $0.hasPrefix(manifest.path + ":5: seconds '1,5'") }, "\(c.skipped)")
            #expect(c.skipped.contains { $0.hasPrefix(manifest.path + ":6: 3 columns") }, "\(c.skipped)")
        }
        var latin1 = Data(([head] + rows).joined(separator: "\n").utf8)
        latin1.append(contentsOf: [0x0a, 0x67, 0xe9, 0x0a]) // "\ngé\n" in Latin-1: not UTF-8
        try latin1.write(to: manifest)
        #expect { try Corpus(root: dir) } throws: { "\($0)".contains(manifest.path) && "\($0)".contains("UTF-8") }
        let nowhere = dir.appendingPathComponent("nowhere")
        #expect { try Corpus(root: nowhere) } throws: { "\($0)".contains(nowhere.path) && "\($0)".contains("no such folder") }
    }

    /// What a training run, `evaluate` and `adapt` skip (`loadSkipping`): the manifest lines `init` left out first,
    /// then the clips that cannot be decoded, each said once as "skipping FILE: why", naming the file once, and
    /// returned for the run's report; the rest loads.
    @Test func aRunSaysWhatItSkipsOnce() throws {
        let dir = try Self.corpusFolder("skipping")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tone = Self.tone
        try AudioFileWriter.writeWAV16(tone, sampleRate: 16_000, to: dir.appendingPathComponent("gunshot/g1__a.wav"))
        try Data("RIFF and then nothing that is audio".utf8).write(to: dir.appendingPathComponent("negative/n1__junk.wav"))
        try AudioFileWriter.writeWAV16(tone, sampleRate: 16_000, to: dir.appendingPathComponent("negative/n2__b.wav"))
        let manifest = dir.appendingPathComponent("manifest.tsv")
        try ["file\tclass\tsource\tgroup\tseconds\tlicence", "gunshot/g1__a.wav\tgunshot\ts\tg1\t0.5\tCC0",
             "negative/n1__junk.wav\tnegative\ts\tn1\t1\tCC0", "negative/n2__b.wav\tnegative\ts\tn2\t0.5\tCC0",
             "negative/n3__c.wav\tnoise\ts\tn3\t1\tCC0"].joined(separator: "\n").write(to: manifest, atomically: true, encoding: .utf8)
        let c = try Corpus(root: dir)
        var said: [String] = []
        let (clips, skipped) = c.loadSkipping(c.clips) { said.append($0) }
        #expect(clips.map(\.info.file) == ["gunshot/g1__a.wav", "negative/n2__b.wav"])
        #expect(said == skipped.map { "skipping " + $0 } && skipped.count == 2, "\(said)")
        #expect(skipped.first?.hasPrefix(manifest.path + ":5: class 'noise'") == true, "the manifest's line first: \(skipped)")
        let junk = dir.appendingPathComponent("negative/n1__junk.wav").path
        #expect(skipped.last.map { $0.contains(junk) && $0.components(separatedBy: "n1__junk.wav").count == 2 } == true, "the clip, named once: \(skipped)")
    }

    /// A file listed twice (trainer QA D7): the same row again is counted once and named with both lines; the
    /// same file (by any spelling of its path) in another group or class is refused, naming both lines.
    @Test func aFileListedTwiceIsCountedOnceOrRefused() throws {
        let dir = TestPaths.tempDir("manifest-dup")
        defer { try? FileManager.default.removeItem(at: dir) }
        let head = "file\tclass\tsource\tgroup\tseconds\tlicence"
        let rows = ["gunshot/g1__a.wav\tgunshot\ts\tg1\t0.5\tCC0", "negative/n1__b.wav\tnegative\ts\tn1\t0.5\tCC0"]
        let manifest = dir.appendingPathComponent("manifest.tsv")
        try ([head] + rows + rows).joined(separator: "\n").write(to: manifest, atomically: true, encoding: .utf8)
        let c = try Corpus(root: dir)
        #expect(c.clips.map(\.file) == ["gunshot/g1__a.wav", "negative/n1__b.wav"])
        // one warning, and nothing skipped: the files are read (the re-check's N2 — the repeats were counted as unreadable files)
        #expect(c.skipped.isEmpty, "\(c.skipped)")
        #expect(c.warnings == ["\(manifest.path): 2 row(s) list a file again and are left out (each file is one clip): line 4 (gunshot/g1__a.wav, first on line 2), line 5 (negative/n1__b.wav, first on line 3) — remove them"], "\(c.warnings)")
        for other in ["gunshot/g1__a.wav\tgunshot\ts\tg1_copy\t0.5\tCC0", "gunshot/./x/../g1__a.wav\tnegative\ts\tg1\t0.5\tCC0"] {
            try ([head] + rows + [other]).joined(separator: "\n").write(to: manifest, atomically: true, encoding: .utf8)
            #expect { try Corpus(root: dir) } throws: {
                "\($0)".contains("is listed on line 2 (class gunshot, group g1) and on line 4 (class ") && "\($0)".contains("keep one of the rows")
            }
        }
    }

    /// The manifest's header and coverage (trainer QA D10): a first line that is a clip is refused (it used to be
    /// dropped as the header); audio files in the class folders that it does not list are counted and named in a
    /// warning; a manifest with no gunshot row says so, and how many gunshot files it leaves out.
    @Test func aManifestWithoutHeaderOrMissingFilesIsNamed() throws {
        let dir = try Self.corpusFolder("manifest-cover")
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in ["gunshot/g1__a.wav", "gunshot/g2__a.wav", "gunshot/extra__x.wav", "negative/n1__b.wav", "negative/n2__b.wav"] {
            try AudioFileWriter.writeWAV16(Self.tone, sampleRate: 16_000, to: dir.appendingPathComponent(n))
        }
        let head = "file\tclass\tsource\tgroup\tseconds\tlicence\torigin"
        let rows = ["gunshot/g1__a.wav\tgunshot\ts\tg1\t0.5\tCC0\tx", "gunshot/g2__a.wav\tgunshot\ts\tg2\t0.5\tCC0\tx", "negative/n1__b.wav\tnegative\tt\tn1\t0.5\tCC0\tx"]
        let manifest = dir.appendingPathComponent("manifest.tsv")
        try rows.joined(separator: "\n").write(to: manifest, atomically: true, encoding: .utf8)
        #expect { try Corpus(root: dir) } throws: { "\($0)".contains("\(manifest.path):1 is a clip (gunshot/g1__a.wav), not the header line") }
        try ([head] + rows).joined(separator: "\n").write(to: manifest, atomically: true, encoding: .utf8)
        let c = try Corpus(root: dir)
        #expect(c.clips.count == 3 && c.warnings == ["2 audio file(s) in the class folders are not in \(manifest.path), so they are not used: gunshot/extra__x.wav, negative/n2__b.wav — add a row for each, or move them out"], "\(c.warnings)")
        var said: [String] = []
        _ = c.loadSkipping(c.clips) { said.append($0) }
        #expect(said.first?.hasPrefix("warning: 2 audio file(s) in the class folders are not in") == true, "\(said)")
        try head.write(to: manifest, atomically: true, encoding: .utf8)
        #expect { try Corpus(root: dir) } throws: { "\($0)".contains("\(manifest.path) lists no gunshot clips (3 audio file(s) in gunshot/ are not in it)") }
    }

    /// A clip whose file name is not UTF-8 (trainer QA D13; a Latin-1 "café" from an old recorder): Foundation's
    /// listing left it out without a word. Without a manifest it is a clip now, shown with its byte escaped, and
    /// decodes; with a manifest (which cannot name it) it is among the unlisted files the warning names.
    @Test func aClipNamedInLatin1IsUsedOrNamed() throws {
        let dir = try Self.corpusFolder("latin1")
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in ["gunshot/range__1.wav", "gunshot/range__2.wav", "negative/street__1.wav"] {
            try AudioFileWriter.writeWAV16(Self.tone, sampleRate: 16_000, to: dir.appendingPathComponent(n))
        }
        let latin1 = (Array((dir.path + "/gunshot/caf").utf8) + [0xE9] + Array("__1.wav".utf8) + [0]).map { CChar(bitPattern: $0) }
        #expect(rename(dir.appendingPathComponent("gunshot/range__2.wav").path, latin1) == 0)
        let c = try Corpus(root: dir)
        #expect(c.clips.map(\.file) == ["gunshot/caf\\xE9__1.wav", "gunshot/range__1.wav", "negative/street__1.wav"])
        let (loaded, skipped) = c.loadSkipping(c.clips) { _ in }
        #expect(skipped.isEmpty && loaded.count == 3, "\(skipped)")
        let head = "file\tclass\tsource\tgroup\tseconds\tlicence\torigin"
        try [head, "gunshot/range__1.wav\tgunshot\ts\trange\t0.5\tCC0\tx", "negative/street__1.wav\tnegative\tt\tstreet\t0.5\tCC0\tx"]
            .joined(separator: "\n").write(to: dir.appendingPathComponent("manifest.tsv"), atomically: true, encoding: .utf8)
        let m = try Corpus(root: dir)
        #expect(m.warnings.contains { $0.hasPrefix("1 audio file(s) in the class folders are not in") && $0.contains(": gunshot/caf\\xE9__1.wav — ") }, "\(m.warnings)")
    }

    /// No manifest (trainer QA D11): said, with how groups are made; file names without `__` (each its own group)
    /// are counted and named; the clips' seconds come from the files' headers (the split table's minutes).
    @Test func noManifestAndNamesWithoutGroupsAreSaid() throws {
        let dir = try Self.corpusFolder("no-manifest")
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 1...5 { try AudioFileWriter.writeWAV16(Self.tone, sampleRate: 16_000, to: dir.appendingPathComponent("gunshot/rangeday_chunk\(i).wav")) }
        try AudioFileWriter.writeWAV16(Array((0..<120).map { _ in Self.tone }.joined()), sampleRate: 16_000, to: dir.appendingPathComponent("negative/street__1.wav"))
        let c = try Corpus(root: dir)
        #expect(c.warnings.count == 2, "\(c.warnings)")
        #expect(c.warnings.first == "no manifest.tsv in \(dir.path): the clips are the files of the class folders, grouped by their name's prefix before `__` (a recording's chunks share it)")
        #expect(c.warnings.last?.hasPrefix("5 file(s) have no `__` in their name, so each is a recording group of its own (chunks of one recording could then land in train and test): gunshot/rangeday_chunk1.wav, gunshot/rangeday_chunk2.wav, gunshot/rangeday_chunk3.wav and 2 more — ") == true, "\(c.warnings)")
        #expect(c.clips.map(\.seconds) == [0.5, 0.5, 0.5, 0.5, 0.5, 60])
        let table = GroupSplit(clips: c.clips, seed: 1).report(c.clips)
        #expect(table.contains("| negative | street | 1 (1, 1.0) |"), "a minute of negative audio: \(table)")
    }

    /// Input that decodes but is probably not what its label says (trainer QA D15): a silent gunshot, a 10 ms clip,
    /// an 8 kHz clip, a length far from the manifest's — each a one-line warning naming the file; used anyway; many
    /// such clips give the first ten and a count.
    @Test func suspiciousClipsAreWarnedAboutOnALineEach() throws {
        let dir = try Self.corpusFolder("suspicious")
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ x: [Float], rate: Int = 16_000) throws { try AudioFileWriter.writeWAV16(x, sampleRate: rate, to: dir.appendingPathComponent(name)) }
        try write("gunshot/silent__a.wav", [Float](repeating: 0, count: 8000))
        try write("gunshot/good__a.wav", Self.tone)
        try write("negative/tiny__a.wav", Array(Self.tone.prefix(160)))
        try write("negative/phone__a.wav", Array(Self.tone.prefix(4000)), rate: 8000)
        try write("negative/long__a.wav", Self.tone)
        let head = "file\tclass\tsource\tgroup\tseconds\tlicence"
        let rows = ["gunshot/silent__a.wav\tgunshot\ts\tsilent\t0.5\tCC0", "gunshot/good__a.wav\tgunshot\ts\tgood\t0.5\tCC0", "negative/tiny__a.wav\tnegative\tt\ttiny\t0.01\tCC0",
                    "negative/phone__a.wav\tnegative\tt\tphone\t0.5\tCC0", "negative/long__a.wav\tnegative\tt\tlong\t2.0\tCC0"]
        try ([head] + rows).joined(separator: "\n").write(to: dir.appendingPathComponent("manifest.tsv"), atomically: true, encoding: .utf8)
        let c = try Corpus(root: dir)
        var said: [String] = []
        let (clips, skipped) = c.loadSkipping(c.clips) { said.append($0) }
        #expect(clips.count == 5 && skipped.isEmpty)
        func path(_ n: String) -> String { dir.appendingPathComponent(n).path }
        #expect(said == ["warning: \(path("gunshot/silent__a.wav")): labelled gunshot but digital silence (no sample above −80 dBFS)",
                         "warning: \(path("negative/tiny__a.wav")): 0.010 s long (too short to hold a sound)",
                         "warning: \(path("negative/phone__a.wav")): recorded at 8000 Hz, \(LowSampleRate.problem(rate: 8000, modelRate: 16_000)!)",
                         "warning: \(path("negative/long__a.wav")): 0.50 s long, the manifest says 2.00 s"], "\(said)")
        // many: the first ten, then a count
        try FileManager.default.removeItem(at: dir.appendingPathComponent("manifest.tsv"))
        for i in 0..<12 { try write("negative/quiet\(i)__a.wav", [Float](repeating: 0, count: 8000)) }
        let many = try Corpus(root: dir)
        said = []
        _ = many.loadSkipping(many.clips) { said.append($0) }
        let warned = said.filter { $0.hasPrefix("warning: /") }
        #expect(warned.count == 10 && said.last == "warning: 5 more clip(s) like these (15 in all)", "\(said)")
    }
}
