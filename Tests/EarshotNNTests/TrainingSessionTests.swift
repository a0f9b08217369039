import Foundation
import Testing
@testable import EarshotNN

/// The training API the trainer relies on: class weights, batch-norm running statistics, early-stopping
/// snapshots, chunked prediction and reproducibility.
@Suite struct TrainingSessionTests {
    static let shape = Shape3(1, 8, 12)
    static let specs: [LayerSpec] = [.inputNorm(.band), .conv("c1", 4), .bn("b1"), .relu, .maxpool,
                                     .conv("c2", 6), .relu, .gap, .dense("fc1", 5), .relu, .dense("fc2", 2)]

    static func make(seed: UInt64 = 3, batch: Int = 8, optimizer: Optimizer = SGD(learningRate: 0.05)) throws -> TrainingSession {
        let net = try Network(specs: specs, inputShape: shape)
        net.initialize(seed: seed)
        return TrainingSession(network: net, optimizer: optimizer, maxBatch: batch)
    }

    static func data(n: Int, seed: UInt64, shape: Shape3 = shape) -> [Float] {
        var r = GradientCheckTests.RNG(s: seed)
        return (0..<(n * shape.count)).map { _ in r.next() }
    }

    /// A network runs batchnorm → relu (→ maxpool2) and relu → maxpool2 fused; with `fusion: .off` every layer
    /// runs on its own. Every fusion must train bit for bit as the layers alone: loss, logits, every parameter
    /// and running statistic after three steps (one and two workers), and inference-mode predictions. 20 frames
    /// wide: the pooled kernels' SIMD path (4 windows at a time) and their scalar tail both run.
    @Test func fusedAndUnfusedNetworksTrainIdentically() throws {
        let shape = Shape3(1, 8, 20)
        // batchnorm → relu → maxpool2, batchnorm → relu, relu → maxpool2 without a batchnorm, and a batchnorm at
        // the end that nothing fuses with
        let specs = Self.specs.prefix(5) + [.conv("c2", 6), .bn("b2"), .relu, .conv("c4", 4), .relu, .maxpool,
                                            .conv("c3", 3), .bn("b3"), .gap, .dense("fc2", 2)]
        let expected: [Network.Fusion: [[String]]] = [
            .off: [], .batchNormReLU: [["BatchNorm", "ReLU"], ["BatchNorm", "ReLU"]],
            .batchNormReLUPool: [["BatchNorm", "ReLU", "MaxPool2"], ["BatchNorm", "ReLU"], ["ReLU", "MaxPool2"]],
        ]
        for workers in [1, 2] {
            let sessions = try Network.Fusion.allCases.map { f in
                let net = try Network(specs: Array(specs), inputShape: shape, fusion: f)
                #expect(net.fusedSteps == expected[f])
                net.initialize(seed: 5)
                return TrainingSession(network: net, optimizer: SGD(learningRate: 0.05, momentum: 0.9), maxBatch: 8, workers: workers)
            }
            let labels: [Int32] = [0, 1, 1, 0, 1, 0, 0, 1]
            for step in 0..<3 {
                let x = Self.data(n: 8, seed: UInt64(10 + step), shape: shape)
                let r = x.withUnsafeBufferPointer { xb in sessions.map { $0.lossAndGradients(inputs: xb.baseAddress!, labels: labels) } }
                let params = sessions.map(\.network.parameters)
                #expect(params[0].contains { $0.name == "b1.gamma" && $0.grad.contains { $0 != 0 } })
                for k in 1..<sessions.count {
                    let what = "workers \(workers), step \(step), \(Network.Fusion.allCases[k])"
                    #expect(r[k].loss == r[0].loss && r[k].logits == r[0].logits, "\(what)")
                    for (p, q) in zip(params[0], params[k]) { #expect(q.grad == p.grad && q.value == p.value, "\(what): \(p.name)") }
                }
                sessions.forEach { $0.optimizer.step($0.network.parameters) }
            }
            let x = Self.data(n: 5, seed: 99, shape: shape)
            let p = x.withUnsafeBufferPointer { xb in sessions.map { $0.predict(inputs: xb.baseAddress!, n: 5) } }
            #expect(p[0].contains { $0 != 0.5 })
            #expect(p.allSatisfy { $0 == p[0] })
        }
    }

    @Test func classWeightsScaleLossAndGradients() throws {
        let x = Self.data(n: 6, seed: 1)
        let labels: [Int32] = [0, 1, 1, 0, 1, 0]
        let a = try Self.make(), b = try Self.make()
        let la = x.withUnsafeBufferPointer { a.lossAndGradients(inputs: $0.baseAddress!, labels: labels).loss }
        let lb = x.withUnsafeBufferPointer { b.lossAndGradients(inputs: $0.baseAddress!, labels: labels, weights: [Float](repeating: 2, count: 6)).loss }
        #expect(abs(lb - 2 * la) <= 1e-5 * abs(la))
        for (pa, pb) in zip(a.network.parameters, b.network.parameters) where pa.trainable {
            for i in pa.grad.indices { #expect(abs(pb.grad[i] - 2 * pa.grad[i]) <= 1e-5 + 1e-4 * abs(pa.grad[i]), "\(pa.name)[\(i)]") }
        }
        // weight 0 on a sample removes it: the loss equals the mean over the others scaled by 3/6
        let c = try Self.make()
        let w: [Float] = [1, 1, 1, 0, 0, 0]
        let lc = x.withUnsafeBufferPointer { c.lossAndGradients(inputs: $0.baseAddress!, labels: labels, weights: w).loss }
        let d = try Self.make()
        // per-sample losses from the unweighted logits of the same batch (BN uses batch statistics of all 6)
        let (_, logits) = x.withUnsafeBufferPointer { d.lossAndGradients(inputs: $0.baseAddress!, labels: labels) }
        var expected = 0.0
        for s in 0..<3 {
            let z0 = Double(logits[2 * s]), z1 = Double(logits[2 * s + 1])
            let m = max(z0, z1), lse = m + log(exp(z0 - m) + exp(z1 - m))
            expected += lse - (labels[s] == 0 ? z0 : z1)
        }
        #expect(abs(Double(lc) - expected / 6) < 1e-5)
    }

    @Test func batchNormRunningStatisticsFollowTheMomentumRule() throws {
        let bn = BatchNorm(name: "bn", shape: Shape3(2, 3, 4), eps: 1e-3, momentum: 0.9)
        bn.runningMean.value = [1, -1]; bn.runningVar.value = [2, 0.5]
        let n = 5, hw = 12
        let x = (0..<(n * 2 * hw)).map { Float(sin(Double($0) * 0.7)) * 3 + 0.5 }
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { bn.forward(xb.baseAddress!, $0.baseAddress!, n: n, training: true) } }
        for c in 0..<2 {
            var v: [Double] = []
            for s in 0..<n { for j in 0..<hw { v.append(Double(x[(s * 2 + c) * hw + j])) } }
            let mean = v.reduce(0, +) / Double(v.count)
            let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count) // biased
            let rm = 0.9 * [1.0, -1][c] + 0.1 * mean, rv = 0.9 * [2.0, 0.5][c] + 0.1 * variance
            #expect(abs(Double(bn.runningMean.value[c]) - rm) < 1e-5)
            #expect(abs(Double(bn.runningVar.value[c]) - rv) < 1e-5)
            // training output is normalised with the batch statistics: mean 0, variance ≈ 1 (γ = 1, β = 0)
            var o: [Double] = []
            for s in 0..<n { for j in 0..<hw { o.append(Double(y[(s * 2 + c) * hw + j])) } }
            let om = o.reduce(0, +) / Double(o.count)
            let ov = o.reduce(0) { $0 + ($1 - om) * ($1 - om) } / Double(o.count)
            #expect(abs(om) < 1e-5 && abs(ov - variance / (variance + 1e-3)) < 1e-4)
        }
        // inference mode leaves the running statistics alone
        let before = bn.runningMean.value + bn.runningVar.value
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { bn.forward(xb.baseAddress!, $0.baseAddress!, n: n, training: false) } }
        #expect(bn.runningMean.value + bn.runningVar.value == before)
    }

    @Test func snapshotRestoreBringsBackTheExactModel() throws {
        let s = try Self.make()
        let x = Self.data(n: 8, seed: 2)
        let labels: [Int32] = [0, 1, 0, 1, 1, 1, 0, 0]
        _ = x.withUnsafeBufferPointer { s.step(inputs: $0.baseAddress!, labels: labels) }
        let best = s.network.snapshot()
        let before = x.withUnsafeBufferPointer { s.predict(inputs: $0.baseAddress!, n: 8) }
        for _ in 0..<5 { _ = x.withUnsafeBufferPointer { s.step(inputs: $0.baseAddress!, labels: labels) } }
        let moved = x.withUnsafeBufferPointer { s.predict(inputs: $0.baseAddress!, n: 8) }
        #expect(moved != before)
        s.network.restore(best)
        let after = x.withUnsafeBufferPointer { s.predict(inputs: $0.baseAddress!, n: 8) }
        #expect(after == before) // includes BN running statistics
    }

    @Test func predictInChunksEqualsOneWindowAtATime() throws {
        let s = try Self.make(batch: 3)
        let x = Self.data(n: 10, seed: 4)
        for _ in 0..<3 { _ = x.withUnsafeBufferPointer { s.step(inputs: $0.baseAddress!, labels: [0, 1, 1]) } }
        let probs = x.withUnsafeBufferPointer { s.predict(inputs: $0.baseAddress!, n: 10) }
        #expect(probs.count == 20)
        for i in 0..<10 {
            let z = x.withUnsafeBufferPointer { Array(s.network.forward($0.baseAddress! + i * Self.shape.count, n: 1, training: false)) }
            let p1 = 1 / (1 + exp(z[0] - z[1]))
            #expect(abs(probs[2 * i + 1] - p1) < 1e-6)
            #expect(abs(probs[2 * i] + probs[2 * i + 1] - 1) < 1e-6)
        }
    }

    @Test func trainingIsReproducibleForASeed() throws {
        let x = Self.data(n: 8, seed: 5)
        let labels: [Int32] = [1, 0, 1, 0, 1, 0, 1, 0]
        func run(_ seed: UInt64) throws -> [Float] {
            let s = try Self.make(seed: seed, optimizer: AdamW(learningRate: 1e-2))
            return (0..<5).map { _ in x.withUnsafeBufferPointer { s.step(inputs: $0.baseAddress!, labels: labels) } }
        }
        let a = try run(7), b = try run(7), c = try run(8)
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy { $0.isFinite })
    }
}
