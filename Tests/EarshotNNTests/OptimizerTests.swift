import Foundation
import Testing
@testable import EarshotNN

/// Optimiser updates against the published formulas, computed by hand in Double for a few steps.
@Suite struct OptimizerTests {
    static func param(_ v: [Float], grad: [Float], trainable: Bool = true) -> Parameter {
        let p = Parameter(name: "p", shape: [v.count], value: v, trainable: trainable)
        p.grad = grad
        return p
    }

    @Test func sgdMomentumWithWeightDecayMatchesTheFormula() {
        // ref: v ← μ·v + (g + λ·θ); θ ← θ − η·v  (PyTorch torch.optim.SGD)
        let (lr, mu, wd) = (0.1, 0.9, 0.01)
        let p = Self.param([1, -2], grad: [0.5, 0.25])
        let frozen = Self.param([3], grad: [1], trainable: false)
        let opt = SGD(learningRate: Float(lr), momentum: Float(mu), weightDecay: Float(wd))
        var theta = [1.0, -2.0], v = [0.0, 0.0]
        for _ in 0..<3 {
            opt.step([p, frozen])
            for i in 0..<2 {
                v[i] = mu * v[i] + Double(p.grad[i]) + wd * theta[i]
                theta[i] -= lr * v[i]
            }
        }
        for i in 0..<2 { #expect(abs(Double(p.value[i]) - theta[i]) < 1e-6, "θ[\(i)] \(p.value[i]) vs \(theta[i])") }
        #expect(frozen.value == [3]) // BN running statistics are never touched by the optimiser
    }

    @Test func adamWMatchesAlgorithm2() {
        // ref: Loshchilov & Hutter 2019, Algorithm 2 (decoupled weight decay), bias-corrected moments
        let (lr, b1, b2, eps, wd) = (0.01, 0.9, 0.999, 1e-7, 0.1)
        let grads: [[Float]] = [[0.5, -1], [0.25, -1], [-0.5, 2]]
        let p = Self.param([1, -2], grad: grads[0])
        let opt = AdamW(learningRate: Float(lr), beta1: Float(b1), beta2: Float(b2), eps: Float(eps), weightDecay: Float(wd))
        var theta = [1.0, -2.0], m = [0.0, 0.0], v = [0.0, 0.0]
        for (t, g) in grads.enumerated() {
            p.grad = g
            opt.step([p])
            for i in 0..<2 {
                let gi = Double(g[i])
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                let mh = m[i] / (1 - pow(b1, Double(t + 1))), vh = v[i] / (1 - pow(b2, Double(t + 1)))
                theta[i] -= lr * (mh / (vh.squareRoot() + eps) + wd * theta[i])
            }
        }
        for i in 0..<2 { #expect(abs(Double(p.value[i]) - theta[i]) < 1e-5, "θ[\(i)] \(p.value[i]) vs \(theta[i])") }
        // the first Adam step moves every weight by ≈ lr regardless of the gradient's scale
        let q = Self.param([0, 0], grad: [1e-3, -50])
        AdamW(learningRate: 0.01, weightDecay: 0).step([q])
        #expect(abs(q.value[0] + 0.01) < 1e-4 && abs(q.value[1] - 0.01) < 1e-4)
    }

    @Test func learningRateIsSettableBetweenSteps() {
        let p = Self.param([0], grad: [1])
        let opt = SGD(learningRate: 0.1, momentum: 0)
        opt.step([p])
        opt.learningRate = 0.01
        opt.step([p])
        #expect(abs(p.value[0] - -0.11) < 1e-6)
    }
}
