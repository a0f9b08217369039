import Foundation
import Testing
@testable import EarshotDSP

/// `AudioPaths.expand`: folders become the audio files in them, by name; everything else stays as given.
@Suite struct AudioPathsTests {
    @Test func foldersBecomeTheirAudioFilesByName() throws {
        let dir = TestPaths.tempDir("paths")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = dir.appendingPathComponent("rec"), empty = dir.appendingPathComponent("empty")
        for d in [rec, empty, rec.appendingPathComponent("sub.wav")] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        for name in ["b.WAV", "a.flac", "c.ogg", "notes.txt", ".hidden.wav", "model.safetensors"] {
            try Data("x".utf8).write(to: rec.appendingPathComponent(name))
        }
        let lone = dir.appendingPathComponent("lone.wav").path, missing = dir.appendingPathComponent("missing.wav").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: lone))
        let out = AudioPaths.expand([lone, rec.path, missing, empty.path])
        #expect(out == [lone] + ["a.flac", "b.WAV", "c.ogg"].map { rec.path + "/" + $0 } + [missing, empty.path])
        // a folder left as given is named by the reader, with the fix
        #expect { try AudioFileStream(empty) } throws: { "\($0)".contains(empty.path) && "\($0)".contains("a folder with no audio file") && "\($0)".contains(".wav") }
    }
}
