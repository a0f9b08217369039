import Foundation
import Testing
@testable import EarshotNN

/// Finite-difference checks of every layer's backward on small random shapes: for a random projection
/// L = Σ r·y, compare dL/dx and dL/dθ from `backward` with (L(θ+h) − L(θ−h)) / 2h in Double accumulation.
@Suite struct GradientCheckTests {
    struct RNG {
        var s: UInt64
        mutating func next() -> Float {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float(Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)) * 2 - 1
        }
    }

    /// Checks `layer` on input shape n × inShape; returns the worst relative error.
    /// `kinkFree` makes inputs well separated (|x| ≥ 0.1, all values distinct by ≥ 0.05) so that piecewise-linear
    /// layers (ReLU, max-pool) are differentiable within the probe step.
    /// `skipKinks` is for layers whose kinks sit where the inputs cannot place them (a ReLU after a batchnorm): a
    /// probe whose ±h step flips an output between zero and positive is not differentiable there and is skipped;
    /// at least two thirds of the probes must remain.
    static func check(_ layer: Layer, n: Int, training: Bool = true, seed: UInt64 = 1, kinkFree: Bool = false, skipKinks: Bool = false) -> Double {
        var rng = RNG(s: seed)
        var x = (0..<(n * layer.inShape.count)).map { _ in rng.next() }
        if kinkFree {
            // distinct values ±(0.1 + 0.05·rank) in a seeded random order
            let order = x.indices.sorted { x[$0] < x[$1] }
            for (rank, i) in order.enumerated() { x[i] = (rank % 2 == 0 ? 1 : -1) * (0.1 + 0.05 * Float(rank)) }
        }
        let r = (0..<(n * layer.outShape.count)).map { _ in rng.next() }
        for p in layer.parameters where p.trainable { for i in p.value.indices { p.value[i] = rng.next() * 0.5 } }
        var kinkCrossed = false, probed = 0, skipped = 0
        var active: [Bool] = []
        func loss() -> Double {
            var y = [Float](repeating: 0, count: r.count)
            x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { layer.forward(xb.baseAddress!, $0.baseAddress!, n: n, training: training) } }
            if skipKinks, !active.isEmpty, y.map({ $0 > 0 }) != active { kinkCrossed = true }
            return zip(y, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var y = [Float](repeating: 0, count: r.count)
        var dx = [Float](repeating: 0, count: x.count)
        layer.parameters.forEach { $0.zeroGrad() }
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { layer.forward(xb.baseAddress!, $0.baseAddress!, n: n, training: training) } }
        active = y.map { $0 > 0 }
        x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { yb in r.withUnsafeBufferPointer { rb in dx.withUnsafeMutableBufferPointer {
            layer.backward(xb.baseAddress!, yb.baseAddress!, rb.baseAddress!, $0.baseAddress!, n: n)
        } } } }
        let h: Float = 1e-2
        var worst = 0.0
        func compare(_ analytic: Float, _ numeric: Double) {
            probed += 1
            if kinkCrossed { kinkCrossed = false; skipped += 1; return }
            let err = abs(Double(analytic) - numeric) / max(1e-2, abs(numeric) + abs(Double(analytic)))
            worst = max(worst, err)
        }
        let probes = stride(from: 0, to: x.count, by: max(1, x.count / 40))
        for i in probes {
            let v = x[i]
            x[i] = v + h; let lp = loss()
            x[i] = v - h; let lm = loss()
            x[i] = v
            compare(dx[i], (lp - lm) / Double(2 * h))
        }
        for p in layer.parameters where p.trainable {
            let g = p.grad
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 20)) {
                let v = p.value[i]
                p.value[i] = v + h; let lp = loss()
                p.value[i] = v - h; let lm = loss()
                p.value[i] = v
                compare(g[i], (lp - lm) / Double(2 * h))
            }
        }
        if skipKinks { print("fd: \(skipped) of \(probed) probes crossed a kink and were skipped") }
        if skipped * 3 > probed { return .infinity } // too few differentiable probes to vouch for anything
        return worst
    }

    @Test func conv2D() {
        let e = Self.check(Conv2D(name: "c", inChannels: 3, outChannels: 4, k: 3, h: 5, w: 7), n: 2)
        print("conv2d fd max rel err \(e)"); #expect(e < 1e-2)
    }

    /// A network's first convolution computes only its parameter gradients: they must equal the full
    /// backward's, which the finite-difference check above vouches for.
    @Test func conv2DParametersOnlyMatchFullBackward() {
        var rng = RNG(s: 7)
        let (n, shape) = (2, Shape3(2, 6, 8))
        let full = Conv2D(name: "c", inChannels: 2, outChannels: 3, k: 3, h: 6, w: 8)
        let only = Conv2D(name: "c", inChannels: 2, outChannels: 3, k: 3, h: 6, w: 8)
        for (p, q) in zip(full.parameters, only.parameters) { p.value = p.value.map { _ in rng.next() }; q.value = p.value }
        let x = (0..<(n * shape.count)).map { _ in rng.next() }
        let dy = (0..<(n * full.outShape.count)).map { _ in rng.next() }
        var y = [Float](repeating: 0, count: dy.count), dx = [Float](repeating: 0, count: x.count)
        full.parameters.forEach { $0.zeroGrad() }; only.parameters.forEach { $0.zeroGrad() }
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in dy.withUnsafeBufferPointer { db in dx.withUnsafeMutableBufferPointer {
            full.forward(xb.baseAddress!, yb.baseAddress!, n: n, training: true)
            full.backward(xb.baseAddress!, UnsafePointer(yb.baseAddress!), db.baseAddress!, $0.baseAddress!, n: n)
            only.backwardParameters(xb.baseAddress!, db.baseAddress!, n: n)
        } } } }
        #expect(full.weight.grad.contains { $0 != 0 })
        #expect(only.weight.grad == full.weight.grad)
        #expect(only.bias.grad == full.bias.grad)
    }

    @Test func batchNormTraining() {
        let e = Self.check(BatchNorm(name: "bn", shape: Shape3(3, 4, 5)), n: 3)
        print("batchnorm fd max rel err \(e)"); #expect(e < 1e-2)
    }

    /// The fused batchnorm → relu that a network runs: finite differences, and bit for bit what the two layers
    /// give one after the other (forward output, input gradient, dγ, dβ, running statistics).
    @Test func batchNormReLUFused() {
        for seed: UInt64 in 1...3 {
            let e = Self.check(BatchNormReLU(BatchNorm(name: "bn", shape: Shape3(3, 4, 5))), n: 3, seed: seed, skipKinks: true)
            print("batchnorm+relu fd max rel err \(e)"); #expect(e < 1e-2)
        }
        var rng = RNG(s: 11)
        let (n, shape) = (3, Shape3(4, 5, 6))
        let (fusedBN, plainBN) = Self.twinBatchNorms(shape, &rng)
        let fused = BatchNormReLU(fusedBN), relu = ReLU(shape: shape)
        let x = (0..<(n * shape.count)).map { _ in rng.next() }, dy = (0..<(n * shape.count)).map { _ in rng.next() }
        var y1 = [Float](repeating: 0, count: x.count), dx1 = y1, mid = y1, y2 = y1, dmid = y1, dx2 = y1
        x.withUnsafeBufferPointer { xb in dy.withUnsafeBufferPointer { db in
            let (xp, dp) = (xb.baseAddress!, db.baseAddress!)
            y1.withUnsafeMutableBufferPointer { fused.forward(xp, $0.baseAddress!, n: n, training: true) }
            y1.withUnsafeBufferPointer { yb in dx1.withUnsafeMutableBufferPointer { fused.backward(xp, yb.baseAddress!, dp, $0.baseAddress!, n: n) } }
            mid.withUnsafeMutableBufferPointer { plainBN.forward(xp, $0.baseAddress!, n: n, training: true) }
            mid.withUnsafeBufferPointer { mb in y2.withUnsafeMutableBufferPointer { relu.forward(mb.baseAddress!, $0.baseAddress!, n: n, training: true) } }
            y2.withUnsafeBufferPointer { yb in dmid.withUnsafeMutableBufferPointer { relu.backward(yb.baseAddress!, yb.baseAddress!, dp, $0.baseAddress!, n: n) } }
            mid.withUnsafeBufferPointer { mb in dmid.withUnsafeBufferPointer { gb in dx2.withUnsafeMutableBufferPointer {
                plainBN.backward(xp, mb.baseAddress!, gb.baseAddress!, $0.baseAddress!, n: n)
            } } }
        } }
        #expect(y1.contains(0) && y1.contains { $0 > 0 }, "the test needs both sides of the ReLU")
        #expect(y1 == y2)
        #expect(dx1 == dx2)
        for (p, q) in zip(fusedBN.parameters, plainBN.parameters) { #expect(p.grad == q.grad && p.value == q.value, "\(p.name)") }
    }

    /// The fused batchnorm → relu → maxpool2 that a network runs for the reference CNN's pooled blocks:
    /// finite differences (inputs well separated, so no probe moves a window's maximum), and bit for bit what the
    /// three layers give one after the other (forward output, input gradient, dγ, dβ, running statistics). The comparison's inputs are
    /// multiples of 0.25, so windows hold exact ties, positive and at zero: both must route to the first maximum.
    /// Widths of 3, 4 and 10 windows: the scalar kernels alone, SIMD alone (4 windows at a time), and both.
    @Test func batchNormReLUPoolFused() {
        for seed: UInt64 in 1...3 {
            let e = Self.check(BatchNormReLUPool(BatchNorm(name: "bn", shape: Shape3(3, 4, 6))), n: 3, seed: seed, kinkFree: true, skipKinks: true)
            let wide = Self.check(BatchNormReLUPool(BatchNorm(name: "bn", shape: Shape3(2, 4, 20))), n: 2, seed: seed, kinkFree: true, skipKinks: true)
            print("batchnorm+relu+maxpool fd max rel err \(e), 10 windows wide \(wide)"); #expect(e < 1e-2 && wide < 1e-2)
        }
        for width in [8, 20] { compareBatchNormReLUPoolWithTheThreeLayers(Shape3(4, 6, width)) }
    }

    /// Two batch norms with the same random γ and β: one to run fused, one to run with the layers after it alone.
    static func twinBatchNorms(_ shape: Shape3, _ rng: inout RNG) -> (BatchNorm, BatchNorm) {
        let fused = BatchNorm(name: "bn", shape: shape), plain = BatchNorm(name: "bn", shape: shape)
        for (p, q) in zip(fused.parameters, plain.parameters) where p.trainable { p.value = p.value.map { _ in rng.next() }; q.value = p.value }
        return (fused, plain)
    }

    func compareBatchNormReLUPoolWithTheThreeLayers(_ shape: Shape3) {
        var rng = RNG(s: 12)
        let n = 3
        let (fusedBN, plainBN) = Self.twinBatchNorms(shape, &rng)
        let fused = BatchNormReLUPool(fusedBN), relu = ReLU(shape: shape), pool = MaxPool2(shape: shape)
        let x = (0..<(n * shape.count)).map { _ in (rng.next() * 8).rounded() / 4 }
        let dy = (0..<(n * pool.outShape.count)).map { _ in rng.next() }
        var y1 = [Float](repeating: 0, count: dy.count), y2 = y1, dx1 = [Float](repeating: .nan, count: x.count)
        var mid = [Float](repeating: 0, count: x.count), act = mid, dact = mid, dmid = mid, dx2 = mid
        x.withUnsafeBufferPointer { xb in dy.withUnsafeBufferPointer { db in
            let (xp, dp) = (xb.baseAddress!, db.baseAddress!)
            y1.withUnsafeMutableBufferPointer { fused.forward(xp, $0.baseAddress!, n: n, training: true) }
            y1.withUnsafeBufferPointer { yb in dx1.withUnsafeMutableBufferPointer { fused.backward(xp, yb.baseAddress!, dp, $0.baseAddress!, n: n) } }
            mid.withUnsafeMutableBufferPointer { plainBN.forward(xp, $0.baseAddress!, n: n, training: true) }
            mid.withUnsafeBufferPointer { mb in act.withUnsafeMutableBufferPointer { relu.forward(mb.baseAddress!, $0.baseAddress!, n: n, training: true) } }
            act.withUnsafeBufferPointer { ab in y2.withUnsafeMutableBufferPointer { pool.forward(ab.baseAddress!, $0.baseAddress!, n: n, training: true) } }
            act.withUnsafeBufferPointer { ab in y2.withUnsafeBufferPointer { yb in dact.withUnsafeMutableBufferPointer {
                pool.backward(ab.baseAddress!, yb.baseAddress!, dp, $0.baseAddress!, n: n)
            } } }
            act.withUnsafeBufferPointer { ab in dact.withUnsafeBufferPointer { gb in dmid.withUnsafeMutableBufferPointer {
                relu.backward(ab.baseAddress!, ab.baseAddress!, gb.baseAddress!, $0.baseAddress!, n: n)
            } } }
            mid.withUnsafeBufferPointer { mb in dmid.withUnsafeBufferPointer { gb in dx2.withUnsafeMutableBufferPointer {
                plainBN.backward(xp, mb.baseAddress!, gb.baseAddress!, $0.baseAddress!, n: n)
            } } }
        } }
        // the test needs windows whose maximum is 0 and windows with a positive maximum tied at two positions
        #expect(y1.contains(0) && y1.contains { $0 > 0 })
        let (oh, ow, w) = (pool.outShape.h, pool.outShape.w, shape.w)
        let ties = (0..<(n * shape.c * oh * ow)).contains { j in
            let (p, oy, ox) = (j / (oh * ow), j / ow % oh, j % ow)
            let base = p * shape.h * w + 2 * oy * w + 2 * ox
            let v = [act[base], act[base + 1], act[base + w], act[base + w + 1]]
            return v.max()! > 0 && v.filter { $0 == v.max()! }.count > 1
        }
        #expect(ties)
        #expect(y1 == y2)
        #expect(dx1 == dx2, "dx: max diff \(zip(dx1, dx2).map { abs($0 - $1) }.max()!)")
        #expect(fusedBN.gamma.grad.contains { $0 != 0 })
        for (p, q) in zip(fusedBN.parameters, plainBN.parameters) {
            #expect(p.grad == q.grad && p.value == q.value, "\(p.name): \(p.grad) vs \(q.grad)")
        }
    }

    /// relu → maxpool2 fused (the folded inference networks' blocks): finite differences, and bit for bit what
    /// ReLU then MaxPool2 give (output and input gradient), on inputs that are multiples of 0.25 — exact ties,
    /// positive and at zero, and −0 — with widths of 3 windows (scalar kernels), 4 (SIMD) and 10 (both).
    @Test func reluPoolFused() {
        for seed: UInt64 in 1...3 {
            let e = Self.check(ReLUPool(shape: Shape3(3, 4, 6)), n: 2, seed: seed, kinkFree: true, skipKinks: true)
            let wide = Self.check(ReLUPool(shape: Shape3(2, 4, 20)), n: 2, seed: seed, kinkFree: true, skipKinks: true)
            print("relu+maxpool fd max rel err \(e), 10 windows wide \(wide)"); #expect(e < 1e-3 && wide < 1e-3)
        }
        var rng = RNG(s: 13)
        for shape in [Shape3(3, 4, 6), Shape3(4, 6, 8), Shape3(4, 6, 20)] {
            let n = 3
            let fused = ReLUPool(shape: shape), relu = ReLU(shape: shape), pool = MaxPool2(shape: shape)
            var x = (0..<(n * shape.count)).map { _ in (rng.next() * 8).rounded() / 4 }
            x[1] = -0.0
            let dy = (0..<(n * pool.outShape.count)).map { _ in rng.next() }
            var y1 = [Float](repeating: .nan, count: dy.count), y2 = y1, dx1 = [Float](repeating: .nan, count: x.count)
            var act = [Float](repeating: 0, count: x.count), dact = act, dx2 = act
            x.withUnsafeBufferPointer { xb in dy.withUnsafeBufferPointer { db in
                let (xp, dp) = (xb.baseAddress!, db.baseAddress!)
                y1.withUnsafeMutableBufferPointer { fused.forward(xp, $0.baseAddress!, n: n, training: true) }
                y1.withUnsafeBufferPointer { yb in dx1.withUnsafeMutableBufferPointer { fused.backward(xp, yb.baseAddress!, dp, $0.baseAddress!, n: n) } }
                act.withUnsafeMutableBufferPointer { relu.forward(xp, $0.baseAddress!, n: n, training: true) }
                act.withUnsafeBufferPointer { ab in y2.withUnsafeMutableBufferPointer { pool.forward(ab.baseAddress!, $0.baseAddress!, n: n, training: true) } }
                act.withUnsafeBufferPointer { ab in y2.withUnsafeBufferPointer { yb in dact.withUnsafeMutableBufferPointer {
                    pool.backward(ab.baseAddress!, yb.baseAddress!, dp, $0.baseAddress!, n: n)
                } } }
                act.withUnsafeBufferPointer { ab in dact.withUnsafeBufferPointer { gb in dx2.withUnsafeMutableBufferPointer {
                    relu.backward(xp, ab.baseAddress!, gb.baseAddress!, $0.baseAddress!, n: n)
                } } }
            } }
            #expect(y1.contains(0) && y1.contains { $0 > 0 }, "\(shape): the test needs both sides of the ReLU")
            #expect(y1.map(\.bitPattern) == y2.map(\.bitPattern), "\(shape)")
            #expect(dx1.map(\.bitPattern) == dx2.map(\.bitPattern), "\(shape)")
        }
    }

    @Test func reluMaxPoolGapInputNorm() {
        for seed: UInt64 in 1...3 {
            #expect(Self.check(ReLU(shape: Shape3(2, 3, 4)), n: 2, seed: seed, kinkFree: true) < 1e-3)
            #expect(Self.check(MaxPool2(shape: Shape3(2, 4, 6)), n: 2, seed: seed, kinkFree: true) < 1e-3)
        }
        #expect(Self.check(GlobalAvgPool(shape: Shape3(3, 4, 5)), n: 2) < 1e-3)
        for seed: UInt64 in 1...3 {
            let e = Self.check(MeanMaxPool(shape: Shape3(3, 4, 5)), n: 2, seed: seed, kinkFree: true)
            print("mean+max pool fd max rel err \(e)"); #expect(e < 1e-3)
        }
        #expect(Self.check(InputNorm(shape: Shape3(1, 4, 6), mode: .global), n: 2) < 1e-3)
        #expect(Self.check(InputNorm(shape: Shape3(1, 4, 6), mode: .band), n: 2) < 1e-3)
    }

    @Test func dense() {
        let e = Self.check(Dense(name: "fc", inFeatures: 6, outFeatures: 3), n: 4)
        print("dense fd max rel err \(e)"); #expect(e < 1e-2)
    }

    @Test func softmaxCrossEntropyOnLogits() {
        var rng = RNG(s: 9)
        let n = 5, k = 3
        var z = (0..<(n * k)).map { _ in rng.next() * 3 }
        let labels: [Int32] = [0, 2, 1, 1, 0]
        let w: [Float] = [1, 2, 0.5, 1, 3]
        var d = [Float](repeating: 0, count: n * k)
        func loss() -> Float {
            var tmp = [Float](repeating: 0, count: n * k)
            return SoftmaxCrossEntropy.lossAndGradient(logits: z, labels: labels, weights: w, dlogits: &tmp, n: n, k: k)
        }
        _ = SoftmaxCrossEntropy.lossAndGradient(logits: z, labels: labels, weights: w, dlogits: &d, n: n, k: k)
        for i in 0..<(n * k) {
            let v = z[i]
            z[i] = v + 1e-2; let lp = loss()
            z[i] = v - 1e-2; let lm = loss()
            z[i] = v
            #expect(abs(d[i] - (lp - lm) / 2e-2) < 1e-3, "dlogit \(i)")
        }
        // on logits: a confident correct prediction has ~0 loss; a confident wrong one has a large loss
        var g = [Float](repeating: 0, count: 2)
        #expect(SoftmaxCrossEntropy.lossAndGradient(logits: [20, -20], labels: [0], weights: nil, dlogits: &g, n: 1, k: 2) < 1e-6)
        #expect(SoftmaxCrossEntropy.lossAndGradient(logits: [20, -20], labels: [1], weights: nil, dlogits: &g, n: 1, k: 2) > 39)
    }

    @Test func wholeNetworkLossFallsWithEachOptimizer() throws {
        for opt in [SGD(learningRate: 0.05, momentum: 0.9) as Optimizer, AdamW(learningRate: 3e-3)] {
            let net = try Network(specs: [.inputNorm(.global), .conv("c1", 4), .bn("b1"), .relu, .maxpool, .gap, .dense("fc", 2)], inputShape: Shape3(1, 8, 8))
            net.initialize(seed: 3)
            let s = TrainingSession(network: net, optimizer: opt, maxBatch: 8)
            var rng = RNG(s: 5)
            // class 1: a bright 2×2 blob; class 0: noise only
            var x = [Float](repeating: 0, count: 8 * 64)
            var labels = [Int32](repeating: 0, count: 8)
            for i in 0..<8 {
                labels[i] = Int32(i % 2)
                for j in 0..<64 { x[i * 64 + j] = rng.next() * 0.1 }
                if i % 2 == 1 { for (a, b) in [(3, 3), (3, 4), (4, 3), (4, 4)] { x[i * 64 + a * 8 + b] += 3 } }
            }
            let first = x.withUnsafeBufferPointer { s.step(inputs: $0.baseAddress!, labels: labels) }
            var last = first
            for _ in 0..<150 { last = x.withUnsafeBufferPointer { s.step(inputs: $0.baseAddress!, labels: labels) } }
            #expect(last < first * 0.5, "\(type(of: opt)): loss \(first) → \(last)")
        }
    }
}
