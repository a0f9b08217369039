import EarshotDSP
import Foundation

/// Decoded clips of one split side, grouped for sampling.
public struct TrainingData {
    public var gunshots: [Clip]
    public var others: [Clip]      // negative + crowd
    public var noisePool: [Clip]   // crowd + negative, injected as noise
    public var rirs: [[Float]]
    public var peaks: [Int]        // peak sample of each gunshot clip
    let gunBySource: [[Int]]
    let otherBySource: [[Int]]

    public init(clips: [Clip], rirs: [[Float]] = []) {
        gunshots = clips.filter { $0.info.label == "gunshot" }
        others = clips.filter { $0.info.label == "negative" || $0.info.label == "crowd" }
        noisePool = others
        self.rirs = rirs
        peaks = gunshots.map { WindowSource.peakIndex($0.samples) }
        func bySource(_ c: [Clip]) -> [[Int]] { Array(Dictionary(grouping: c.indices) { c[$0].info.source }.values).sorted { $0[0] < $1[0] } }
        gunBySource = bySource(gunshots)
        otherBySource = bySource(others)
    }

    /// A random clip index: uniform over sources then clips (`balanced`), or uniform over clips.
    func pick(_ bySource: [[Int]], count: Int, balanced: Bool, rng: inout SeededRNG) -> Int {
        if balanced, !bySource.isEmpty {
            let s = bySource[rng.int(bySource.count)]
            return s[rng.int(s.count)]
        }
        return rng.int(count)
    }
}

/// A fixed, seeded set of validation windows (features precomputed) for early stopping.
public struct WindowSet {
    public var inputs: [Float]   // (N, 1, nMels, frames)
    public var labels: [Bool]
    public var count: Int { labels.count }

    public init(inputs: [Float], labels: [Bool]) { self.inputs = inputs; self.labels = labels }
    /// No validation windows: the trainer then runs a fixed number of epochs and keeps the last weights.
    public static let empty = WindowSet(inputs: [], labels: [])

    /// Gunshot clips: a centred clean window, one with crowd at 0…+10 dB, one 20 dB quieter; others: windows
    /// every 0.5 s whose centres cover every clip (`WindowSource.scanStarts`).
    public init(data: TrainingData, source: WindowSource, featurizer: Featurizer, seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        var windows: [[Float]] = []
        var labels: [Bool] = []
        for (i, g) in data.gunshots.enumerated() {
            let clean = source.gunshotWindow(g, peak: data.peaks[i], rng: &rng, position: rng.uniform(0.2, 0.8))
            windows.append(clean); labels.append(true)
            if !data.noisePool.isEmpty {
                let n = source.noiseWindow(data.noisePool[rng.int(data.noisePool.count)], rng: &rng)
                windows.append(Augment.mix(clean, noise: n, snrDB: rng.uniform(0, 10))); labels.append(true)
            }
            windows.append(Augment.gain(clean, db: -20)); labels.append(true)
        }
        for o in data.others {
            for start in source.scanStarts(count: o.samples.count, hop: 8000) {
                windows.append(source.cut(o.samples, start: start, rng: &rng)); labels.append(false)
            }
        }
        let size = source.features.nMels * source.features.windowFrames
        var inputs = [Float](repeating: 0, count: windows.count * size)
        inputs.withUnsafeMutableBufferPointer { p in
            for (i, w) in windows.enumerated() { featurizer.input(w, into: p.baseAddress! + i * size) }
        }
        self.inputs = inputs
        self.labels = labels
    }
}
