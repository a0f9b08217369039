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

    /// Names that are not UTF-8 (`BytePaths`): listed with the undecodable bytes escaped, and read by them.
    @Test func namesThatAreNotUTF8AreListedAndRead() throws {
        #expect(BytePaths.display(Array("café.wav".utf8)) == "café.wav")
        #expect(BytePaths.display([0x63, 0x61, 0x66, 0xE9, 0x2E, 0x77]) == "caf\\xE9.w")
        #expect(BytePaths.display([0x61, 0xE2, 0x82]) == "a\\xE2\\x82", "a cut-off three-byte sequence")
        let dir = TestPaths.tempDir("paths-latin1")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tone = (0..<8_000).map { 0.25 * sinf(Float($0) * 0.05) }
        try AudioFileWriter.writeWAV16(tone, sampleRate: 16_000, to: dir.appendingPathComponent("x.wav"))
        try AudioFileWriter.writeWAV16([Float](repeating: 0.1, count: 100), sampleRate: 16_000, to: dir.appendingPathComponent("b.wav"))
        func raw(_ name: [UInt8]) -> [CChar] { (Array(dir.path.utf8) + [0x2F] + name + [0]).map { CChar(bitPattern: $0) } }
        #expect(rename(dir.appendingPathComponent("x.wav").path, raw([0x61, 0xE9, 0x2E, 0x77, 0x61, 0x76])) == 0)
        #expect(rename(dir.appendingPathComponent("b.wav").path, raw([0xFF, 0x2E, 0x74, 0x78, 0x74])) == 0, "not audio: left out")
        // the descriptors open on this test's folder (other tests run beside it, so not a count of all)
        let fds = {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).filter {
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0))?.hasPrefix(dir.path) == true
            }.count
        }
        let out = AudioPaths.expand([dir.path])
        #expect(out == [dir.path + "/a\\xE9.wav"])
        let clip = try AudioFile.read(URL(fileURLWithPath: out[0]))
        #expect(fds() == 0, "no descriptor is kept open for a name (a folder of thousands would run out)")
        #expect(clip.samples.count == tone.count && zip(clip.samples, tone).allSatisfy { abs($0 - $1) < 1e-4 })
        // a name never listed is reported as missing, by that name
        #expect { try AudioFile.read(URL(fileURLWithPath: dir.path + "/b\\xE9.wav")) } throws: { "\($0)".contains("b\\xE9.wav: no such file") }
    }
}
