import Foundation

/// Triangular mel filterbank, (nMels, nBins) row-major, stored sparsely for the hot path: each band is
/// non-zero on one short contiguous bin range.
///
/// ref: librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney') — Slaney's Auditory
/// Toolbox mel scale (linear below 1 kHz, logarithmic above) and area normalisation 2 / (f[i+2] − f[i]).
public struct MelFilterbank: Sendable, Equatable {
    public let nMels: Int
    public let nBins: Int
    /// Dense weights (nMels, nBins) row-major — what a model file stores.
    public let weights: [Float]
    /// For band m: first non-zero bin, and the offset of its weights in `packed`.
    let start: [Int]
    let length: [Int]
    let offset: [Int]
    let packed: [Float]

    /// Builds the filterbank described by `config` (Slaney scale and norm only).
    public init(config: FeatureConfig) {
        self.init(weights: Self.slaneyWeights(config: config), nMels: config.nMels, nBins: config.nBins)
    }

    /// Wraps given dense weights (e.g. the filterbank stored in a model file).
    public init(weights: [Float], nMels: Int, nBins: Int) {
        precondition(weights.count == nMels * nBins, "filterbank has \(weights.count) weights, expected \(nMels)×\(nBins)")
        self.nMels = nMels
        self.nBins = nBins
        self.weights = weights
        // Each band keeps the bins from its first to its last non-zero weight, widened to a multiple of 4 (zeros
        // from the dense row) so `apply` runs 4 lanes at a time; the window is shifted left if it would pass nBins.
        var start = [Int](), length = [Int](), offset = [Int](), packed = [Float]()
        for m in 0..<nMels {
            let row = weights[(m * nBins)..<((m + 1) * nBins)]
            let first = (row.firstIndex { $0 != 0 } ?? row.startIndex) - m * nBins
            let last = (row.lastIndex { $0 != 0 } ?? (row.startIndex - 1)) - m * nBins
            let used = max(0, last - first + 1)
            let len = used == 0 ? 0 : min(nBins, (used + 3) / 4 * 4)
            let s = max(0, min(first, nBins - len))
            start.append(s)
            length.append(len)
            offset.append(packed.count)
            packed.append(contentsOf: row[(m * nBins + s)..<(m * nBins + s + len)])
        }
        self.start = start; self.length = length; self.offset = offset; self.packed = packed
    }

    /// mel[m] = Σ_k W[m, k] · power[k]. power: (nBins) → mel: (nMels). No allocation.
    public func apply(power: UnsafePointer<Float>, mel: UnsafeMutablePointer<Float>) {
        packed.withUnsafeBufferPointer { w in
        start.withUnsafeBufferPointer { st in
        length.withUnsafeBufferPointer { len in
        offset.withUnsafeBufferPointer { off in
            for m in 0..<nMels {
                let p = UnsafeRawPointer(power + st[m])
                let wm = UnsafeRawPointer(w.baseAddress! + off[m])
                let n = len[m]
                var acc = SIMD4<Float>()
                var k = 0
                while k + 4 <= n {
                    acc += wm.loadUnaligned(fromByteOffset: 4 * k, as: SIMD4<Float>.self)
                        * p.loadUnaligned(fromByteOffset: 4 * k, as: SIMD4<Float>.self)
                    k += 4
                }
                var sum = acc.sum()
                while k < n { // only when a band spans almost all bins
                    sum += w[off[m] + k] * power[st[m] + k]; k += 1
                }
                mel[m] = sum
            }
        }}}}
    }

    // MARK: Slaney mel scale (ref: librosa.core.convert.hz_to_mel / mel_to_hz with htk=False)

    static let fSp = 200.0 / 3.0
    static let minLogHz = 1000.0
    static let minLogMel = minLogHz / fSp
    static let logStep = log(6.4) / 27.0

    public static func hzToMel(_ hz: Double) -> Double {
        hz >= minLogHz ? minLogMel + log(hz / minLogHz) / logStep : hz / fSp
    }

    public static func melToHz(_ mel: Double) -> Double {
        mel >= minLogMel ? minLogHz * exp(logStep * (mel - minLogMel)) : fSp * mel
    }

    /// Dense Slaney-normalised weights, computed in Double and rounded to Float as librosa does.
    static func slaneyWeights(config c: FeatureConfig) -> [Float] {
        precondition(c.melScale == "slaney" && c.melNorm == "slaney", "only the Slaney mel scale and norm are implemented")
        let nBins = c.nBins
        let fftFreqs = (0..<nBins).map { Double($0) * Double(c.sampleRate) / Double(c.nFFT) }
        let lo = hzToMel(c.fMin), hi = hzToMel(c.fMax)
        let melF = (0..<(c.nMels + 2)).map { melToHz(lo + (hi - lo) * Double($0) / Double(c.nMels + 1)) }
        var w = [Float](repeating: 0, count: c.nMels * nBins)
        for m in 0..<c.nMels {
            let enorm = 2.0 / (melF[m + 2] - melF[m])
            for k in 0..<nBins {
                let lower = (fftFreqs[k] - melF[m]) / (melF[m + 1] - melF[m])
                let upper = (melF[m + 2] - fftFreqs[k]) / (melF[m + 2] - melF[m + 1])
                w[m * nBins + k] = Float(max(0, min(lower, upper)) * enorm)
            }
        }
        return w
    }
}
