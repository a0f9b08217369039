import EarshotDSP
import Foundation

/// Waveform-domain augmentation (applied before features, so every effect is physically meaningful).
public enum Augment {
    /// Highest mean power over any `span`-sample stretch (SNR is defined on a shot's loudest 0.5 s).
    public static func loudestPower(_ x: [Float], span: Int = 8000) -> Double {
        guard !x.isEmpty else { return 0 }
        let w = min(span, x.count)
        var s = 0.0
        for i in 0..<w { s += Double(x[i] * x[i]) }
        var best = s
        if x.count > w { for i in w..<x.count { s += Double(x[i] * x[i]) - Double(x[i - w] * x[i - w]); best = max(best, s) } }
        return best / Double(w)
    }

    public static func meanPower(_ x: [Float]) -> Double {
        x.isEmpty ? 0 : x.reduce(0.0) { $0 + Double($1 * $1) } / Double(x.count)
    }

    /// signal + k·noise with k chosen so that loudestPower(signal) / meanPower(k·noise) = 10^(snr/10).
    /// `noise` is tiled/cut to the signal's length.
    public static func mix(_ signal: [Float], noise: [Float], snrDB: Double) -> [Float] {
        guard !noise.isEmpty else { return signal }
        let ps = loudestPower(signal)
        var n = [Float](repeating: 0, count: signal.count)
        for i in n.indices { n[i] = noise[i % noise.count] }
        let pn = meanPower(n)
        guard ps > 0, pn > 0 else { return signal }
        let k = Float((ps / (pn * pow(10, snrDB / 10))).squareRoot())
        var out = signal
        for i in out.indices { out[i] += k * n[i] }
        return limit(out)
    }

    /// Gain in dB, then peak limiting to 0.99 so a loud gain never clips (no clipping surprises).
    public static func gain(_ x: [Float], db: Double) -> [Float] {
        let g = Float(pow(10, db / 20))
        return limit(x.map { $0 * g })
    }

    /// The signal played at `gainDB` through a 16-bit input: scaled, then clamped to full scale [−1, 1] —
    /// above 0 dB an overdriven input clips the loud parts (hard clipping, not `limit`'s clean scaling).
    public static func played(_ x: [Float], gainDB: Double) -> [Float] {
        let g = Float(pow(10, gainDB / 20))
        return x.map { Swift.min(1, Swift.max(-1, $0 * g)) }
    }

    /// Scales down if the peak exceeds 0.99.
    public static func limit(_ x: [Float]) -> [Float] {
        let peak = PeakLevel.peak(x)
        guard peak > 0.99 else { return x }
        let k = 0.99 / peak
        return x.map { $0 * k }
    }

    /// Second-order Butterworth low-pass (distance, cheap recorders). ref: R. Bristow-Johnson, "Audio EQ
    /// Cookbook", LPF with Q = 1/√2.
    public static func lowpass(_ x: [Float], cutoff: Double, sampleRate: Double = 16_000) -> [Float] {
        let w0 = 2 * Double.pi * min(cutoff, sampleRate * 0.45) / sampleRate
        let alpha = sin(w0) / (2 * 0.5.squareRoot())
        let c = cos(w0)
        let a0 = 1 + alpha
        let b0 = (1 - c) / 2 / a0, b1 = (1 - c) / a0, b2 = b0
        let a1 = -2 * c / a0, a2 = (1 - alpha) / a0
        var y = [Float](repeating: 0, count: x.count)
        var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0
        for i in x.indices {
            let xi = Double(x[i])
            let yi = b0 * xi + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2 = x1; x1 = xi; y2 = y1; y1 = yi
            y[i] = Float(yi)
        }
        return y
    }

    /// Taps of a room impulse response kept for reverberation (75 ms at 16 kHz), from its direct path on.
    public static let reverbTaps = 1200

    /// Convolution with a room impulse response (truncated to `reverbTaps` from its strongest tap, the direct
    /// path), normalised so the direct path keeps its level; by FFT (`convolver`), the same as the direct
    /// form y[i] = Σ_k h[k]·x[i−k] / |h[0]|. ref: Allen & Berkley 1979 (image-method RIR use in augmentation).
    public static func reverb(_ x: [Float], rir: [Float], convolver: FFTConvolver) -> [Float] {
        guard let peakIndex = rir.indices.max(by: { abs(rir[$0]) < abs(rir[$1]) }) else { return x }
        let h = Array(rir[peakIndex..<min(rir.count, peakIndex + min(reverbTaps, convolver.maxKernel))])
        let norm = 1 / max(1e-6, abs(h[0]))
        return limit(convolver.convolve(x, h).map { $0 * norm })
    }
}
