import EarshotNN

/// An exponential moving average of a network's parameters (BN running statistics included), updated after
/// every optimiser step: avg ← d·avg + (1 − d)·w, with d = min(decay, (1 + t)/(10 + t)) at step t so the
/// first steps do not drag the initial weights along. Validation and the kept weights use the average,
/// which smooths the step-to-step noise of small-batch training (validation recall@1 %FPR swung by ±0.1
/// between epochs of the raw weights). ref: Polyak & Juditsky 1992 (averaging of iterates); the warm-up
/// form is TensorFlow's `ExponentialMovingAverage(num_updates=…)`.
public struct WeightAverage {
    public let decay: Double
    public private(set) var values: [[Float]]
    public private(set) var updates = 0

    public init(_ network: Network, decay: Double) {
        precondition(decay >= 0 && decay < 1, "EMA decay must be in [0, 1)")
        self.decay = decay
        values = network.snapshot()
    }

    /// The decay used at the next update.
    public var currentDecay: Double { min(decay, Double(1 + updates) / Double(10 + updates)) }

    /// avg ← d·avg + (1 − d)·w for every parameter of `network`.
    public mutating func update(from network: Network) {
        let d = Float(currentDecay), e = 1 - d
        let params = network.parameters
        precondition(params.count == values.count)
        for (i, p) in params.enumerated() {
            p.value.withUnsafeBufferPointer { w in
                values[i].withUnsafeMutableBufferPointer { a in
                    for j in 0..<a.count { a[j] = d * a[j] + e * w[j] }
                }
            }
        }
        updates += 1
    }

    /// Runs `body` with the averaged weights in `network`, then puts its own weights back.
    public func withAveraged<T>(in network: Network, _ body: () -> T) -> T {
        let own = network.snapshot()
        network.restore(values)
        defer { network.restore(own) }
        return body()
    }

    /// The element-wise mean of several networks' snapshots (same architecture), BN running statistics
    /// included: the weights of a model soup. ref: Wortsman et al. 2022, "Model soups", §2 (uniform soup).
    public static func mean(of snapshots: [[[Float]]]) -> [[Float]] {
        precondition(!snapshots.isEmpty && snapshots.allSatisfy { $0.count == snapshots[0].count }, "a soup needs networks of one architecture")
        let scale = 1 / Float(snapshots.count)
        return snapshots[0].indices.map { i in
            var m = [Float](repeating: 0, count: snapshots[0][i].count)
            for s in snapshots {
                precondition(s[i].count == m.count, "a soup needs networks of one architecture")
                for j in m.indices { m[j] += s[i][j] }
            }
            for j in m.indices { m[j] *= scale }
            return m
        }
    }
}
