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
    /// Bands in groups of 4, each group's bands padded with zero weights to the group's longest band (in steps
    /// of 4 bins), so `apply` runs 4 independent 4-lane accumulators with no per-band loop. For group g and step
    /// i: `packed[(steps before g + i)·16 + 4b + lane]` is band 4g + b's weight for bin `bins[(…)·4 + b] + lane`.
    let steps: [Int]     // (nGroups) 4-bin steps of each group
    let bins: [Int32]    // (Σ steps, 4) first bin of each band's step; 0 where the band has ended (weights 0)
    let packed: [Float]  // (Σ steps, 4, 4)
    let tailBin: [Int32]    // (nGroups, 3, 4) the last nBins mod 4 bins of a band spanning all nBins, else 0
    let tailWeight: [Float] // (nGroups, 3, 4) their weights, else 0
    let tailSteps: Int      // the most tail bins of any band: 0 unless a band spans all nBins

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
        // from the dense row); the window is shifted left if it would pass nBins. A band spanning all nBins keeps
        // its last nBins mod 4 bins as separate tail terms.
        let groups = (nMels + 3) / 4
        var start = [Int](), length = [Int](), tails = 0
        var tailBin = [Int32](repeating: 0, count: groups * 12), tailWeight = [Float](repeating: 0, count: groups * 12)
        for m in 0..<(groups * 4) {
            guard m < nMels else { start.append(0); length.append(0); continue }
            let row = weights[(m * nBins)..<((m + 1) * nBins)]
            let first = (row.firstIndex { $0 != 0 } ?? row.startIndex) - m * nBins
            let last = (row.lastIndex { $0 != 0 } ?? (row.startIndex - 1)) - m * nBins
            let used = max(0, last - first + 1)
            let len = used == 0 ? 0 : min(nBins, (used + 3) / 4 * 4)
            let s = max(0, min(first, nBins - len))
            start.append(s)
            length.append(len / 4 * 4)
            tails = max(tails, len % 4)
            for j in 0..<(len % 4) {
                let k = s + len / 4 * 4 + j, slot = ((m / 4) * 3 + j) * 4 + m % 4
                tailBin[slot] = Int32(k)
                tailWeight[slot] = row[m * nBins + k]
            }
        }
        var steps = [Int](), bins = [Int32](), packed = [Float]()
        for g in 0..<groups {
            let n = (4 * g..<4 * g + 4).map { length[$0] / 4 }.max()!
            steps.append(n)
            for i in 0..<n {
                for b in 0..<4 {
                    let m = 4 * g + b
                    let inBand = i < length[m] / 4
                    bins.append(inBand ? Int32(start[m] + 4 * i) : 0)
                    for lane in 0..<4 { packed.append(inBand ? weights[m * nBins + start[m] + 4 * i + lane] : 0) }
                }
            }
        }
        self.steps = steps; self.bins = bins; self.packed = packed
        self.tailBin = tailBin; self.tailWeight = tailWeight; tailSteps = tails
    }

    /// mel[m] = Σ_k W[m, k] · power[k]. power: (nBins) → mel: (nMels). No allocation.
    ///
    /// Each band's sum is the same as one 4-lane accumulator over its bins followed by a left-to-right sum of
    /// the lanes; the zero weights that pad a group add exact zeros (power ≥ 0 is finite), so the values do
    /// not depend on how bands are grouped.
    public func apply(power: UnsafePointer<Float>, mel: UnsafeMutablePointer<Float>) {
        typealias V = SIMD4<Float>
        packed.withUnsafeBufferPointer { w in
        bins.withUnsafeBufferPointer { bin in
        tailBin.withUnsafeBufferPointer { tb in
        tailWeight.withUnsafeBufferPointer { tw in
            let p = UnsafeRawPointer(power)
            var wv = UnsafeRawPointer(w.baseAddress!)
            var bi = bin.baseAddress!
            for g in 0..<steps.count {
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                for _ in 0..<steps[g] {
                    a0 += wv.loadUnaligned(as: V.self) * p.loadUnaligned(fromByteOffset: 4 * Int(bi[0]), as: V.self)
                    a1 += wv.loadUnaligned(fromByteOffset: 16, as: V.self) * p.loadUnaligned(fromByteOffset: 4 * Int(bi[1]), as: V.self)
                    a2 += wv.loadUnaligned(fromByteOffset: 32, as: V.self) * p.loadUnaligned(fromByteOffset: 4 * Int(bi[2]), as: V.self)
                    a3 += wv.loadUnaligned(fromByteOffset: 48, as: V.self) * p.loadUnaligned(fromByteOffset: 4 * Int(bi[3]), as: V.self)
                    wv += 64; bi += 4
                }
                // lane sums of the 4 bands at once (transposed), left to right as SIMD4.sum() adds
                var sum = V(repeating: -0.0)
                sum += V(a0[0], a1[0], a2[0], a3[0])
                sum += V(a0[1], a1[1], a2[1], a3[1])
                sum += V(a0[2], a1[2], a2[2], a3[2])
                sum += V(a0[3], a1[3], a2[3], a3[3])
                for j in 0..<tailSteps { // then each band's tail bins, in order (zero weights for bands without)
                    let t = (3 * g + j) * 4
                    sum += UnsafeRawPointer(tw.baseAddress! + t).loadUnaligned(as: V.self)
                        * V(power[Int(tb[t])], power[Int(tb[t + 1])], power[Int(tb[t + 2])], power[Int(tb[t + 3])])
                }
                let t = 4 * g
                let bands = min(4, nMels - t)
                if bands == 4 { UnsafeMutableRawPointer(mel + t).storeBytes(of: sum, as: V.self) }
                else { for b in 0..<bands { mel[t + b] = sum[b] } }
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
