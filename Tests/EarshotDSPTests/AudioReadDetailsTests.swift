import Foundation
import Testing
@testable import EarshotDSP

/// What `AudioFile.read`/`info` return beyond "it decodes": the mixdown is the mean of the channels, matching
/// rates bypass the resampler, block boundaries lose nothing, and the reported source description is right.
@Suite struct AudioReadDetailsTests {
    typealias S = AudioTestSignals

    @Test func stereoMixdownIsTheMeanOfTheChannels() throws {
        let dir = TestPaths.tempDir("mix")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Different content per channel, so "first channel only" or "sum" would both fail.
        let left = S.sine(440, rate: 16000, count: 8000, amp: 0.6)
        let right = (0..<8000).map { Float(0.2) - Float($0 % 100) * 0.001 }
        let url = dir.appendingPathComponent("lr.wav")
        try AudioFileWriter.write(S.interleave([left, right]), channels: 2, sampleRate: 16000, format: .wavFloat, to: url)
        let clip = try AudioFile.read(url)
        #expect(clip.sourceChannels == 2)
        #expect(clip.samples.count == 8000)
        let worst = zip(clip.samples, zip(left, right)).map { abs($0 - ($1.0 + $1.1) / 2) }.max() ?? 1
        #expect(worst < 1e-6, "max |mono − (L+R)/2| = \(worst)")
    }

    @Test func sixChannelMixdownAveragesAllChannels() throws {
        let dir = TestPaths.tempDir("mix6")
        defer { try? FileManager.default.removeItem(at: dir) }
        let levels: [Float] = [0.6, -0.3, 0.15, 0.05, -0.2, 0.3]  // mean 0.1
        let url = dir.appendingPathComponent("six.wav")
        try AudioFileWriter.write(S.interleave(levels.map { [Float](repeating: $0, count: 1600) }), channels: 6,
                                  sampleRate: 16000, format: .wavFloat, to: url)
        let clip = try AudioFile.read(url)
        #expect(clip.sourceChannels == 6 && clip.samples.count == 1600)
        #expect(clip.samples.allSatisfy { abs($0 - 0.1) < 1e-6 })
    }

    @Test func matchingRateIsPassedThroughUnchanged() throws {
        let dir = TestPaths.tempDir("same")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix(seed: 11)
        let x = (0..<20000).map { _ in Float(rng.uniform() * 1.8 - 0.9) }
        let url = dir.appendingPathComponent("noise.wav")
        try AudioFileWriter.write(x, channels: 1, sampleRate: 16000, format: .wavFloat, to: url)
        let clip = try AudioFile.read(url)
        // Bit-exact: a resampler in the path would smear white noise noticeably.
        #expect(clip.samples == x)
        #expect(clip.sourceSampleRate == 16000 && clip.sampleRate == 16000)
    }

    @Test func blockBoundariesLoseNoFrames() throws {
        let dir = TestPaths.tempDir("blocks")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Around multiples of the 16,384-frame read block.
        for frames in [AudioFile.blockFrames - 1, AudioFile.blockFrames, AudioFile.blockFrames + 1, 3 * AudioFile.blockFrames + 7] {
            let ramp = (0..<frames).map { Float($0 % 30000) / 32768 }
            let url = dir.appendingPathComponent("ramp\(frames).wav")
            try AudioFileWriter.write(S.interleave([ramp, ramp]), channels: 2, sampleRate: 16000, format: .wavFloat, to: url)
            let clip = try AudioFile.read(url)
            #expect(clip.samples.count == frames)
            #expect(clip.samples == ramp, "\(frames) frames")
        }
    }

    /// A stream opened `from:` a sample gives exactly the whole read's samples from there (a seek at the
    /// model's rate in PCM, float or FLAC; the resampler's state carried across the decoded and dropped part
    /// otherwise, and for Ogg Vorbis), counts only those, and starts past a block boundary too.
    @Test(arguments: [(16000, AudioFileFormat.wavFloat), (16000, .wavPCM16), (16000, .flac), (16000, .oggVorbis), (44100, .wavFloat)])
    func streamFromASampleGivesTheRestOfTheWholeRead(rate: Int, format: AudioFileFormat) throws {
        let dir = TestPaths.tempDir("from")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix(seed: 5)
        let n = 3 * AudioFile.blockFrames + 777
        let x = (0..<n).map { _ in Float(rng.uniform() - 0.5) }
        let url = dir.appendingPathComponent("x.wav")
        try AudioFileWriter.write(S.interleave([x, x.map { -$0 / 2 }]), channels: 2, sampleRate: rate, format: format, to: url)
        let whole = try AudioFile.read(url).samples
        for start in [0, 1, 1000, AudioFile.blockFrames + 5, whole.count - 10] {
            let s = try AudioFileStream(url, from: start)
            var part: [Float] = []
            while try s.read(appendingTo: &part) {}
            #expect(s.expectedSamples == whole.count - start && s.fileSamples == whole.count)
            let same = part == Array(whole[start...])   // (a Bool: #expect would diff two long arrays on failure)
            #expect(same, "from \(start): \(part.count) samples, expected \(whole.count - start)")
        }
    }

    @Test(arguments: [8000, 22050, 44100, 48000])
    func readsToOtherTargetRates(target: Int) throws {
        let dir = TestPaths.tempDir("target")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tone.wav")
        try AudioFileWriter.write(S.sine(1000, rate: 32000, count: 32000), channels: 1, sampleRate: 32000, format: .wavPCM24, to: url)
        let clip = try AudioFile.read(url, sampleRate: target)
        #expect(clip.sampleRate == target && clip.sourceSampleRate == 32000)
        #expect(abs(clip.samples.count - target) <= 1, "\(clip.samples.count) samples for 1 s at \(target) Hz")
        #expect(abs(clip.duration - 1.0) < 1e-3)
        let mid = Array(clip.samples[(target / 10)..<(target - target / 10)])
        #expect(abs(S.peakFrequency(mid, near: 1000, span: 5, rate: target) - 1000) < 0.05)
    }

    @Test func nonsensicalTargetRateIsATypedError() throws {
        let dir = TestPaths.tempDir("badrate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tone.wav")
        try AudioFileWriter.writeWAV16(S.sine(440, rate: 16000, count: 1600), sampleRate: 16000, to: url)
        for rate in [0, -16000] {
            #expect(throws: AudioLibraryError.self, "sampleRate \(rate)") { try AudioFile.read(url, sampleRate: rate) }
        }
    }

    @Test(arguments: [(AudioFileFormat.wavPCM8, "WAV", "8 bit"), (.wavPCM16, "WAV", "16 bit"), (.wavPCM24, "WAV", "24 bit"),
                      (.wavPCM32, "WAV", "32 bit"), (.wavFloat, "WAV", "float"), (.flac, "FLAC", "16 bit"),
                      (.oggVorbis, "OGG", "Vorbis"), (.aiff16, "AIFF", "16 bit")])
    func infoDescribesTheSourceWithoutDecoding(format: AudioFileFormat, container: String, encoding: String) throws {
        let dir = TestPaths.tempDir("info")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.\(format)")
        try AudioFileWriter.write(S.interleave([S.sine(300, rate: 44100, count: 22050), S.sine(500, rate: 44100, count: 22050)]),
                                  channels: 2, sampleRate: 44100, format: format, to: url)
        let info = try AudioFile.info(url)
        #expect(info.frames == 22050 && info.sampleRate == 44100 && info.channels == 2)
        #expect(info.format.contains(container) && info.format.localizedCaseInsensitiveContains(encoding), "\(info.format)")
        let clip = try AudioFile.read(url)
        #expect(clip.sourceFormat == info.format)
        #expect(abs(clip.duration - 0.5) < 1e-3)
    }

    @Test func decodedSamplesStayInRangeForFullScaleSquareWave() throws {
        let dir = TestPaths.tempDir("fs")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Full-scale 16-bit square wave at 48 kHz: resampling rings (Gibbs) above full scale; the reader must
        // still hand out finite samples, and the 16-bit source itself must decode to [-1, 1).
        let sq = (0..<48000).map { ($0 / 24) % 2 == 0 ? Float(32767.0 / 32768) : Float(-1) }
        let url = dir.appendingPathComponent("square.wav")
        try AudioFileWriter.writeWAV16(sq, sampleRate: 48000, to: url)
        let native = try AudioFile.read(url, sampleRate: 48000)
        #expect(native.samples.allSatisfy { $0 >= -1 && $0 < 1 })
        let clip = try AudioFile.read(url)
        #expect(clip.samples.allSatisfy { $0.isFinite })
        #expect(abs(clip.samples.count - 16000) <= 1)
    }
}
