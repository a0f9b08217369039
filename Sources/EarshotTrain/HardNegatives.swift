import EarshotDSP
import EarshotNN

/// Hard-negative mining: the current network scores a window every `hop` samples across every training
/// negative/crowd clip, and the highest-scoring windows are kept so the trainer can draw a share of its
/// negative windows from them (drum hits, door slams, claps the model still confuses with shots).
/// ref: Shrivastava et al. 2016, "Training Region-based Object Detectors with Online Hard Example Mining", §3
/// (here offline, refreshed every few epochs).
public struct HardNegatives {
    public struct Window: Sendable, Equatable {
        public var clip: Int, start: Int, score: Float
    }
    public private(set) var windows: [Window] = []
    public init() {}

    /// Re-scores windows every `hop` samples whose centres cover each clip (`WindowSource.scanStarts`) in
    /// inference mode and keeps the `keep` highest-scoring ones, highest first.
    public mutating func mine(session: TrainingSession, clips: [Clip], source: WindowSource, featurizer: Featurizer,
                              hop: Int = 8000, keep: Int = 512, batch: Int = 64) {
        let size = featurizer.inputCount
        var buffer = [Float](repeating: 0, count: batch * size)
        var pending: [(Int, Int)] = []
        var scored: [Window] = []
        var rng = SeededRNG(seed: 17)
        func flush() {
            guard !pending.isEmpty else { return }
            let probs = buffer.withUnsafeBufferPointer { session.predict(inputs: $0.baseAddress!, n: pending.count) }
            for (j, p) in pending.enumerated() { scored.append(Window(clip: p.0, start: p.1, score: probs[2 * j + 1])) }
            pending.removeAll(keepingCapacity: true)
        }
        for (c, clip) in clips.enumerated() {
            for start in source.scanStarts(count: clip.samples.count, hop: hop) {
                let w = source.cut(clip.samples, start: start, rng: &rng)
                buffer.withUnsafeMutableBufferPointer { featurizer.input(w, into: $0.baseAddress! + pending.count * size) }
                pending.append((c, start))
                if pending.count == batch { flush() }
            }
        }
        flush()
        windows = Array(scored.sorted { $0.score > $1.score }.prefix(keep))
    }
}
