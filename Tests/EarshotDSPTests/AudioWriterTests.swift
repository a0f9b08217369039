import Foundation
import Testing
@testable import EarshotDSP

/// `AudioFileWriter`: exact 16-bit values and clipping, atomic replacement without leftovers, failures that
/// name the path, every `AudioFileFormat` readable back, and the raw S16_LE layout ALSA's file plugin replays.
@Suite struct AudioWriterTests {
    typealias S = AudioTestSignals

    @Test func wav16StoresExactValuesAndClipsInsteadOfWrapping() throws {
        let dir = TestPaths.tempDir("w16")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("edge.wav")
        try AudioFileWriter.writeWAV16([0, 0.5, -0.5, 1.0, -1.0, 1.7, -3, Float(1000) / 32768, .infinity, -.infinity],
                                       sampleRate: 16000, to: url)
        let v = S.wavInt16Samples(try Data(contentsOf: url))
        // +1.0 and above must clip to 32767 (wrapping would give −32768).
        #expect(v == [0, 16384, -16384, 32767, -32768, 32767, -32768, 1000, 32767, -32768], "\(v)")
    }

    @Test func wav16RoundTripsLongSignalsWithinOneLSB() throws {
        let dir = TestPaths.tempDir("rt16")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix(seed: 4)
        let x = (0..<50_000).map { _ in Float(rng.uniform() * 1.98 - 0.99) }
        let url = dir.appendingPathComponent("noise.wav")
        try AudioFileWriter.writeWAV16(x, sampleRate: 16000, to: url)
        let back = try AudioFile.read(url)
        #expect(back.samples.count == x.count && back.sourceFormat.contains("16 bit"))
        let worst = zip(back.samples, x).map { abs($0 - $1) }.max() ?? 1
        // One LSB, not half: see wav16AndRawS16AgreeSampleForSample for why.
        #expect(worst <= 1.0 / 32768 + 1e-7, "max error \(worst * 32768) LSB")
    }

    @Test func wav16AndRawS16AgreeSampleForSample() throws {
        // Evidence clips (WAV16) and ALSA file-plugin input (raw) should quantise a signal identically, and the
        // reader's 1/32768 scale means x → round(32768·x). With SFC_SET_CLIPPING on, libsndfile 1.2's float → PCM16
        // path truncates toward −∞ instead (−0.3 → −9831, 3276.8 → 3276): a −½ LSB bias, up to 1 LSB error.
        let dir = TestPaths.tempDir("scale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x: [Float] = [0.75, -0.75, 0.999, 0.3, -0.3, 0.1, -0.5 / 32768]
        let wav = dir.appendingPathComponent("x.wav"), raw = dir.appendingPathComponent("x.raw")
        try AudioFileWriter.writeWAV16(x, sampleRate: 16000, to: wav)
        try AudioFileWriter.writeRawS16LE(x, to: raw)
        let r = [UInt8](try Data(contentsOf: raw))
        let rawValues = stride(from: 0, to: r.count, by: 2).map { Int16(bitPattern: UInt16(r[$0]) | UInt16(r[$0 + 1]) << 8) }
        #expect(rawValues == x.map { Int16(($0 * 32768).rounded()) })
        let wavValues = S.wavInt16Samples(try Data(contentsOf: wav))
        do {
            #expect(wavValues == rawValues)
        }
    }

    @Test func writeIsAtomicAndLeavesNoTemporaryFiles() throws {
        let dir = TestPaths.tempDir("atomic")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("clip.wav")
        try AudioFileWriter.writeWAV16(S.sine(500, rate: 16000, count: 16000), sampleRate: 16000, to: url)
        try AudioFileWriter.writeWAV16(S.sine(900, rate: 16000, count: 8000), sampleRate: 16000, to: url)  // replace
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["clip.wav"])
        #expect(try AudioFile.info(url).frames == 8000)
    }

    @Test func failureNamesThePathAndCreatesNothing() throws {
        let dir = TestPaths.tempDir("nodir")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("missing-subdir/clip.wav")
        do {
            try AudioFileWriter.writeWAV16([0, 0.1], sampleRate: 16000, to: url)
            Issue.record("writing into a missing directory should fail")
        } catch let e as AudioFileError {
            guard case .cannotWrite = e else { Issue.record("wrong case \(e)"); return }
            #expect(e.path == url.path && e.description.contains(url.path))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        let raw = dir.appendingPathComponent("missing-subdir/x.raw")
        do { try AudioFileWriter.writeRawS16LE([0], to: raw); Issue.record("raw write should fail") } catch let e as AudioFileError {
            if case .cannotWrite = e {} else { Issue.record("wrong case \(e)") }
            #expect(e.path == raw.path)
        }
    }

    @Test func impossibleFormatCombinationIsRefusedUpFront() throws {
        let dir = TestPaths.tempDir("combo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.wav")
        for (channels, rate) in [(0, 16000), (1, 0)] {
            do {
                try AudioFileWriter.write([0, 0], channels: channels, sampleRate: rate, format: .wavPCM16, to: url)
                Issue.record("\(channels) ch at \(rate) Hz should be refused")
            } catch let e as AudioFileError {
                if case .cannotWrite = e {} else { Issue.record("wrong case \(e)") }
            }
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        do {
            #expect(leftovers.isEmpty, "left behind: \(leftovers)")
        }
    }

    @Test(arguments: AudioFileFormat.allCases)
    func everyFormatReadsBackWithItsShapeAndContent(format: AudioFileFormat) throws {
        let dir = TestPaths.tempDir("fmt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.\(format)")
        let l = S.sine(440, rate: 16000, count: 24000, amp: 0.4), r = S.sine(440, rate: 16000, count: 24000, amp: 0.2)
        try AudioFileWriter.write(S.interleave([l, r]), channels: 2, sampleRate: 16000, format: format, to: url)
        let clip = try AudioFile.read(url)
        #expect(clip.sourceChannels == 2 && clip.samples.count == 24000)
        // Mean of 0.4 and 0.2 amplitudes; 8-bit and Vorbis are lossy, so a looser bound there.
        let tol = format == .wavPCM8 || format == .oggVorbis ? 0.01 : 1e-3
        let a = S.amplitude(Array(clip.samples[4000..<20000]), at: 440, rate: 16000)
        #expect(abs(a - 0.3) < tol, "\(format): amplitude \(a)")
    }

    @Test func rawS16LEIsHeaderlessLittleEndianAndClamped() throws {
        let dir = TestPaths.tempDir("raw")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("in.raw")
        try AudioFileWriter.writeRawS16LE([1.0, -1.0, 2.0, -2.0, 0.25, -0.25, .infinity, -.infinity], to: url)
        let b = [UInt8](try Data(contentsOf: url))
        #expect(b.count == 16)
        let v = stride(from: 0, to: b.count, by: 2).map { Int16(bitPattern: UInt16(b[$0]) | UInt16(b[$0 + 1]) << 8) }
        #expect(v == [32767, -32768, 32767, -32768, 8192, -8192, 32767, -32768])
        // sox reads it back as the same signal.
        let wav = dir.appendingPathComponent("in.wav")
        let sox = Process()
        sox.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
        sox.arguments = ["-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1", "-L", url.path, wav.path]
        try sox.run()
        sox.waitUntilExit()
        #expect(sox.terminationStatus == 0)
        #expect(S.wavInt16Samples(try Data(contentsOf: wav)) == v)
    }
}
