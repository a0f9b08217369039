import EarshotDSP

/// SpecAugment-style masking on one log-mel input (nMels, frames): up to `bands` consecutive mel bands and
/// up to `frames` consecutive time frames are set to the window's mean log energy, so the CNN cannot lean on
/// any single band or instant (a shot heard through a wall loses its top octave; a clap covers 100 ms).
/// ref: Park et al. 2019, "SpecAugment", §2 (frequency and time masking; no time warping).
public struct SpecMask: Sendable, Codable, Equatable {
    public var probability = 0.0
    public var maxBands = 8
    public var maxFrames = 12
    public init(probability: Double = 0, maxBands: Int = 8, maxFrames: Int = 12) {
        self.probability = probability; self.maxBands = maxBands; self.maxFrames = maxFrames
    }

    /// Masks `x` in place. x: (nMels, frames), row-major by mel band.
    public func apply(_ x: UnsafeMutablePointer<Float>, nMels: Int, frames: Int, rng: inout SeededRNG) {
        guard probability > 0, rng.uniform() < probability else { return }
        var mean = 0.0
        for i in 0..<(nMels * frames) { mean += Double(x[i]) }
        let fill = Float(mean / Double(max(1, nMels * frames)))
        let b = rng.int(min(maxBands, nMels) + 1)
        if b > 0 {
            let b0 = rng.int(nMels - b + 1)
            for m in b0..<(b0 + b) { for t in 0..<frames { x[m * frames + t] = fill } }
        }
        let f = rng.int(min(maxFrames, frames) + 1)
        if f > 0 {
            let t0 = rng.int(frames - f + 1)
            for m in 0..<nMels { for t in t0..<(t0 + f) { x[m * frames + t] = fill } }
        }
    }
}
