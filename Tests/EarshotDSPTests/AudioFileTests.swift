import Foundation
import Testing
@testable import EarshotDSP

@Suite struct AudioFileTests {
    static func sine(_ f: Double, rate: Int, seconds: Double, amp: Double = 0.5) -> [Float] {
        (0..<Int(Double(rate) * seconds)).map { Float(amp * sin(2 * Double.pi * f * Double($0) / Double(rate))) }
    }

    static func rms(_ x: ArraySlice<Float>) -> Double { (x.reduce(0.0) { $0 + Double($1 * $1) } / Double(x.count)).squareRoot() }

    /// Frequency from positive-going zero crossings (ref: standard zero-crossing estimator).
    static func frequency(_ x: [Float], rate: Int) -> Double {
        var first = -1, last = -1, count = 0
        for i in 1..<x.count where x[i - 1] < 0 && x[i] >= 0 {
            if first < 0 { first = i } else { count += 1 }
            last = i
        }
        return Double(count) * Double(rate) / Double(last - first)
    }

    @Test(arguments: [(AudioFileFormat.wavPCM16, 8000, 1), (.wavPCM16, 44100, 2), (.wavPCM24, 48000, 2), (.wavFloat, 16000, 1),
                      (.wavPCM32, 22050, 1), (.wavPCM8, 16000, 1), (.flac, 48000, 2), (.oggVorbis, 44100, 1), (.aiff16, 32000, 2)])
    func readsEveryFormatTo16kMono(format: AudioFileFormat, rate: Int, channels: Int) throws {
        let dir = TestPaths.tempDir("audio")
        defer { try? FileManager.default.removeItem(at: dir) }
        let mono = Self.sine(1000, rate: rate, seconds: 1.5)
        var inter = [Float]()
        for s in mono { for _ in 0..<channels { inter.append(s) } }
        let url = dir.appendingPathComponent("tone.\(format)")
        try AudioFileWriter.write(inter, channels: channels, sampleRate: rate, format: format, to: url)
        let clip = try AudioFile.read(url)
        #expect(clip.sampleRate == 16000)
        #expect(clip.sourceSampleRate == rate)
        #expect(clip.sourceChannels == channels)
        #expect(abs(clip.duration - 1.5) < 0.01, "duration \(clip.duration)")
        let mid = clip.samples[2000..<(clip.samples.count - 2000)]
        let tol = format == .wavPCM8 || format == .oggVorbis ? 0.03 : 0.005
        #expect(abs(Self.rms(mid) - 0.5 / 2.0.squareRoot()) < tol, "rms \(Self.rms(mid))")
        #expect(abs(Self.frequency(Array(mid), rate: 16000) - 1000) < 2)
    }

    @Test func resamplingKeepsFrequencyAndLevel() throws {
        for (f, rate) in [(1000.0, 48000), (3000.0, 44100), (440.0, 8000)] {
            let y = try Resampler.resample(Self.sine(f, rate: rate, seconds: 2), from: Double(rate), to: 16000)
            #expect(abs(y.count - 32000) <= 1)
            let mid = Array(y[1000..<31000])
            #expect(abs(Self.frequency(mid, rate: 16000) - f) < 0.5)
            #expect(abs(Self.rms(mid[...]) - 0.5 / 2.0.squareRoot()) < 0.002)
        }
    }

    @Test func streamingResamplerEqualsOneShot() throws {
        var rng = SplitMix(seed: 7)
        let x = (0..<48000).map { _ in Float(rng.uniform() - 0.5) }
        let whole = try Resampler.resample(x, from: 48000, to: 16000)
        let r = try Resampler(inputRate: 48000, outputRate: 16000)
        var out = [Float]()
        var buf = [Float](repeating: 0, count: r.maxOutput(forInput: 5000))
        var i = 0
        while i < x.count {
            let end = min(x.count, i + 1 + Int(rng.next() % 4999))
            let n = try x[i..<end].withUnsafeBufferPointer { xin in try buf.withUnsafeMutableBufferPointer { try r.process(xin, into: $0) } }
            out += buf[0..<n]
            i = end
        }
        var tail = [Float](repeating: 0, count: 8192)
        let n = try tail.withUnsafeMutableBufferPointer { try r.flush(into: $0) }
        out += tail[0..<n]
        out = Array(out.prefix(whole.count))
        #expect(out.count == whole.count)
        #expect(zip(out, whole).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    @Test func badInputGetsTypedErrorsNamingTheFile() throws {
        let dir = TestPaths.tempDir("bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        func expectError(_ url: URL, _ check: (AudioFileError) -> Bool) {
            do {
                _ = try AudioFile.read(url)
                Issue.record("\(url.lastPathComponent): expected an error")
            } catch let e as AudioFileError {
                #expect(check(e), "\(e)")
                #expect(e.description.contains(url.path))
            } catch { Issue.record("untyped error \(error)") }
        }
        expectError(dir.appendingPathComponent("nope.wav")) { if case .missing = $0 { true } else { false } }
        let empty = dir.appendingPathComponent("empty.wav"); _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        expectError(empty) { if case .empty = $0 { true } else { false } }
        let text = dir.appendingPathComponent("notes.wav"); try "hello, not audio\n".write(to: text, atomically: true, encoding: .utf8)
        expectError(text) { if case .notAudio = $0 { true } else { false } }
        var rng = SplitMix(seed: 3)
        let noise = dir.appendingPathComponent("noise.flac"); try Data((0..<4096).map { _ in UInt8(rng.next() & 0xff) }).write(to: noise)
        expectError(noise) { if case .notAudio = $0 { true } else { false } }
        expectError(dir) { if case let .folder(_, why) = $0 { why == "a folder: give the audio files in it" } else { false } }
        // a WAV whose data chunk is cut short
        let good = dir.appendingPathComponent("good.wav")
        try AudioFileWriter.writeWAV16(Self.sine(500, rate: 16000, seconds: 1), sampleRate: 16000, to: good)
        let bytes = try Data(contentsOf: good)
        let cut = dir.appendingPathComponent("cut.wav"); try bytes.prefix(bytes.count / 2).write(to: cut)
        expectError(cut) { if case .truncated = $0 { true } else { false } }
        // a FLAC cut in the middle of its frames
        let flac = dir.appendingPathComponent("good.flac")
        try AudioFileWriter.write(Self.sine(500, rate: 16000, seconds: 2), channels: 1, sampleRate: 16000, format: .flac, to: flac)
        let fb = try Data(contentsOf: flac)
        let cutFlac = dir.appendingPathComponent("cut.flac"); try fb.prefix(fb.count * 2 / 3).write(to: cutFlac)
        expectError(cutFlac) { if case .truncated = $0 { true } else { false } }
        // a header-only WAV: zero frames
        let zero = dir.appendingPathComponent("zero.wav"); try AudioFileWriter.writeWAV16([], sampleRate: 16000, to: zero)
        expectError(zero) { if case .zeroFrames = $0 { true } else { false } }
    }

    @Test func wav16RoundTripAndRawS16() throws {
        let dir = TestPaths.tempDir("rt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = Self.sine(700, rate: 16000, seconds: 0.5) + [1.5, -1.5]  // last two clip
        let url = dir.appendingPathComponent("clip.wav")
        try AudioFileWriter.writeWAV16(x, sampleRate: 16000, to: url)
        let back = try AudioFile.read(url)
        #expect(back.samples.count == x.count)
        #expect(zip(back.samples.dropLast(2), x.dropLast(2)).allSatisfy { abs($0 - $1) <= 1.0 / 32768 + 1e-7 })
        #expect(back.samples.suffix(2).map { abs($0) > 0.999 } == [true, true])
        let raw = dir.appendingPathComponent("clip.raw")
        try AudioFileWriter.writeRawS16LE([0, 0.5, -1], to: raw)
        #expect([UInt8](try Data(contentsOf: raw)) == [0, 0, 0x00, 0x40, 0x00, 0x80])
    }

    @Test func readsSharedFixtureAndACorpusClip() throws {
        let clip = try AudioFile.read(TestPaths.fixtures.appendingPathComponent("logmel_input.wav"))
        #expect(clip.samples.count == 32000 && clip.sourceFormat.contains("WAV"))
        let gun = TestPaths.corpus.appendingPathComponent("gunshot")
        guard let first = try? FileManager.default.contentsOfDirectory(atPath: gun.path).sorted().first(where: { $0.hasSuffix(".flac") }) else {
            print("corpus not present; skipping the corpus read"); return
        }
        let c = try AudioFile.read(gun.appendingPathComponent(first))
        #expect(c.sourceFormat.contains("FLAC") && c.duration > 0.1)
    }
}
