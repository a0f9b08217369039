import EarshotDSP
import EarshotNN

/// Builds the trainer's batches: each window is picked (a gunshot around its shot; a hard negative; a
/// negative/crowd window from anywhere), augmented in the waveform domain, turned into log-mel input and
/// masked. Batches are prepared between training steps, so with several lanes the windows of a batch are
/// prepared in parallel, each lane with its own `WindowSource` (FFT scratch) and `Featurizer` (STFT state):
/// on 2 cores, epochs of 4,096 windows took ≈ 1 s less (10–12 s → 9–11 s, A/B in BENCHMARKS.md). Every window draws from its own generator, seeded from the trainer's in window order,
/// so a batch is the same whatever the number of lanes.
final class BatchBuilder {
    private let lanes: [(source: WindowSource, featurizer: Featurizer)]

    init(features: FeatureConfig, lanes: Int) throws {
        self.lanes = try (0..<max(1, lanes)).map { _ in (try WindowSource(features: features), try Featurizer(features: features)) }
    }

    /// Fills `inputs` (count, 1, nMels, frames) and `labels` (count): even indices gunshot windows, odd ones
    /// negative/crowd windows, as `s` says.
    func fill(_ inputs: UnsafeMutablePointer<Float>, labels: inout [Int32], count: Int, shape: Shape3,
              data: TrainingData, settings s: TrainSettings, hard: [HardNegatives.Window], rng: inout SeededRNG) {
        let seeds = (0..<count).map { _ in rng.next() }
        for i in 0..<count { labels[i] = i % 2 == 0 ? 1 : 0 }
        let size = shape.count
        let split = Shares(count, parts: lanes.count)
        split.run { j in
            let (source, featurizer) = self.lanes[j]
            for i in split.range(j) {
                var r = SeededRNG(seed: seeds[i])
                let w = Self.window(positive: i % 2 == 0, data: data, settings: s, hard: hard, source: source, rng: &r)
                featurizer.input(w, into: inputs + i * size)
                s.augment.specMask.apply(inputs + i * size, nMels: shape.h, frames: shape.w, rng: &r)
            }
        }
    }

    /// One augmented training window (samples).
    static func window(positive: Bool, data: TrainingData, settings s: TrainSettings, hard: [HardNegatives.Window],
                       source: WindowSource, rng: inout SeededRNG) -> [Float] {
        let w: [Float]
        if positive {
            let k = data.pick(data.gunBySource, count: data.gunshots.count, balanced: s.balanceSources, rng: &rng)
            w = source.gunshotWindow(data.gunshots[k], peak: data.peaks[k], rng: &rng)
        } else if !hard.isEmpty, rng.uniform() < s.hardNegativeFraction {
            let h = hard[rng.int(hard.count)]
            w = source.cut(data.others[h.clip].samples, start: h.start + rng.int(3201) - 1600, rng: &rng)
        } else {
            let k = data.pick(data.otherBySource, count: data.others.count, balanced: s.balanceSources, rng: &rng)
            w = source.randomWindow(data.others[k], rng: &rng)
        }
        return source.augment(w, aug: s.augment, noisePool: data.noisePool, rirs: data.rirs, rng: &rng)
    }
}
