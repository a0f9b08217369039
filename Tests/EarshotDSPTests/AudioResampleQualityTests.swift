import Foundation
import Testing
@testable import EarshotDSP

/// Spectral checks of the libsoxr HQ conversion: frequency and level kept (measured with a DFT at the tone, not
/// zero crossings), energy above the new Nyquist removed instead of aliased, no images when upsampling.
@Suite struct AudioResampleQualityTests {
    typealias S = AudioTestSignals

    /// `y` without its first and last quarter second (drops the filter's start-up and tail).
    static func middle(_ y: [Float], rate: Int) -> [Float] { Array(y[(rate / 4)..<(y.count - rate / 4)]) }

    @Test(arguments: [(1000.0, 48000), (1000.0, 44100), (3000.0, 22050), (440.0, 8000), (6000.0, 48000), (250.0, 11025)])
    func toneKeepsFrequencyAndLevel(f: Double, rate: Int) throws {
        let x = S.sine(f, rate: rate, count: 2 * rate, amp: 0.5)
        let y = try Resampler.resample(x, from: Double(rate), to: 16000)
        #expect(abs(y.count - 32000) <= 1)
        let mid = Self.middle(y, rate: 16000)
        let fHat = S.peakFrequency(mid, near: f, span: 3, rate: 16000)
        #expect(abs(fHat - f) < 0.02, "\(f) Hz at \(rate) Hz came out at \(fHat) Hz")
        // Level: ±0.001 dB for tones in the passband (6 kHz is 75 % of the new Nyquist).
        let a = S.amplitude(mid, at: f, rate: 16000)
        #expect(abs(20 * log10(a / 0.5)) < 0.001, "amplitude \(a), want 0.5")
        #expect(abs(S.rms(mid) - 0.5 / 2.0.squareRoot()) < 0.5e-3, "rms \(S.rms(mid))")
        print(String(format: "resample %.0f Hz tone %d → 16000 Hz: frequency error %.2e Hz, level error %.2e dB", f, rate, fHat - f, 20 * log10(a / 0.5)))
    }

    @Test(arguments: [(10000.0, 48000), (12000.0, 44100), (9000.0, 22050)])
    func energyAboveTheNewNyquistIsRemovedNotAliased(f: Double, rate: Int) throws {
        let x = S.sine(f, rate: rate, count: rate, amp: 0.5)
        let y = try Resampler.resample(x, from: Double(rate), to: 16000)
        let mid = Self.middle(y, rate: 16000)
        let alias = 16000 - f  // where a missing anti-alias filter would put it
        // At least 100 dB down (libsoxr HQ promises more; measured figures are printed).
        #expect(S.amplitude(mid, at: alias, rate: 16000) < 0.5e-5, "alias at \(alias) Hz")
        #expect(S.rms(mid) < 0.35e-5, "rms \(S.rms(mid)) after removing a \(f) Hz tone")
        print(String(format: "resample %.0f Hz tone %d → 16000 Hz: residual %.1f dB re input rms", f, rate, 20 * log10(S.rms(mid) / (0.5 / 2.0.squareRoot()))))
    }

    @Test func upsamplingCreatesNoImages() throws {
        let x = S.sine(1000, rate: 8000, count: 16000, amp: 0.5)
        let y = try Resampler.resample(x, from: 8000, to: 16000)
        #expect(abs(y.count - 32000) <= 1)
        let mid = Self.middle(y, rate: 16000)
        #expect(abs(S.amplitude(mid, at: 1000, rate: 16000) - 0.5) < 0.5e-3)
        #expect(S.amplitude(mid, at: 7000, rate: 16000) < 0.5e-5, "image at 8000 − 1000 Hz")
    }

    @Test func equalRatesAreNearlyTheIdentity() throws {
        let x = S.sine(1234, rate: 16000, count: 16000)
        let y = try Resampler.resample(x, from: 16000, to: 16000)
        #expect(y.count == x.count)
        let worst = zip(y[1000..<15000], x[1000..<15000]).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-4, "max deviation \(worst)")
    }

    @Test func outputIsTimeAlignedWithTheInput() throws {
        // An impulse at 0.5 s must come out at 0.5 s: libsoxr compensates its filter delay.
        var x = [Float](repeating: 0, count: 48000)
        x[24000] = 1
        let y = try Resampler.resample(x, from: 48000, to: 16000)
        let peak = y.indices.max { abs(y[$0]) < abs(y[$1]) }!
        #expect(abs(peak - 8000) <= 1, "impulse at sample \(peak), want 8000")
    }
}
