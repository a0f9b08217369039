import EarshotDSP
import Foundation
import EarshotNN

/// Test-only models: the reference CNN with seeded random weights (never a shipped model).
enum TestModel {
    /// `outputScale` shrinks the last layer so probabilities stay away from 0/1 and differences stay visible.
    /// `inputNorm: nil` gives the shipped models' layout, which `Detector` scores incrementally.
    static func random(seed: UInt64 = 7, threshold: Float = 0.5, outputScale: Float = 0.05, inputNorm: InputNorm.Mode? = .global) throws -> Model {
        let c = FeatureConfig()
        let net = try Network(specs: LayerSpec.reference(inputNorm: inputNorm), inputShape: Shape3(1, c.nMels, c.windowFrames))
        net.initialize(seed: seed)
        if let w = net.parameter(named: "fc2.weight") { w.value = w.value.map { $0 * outputScale } }
        return Model(network: net, features: c, threshold: threshold)
    }

    /// Deterministic test audio: quiet noise with loud decaying bursts at the given times (seconds).
    static func audio(seconds: Double, bursts: [Double], seed: UInt64 = 1) -> [Float] {
        let n = Int(seconds * 16_000)
        var x = [Float](repeating: 0, count: n)
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        for i in 0..<n {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            x[i] = (Float(Int64(bitPattern: s >> 11) % 2001) / 1000 - 1) * 0.003
        }
        for b in bursts {
            let i0 = Int(b * 16_000)
            for k in 0..<4000 where i0 + k < n {
                s = s &* 6364136223846793005 &+ 1442695040888963407
                let noise = Float(Int64(bitPattern: s >> 11) % 2001) / 1000 - 1
                x[i0 + k] += 0.8 * noise * expf(-Float(k) / 800)
            }
        }
        return x
    }

    /// A threshold in the widest gap between the scores in the `quantiles` range (default: the upper half),
    /// so float rounding cannot flip a decision when two ways of scoring the same windows are compared.
    static func gapThreshold(_ scores: [Float], quantiles: ClosedRange<Double> = 0.5...1) -> Float {
        let sorted = scores.sorted()
        let upper = sorted[Int(Double(sorted.count - 1) * quantiles.lowerBound)...Int(Double(sorted.count - 1) * quantiles.upperBound)]
        let gap = zip(upper, upper.dropFirst()).max { ($0.1 - $0.0) < ($1.1 - $1.0) }!
        return (gap.0 + gap.1) / 2
    }
}
