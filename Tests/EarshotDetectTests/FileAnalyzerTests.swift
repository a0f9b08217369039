import EarshotDetect
import EarshotDSP
import Foundation
import Testing

@Suite struct FileAnalyzerTests {
    @Test func fileGivesTheSameResultAsStreamingItsSamples() throws {
        let dir = TestPaths.tempDir("fa")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = TestModel.audio(seconds: 4, bursts: [1.2])
        let url = dir.appendingPathComponent("a.wav")
        try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: url)
        let m = try TestModel.random()
        let d = try Detector(model: m, rule: DecisionRule(threshold: 0.5))
        let r = try FileAnalyzer.analyze(url, detector: d)
        #expect(abs(r.duration - 4) < 1e-6)
        #expect(r.windows == (LogMel.frameCount(samples: x.count) - 96) / 10 + 1)
        // PCM16 rounding only: same decisions and nearly the same scores as the float samples
        let f = FileAnalyzer.analyze(samples: x, detector: d)
        #expect(f.windows == r.windows)
        #expect(abs(f.maxScore - r.maxScore) < 1e-3)
        let once = try FileAnalyzer.analyze(url, model: m, rule: DecisionRule(threshold: 0.5))
        #expect(once.maxScore == r.maxScore)
    }

    @Test func fileAtAnotherRateIsResampled() throws {
        let dir = TestPaths.tempDir("fa")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("b.flac")
        let x = [Float](repeating: 0.01, count: 44_100 * 2)
        try AudioFileWriter.write(x, channels: 1, sampleRate: 44_100, format: .flac, to: url)
        let r = try FileAnalyzer.analyze(url, model: TestModel.random(), rule: DecisionRule(threshold: 0.5))
        #expect(abs(r.duration - 2) < 0.01)
    }

    @Test func badInputGivesTypedErrors() throws {
        let dir = TestPaths.tempDir("fa")
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = try Detector(model: TestModel.random(), rule: DecisionRule(threshold: 0.5))
        let missing = dir.appendingPathComponent("nope.wav")
        #expect(throws: AudioFileError.missing(path: missing.path)) { try FileAnalyzer.analyze(missing, detector: d) }
        let empty = dir.appendingPathComponent("empty.wav")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        #expect(throws: AudioFileError.empty(path: empty.path)) { try FileAnalyzer.analyze(empty, detector: d) }
        let junk = dir.appendingPathComponent("junk.wav")
        _ = FileManager.default.createFile(atPath: junk.path, contents: Data((0..<4000).map { UInt8($0 % 251) }))
        do {
            _ = try FileAnalyzer.analyze(junk, detector: d)
            Issue.record("junk was analysed")
        } catch let e as AudioFileError {
            #expect(e.path == junk.path)
        }
    }

    @Test func shortFileHasNoWindowsAndNoEvents() throws {
        let r = FileAnalyzer.analyze(samples: [Float](repeating: 0.1, count: 8000), detector: try Detector(model: TestModel.random(), rule: DecisionRule(threshold: 0)))
        #expect(r.windows == 0 && r.events.isEmpty && r.maxScore == 0)
    }
}
