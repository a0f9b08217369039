import Foundation
import Testing
@testable import EarshotDSP

/// Real recordings: a spread of corpus files (every 100th row of `manifest.tsv`, all classes) decode to 16 kHz
/// mono with the duration the manifest lists, and the shared log-mel fixture decodes to its documented shape.
@Suite struct AudioCorpusTests {
    static let manifest = TestPaths.corpus.appendingPathComponent("manifest.tsv")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: manifest.path), "corpus not present (../shared/corpus)"))
    func corpusFilesDecodeToTheirManifestDuration() throws {
        let rows = try String(contentsOf: Self.manifest, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        let header = try #require(rows.first)
        let fileCol = try #require(header.firstIndex(of: "file")), secondsCol = try #require(header.firstIndex(of: "seconds"))
        let sample = rows.dropFirst().enumerated().filter { $0.offset % 100 == 0 }.map(\.element)
        #expect(sample.count >= 20)
        var classes = Set<String>()
        for row in sample {
            let url = TestPaths.corpus.appendingPathComponent(String(row[fileCol]))
            let seconds = try #require(Double(row[secondsCol]))
            let clip = try AudioFile.read(url)
            classes.insert(url.deletingLastPathComponent().lastPathComponent)
            // The manifest rounds to 1 ms.
            #expect(abs(clip.duration - seconds) <= 0.0015, "\(url.lastPathComponent): \(clip.duration) s vs \(seconds) s")
            #expect(clip.samples.allSatisfy { $0 >= -1 && $0 < 1 }, "\(url.lastPathComponent) out of range")
            #expect(AudioTestSignals.rms(clip.samples) > 0, "\(url.lastPathComponent) is silent")
        }
        #expect(classes.count >= 3, "sample should span the classes: \(classes)")
    }

    @Test func sharedFixtureMatchesItsDocumentedShape() throws {
        let url = TestPaths.fixtures.appendingPathComponent("logmel_input.wav")
        let info = try AudioFile.info(url)
        #expect(info.frames == 32000 && info.sampleRate == 16000 && info.channels == 1)
        #expect(info.format.contains("WAV") && info.format.contains("16 bit"))
        let clip = try AudioFile.read(url)
        #expect(clip.duration == 2.0)
        // PCM16 decodes to k/32768 exactly.
        #expect(clip.samples.allSatisfy { ($0 * 32768).rounded() == $0 * 32768 })
        // Two impulsive bursts at 0.5 s and 1.3 s: the loudest 10 ms blocks are there.
        let blocks = stride(from: 0, to: 32000, by: 160).map { AudioTestSignals.rms(clip.samples[$0..<($0 + 160)]) }
        let top = blocks.indices.sorted { blocks[$0] > blocks[$1] }.prefix(4).map { Double($0) * 0.01 }
        #expect(top.contains { abs($0 - 0.5) < 0.05 } && top.contains { abs($0 - 1.3) < 0.05 }, "loudest blocks at \(top) s")
    }
}
