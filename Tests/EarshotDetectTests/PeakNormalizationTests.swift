import EarshotDetect
import EarshotDSP
import Foundation
import Testing

/// `earshot detect --normalize`: the gain, and a normalised file analysed as its amplified samples would be.
@Suite struct PeakNormalizationTests {
    @Test func gainBringsAQuietPeakUpAndAPeakAboveFullScaleDownToTheTarget() {
        let n = PeakNormalization()   // −1 dBFS, at most +60 dB
        let g = n.gain(peak: 0.01)    // −40 dBFS → +39 dB
        #expect(abs(PeakLevel.dBFS(0.01 * g) - (-1)) < 1e-4)
        #expect(n.gain(peak: 0.95) == 1, "between −1 and 0 dBFS: left as it is")
        #expect(n.gain(peak: 1) == 1, "at full scale: left as it is")
        let hot = n.gain(peak: 10)    // +20 dBFS, a float file above full scale → −21 dB
        #expect(abs(PeakLevel.dBFS(10 * hot) - (-1)) < 1e-4 && hot < 1)
        #expect(n.gain(peak: 1.01) < 1)
        #expect(n.gain(peak: 0) == 1, "digital silence: nothing to bring up")
        let tiny = n.gain(peak: 1 / 32768)   // −90 dBFS: capped at +60 dB
        #expect(abs(PeakLevel.dBFS(tiny) - 60) < 1e-4)
        #expect(abs(PeakLevel.dBFS(PeakNormalization(targetDBFS: -6, maxGainDB: 80).gain(peak: 0.001)) - 54) < 1e-4)
    }

    /// A quiet file analysed with `normalize` gives exactly what its decoded samples times the gain give, and
    /// reports the file's own peak and the gain applied; without it, the peak is still reported.
    @Test func normalisedFileIsAnalysedAsItsAmplifiedSamples() throws {
        let dir = TestPaths.tempDir("norm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = TestModel.audio(seconds: 4, bursts: [1.2, 2.9]).map { $0 * 0.02 }
        let url = dir.appendingPathComponent("quiet.wav")
        try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: url)
        let decoded = try AudioFile.read(url).samples
        let peak = PeakLevel.peak(decoded)
        #expect(PeakLevel.dBFS(peak) < -25, "the test needs a quiet file: \(PeakLevel.dBFS(peak)) dBFS")
        let m = try TestModel.random(outputScale: 0.3, inputNorm: nil)
        let d = try Detector(model: m, rule: DecisionRule(threshold: 0.5, minConsecutive: 1, cooldown: 0.5))

        let plain = try FileAnalyzer.analyze(url, detector: d)
        #expect(plain.peak == peak && plain.gain == 1)

        let norm = try FileAnalyzer.analyze(url, detectors: [d], normalize: PeakNormalization())
        let g = PeakNormalization().gain(peak: peak)
        #expect(norm.peak == peak && norm.gain == g && g > 10)
        let amplified = FileAnalyzer.analyze(samples: decoded.map { $0 * g }, detector: d)
        #expect(norm.maxScore == amplified.maxScore && norm.windows == amplified.windows)
        #expect(norm.events.map(\.start) == amplified.events.map(\.start))
        #expect(norm.maxScore != plain.maxScore, "the model (no input normalisation) hears the gain")
    }
}
