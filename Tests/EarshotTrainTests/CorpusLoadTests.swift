import EarshotDSP
import Foundation
import Testing
@testable import EarshotTrain

/// `Corpus.load`: a clip that cannot be used is reported, naming the file, and the others still load.
@Suite struct CorpusLoadTests {
    @Test func damagedAndUnreadableClipsAreReportedAndSkipped() throws {
        let dir = TestPaths.tempDir("corpus")
        defer { try? FileManager.default.removeItem(at: dir) }
        for sub in ["gunshot", "negative"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let tone = (0..<8000).map { Float(0.3 * sin(Double($0) * 0.2)) }
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
}
