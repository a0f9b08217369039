import Testing
@testable import EarshotNN

/// `TrainingSession(workers:)`: a batch split over data-parallel workers gives the full batch's loss,
/// logits and gradients (exactly, up to float rounding, without batch norm; with it, the size-weighted mean
/// of the shards' own), and training with workers follows the same steps.
@Suite struct DataParallelTests {
    static let shape = TrainingSessionTests.shape
    static let noBN: [LayerSpec] = [.conv("c1", 4), .relu, .maxpool, .conv("c2", 6), .relu, .gap, .dense("fc1", 5), .relu, .dense("fc2", 2)]
    static let withBN: [LayerSpec] = [.conv("c1", 4), .bn("b1"), .relu, .maxpool, .conv("c2", 6), .relu, .gap, .dense("fc2", 2)]

    static func session(_ specs: [LayerSpec], batch: Int, workers: Int) throws -> TrainingSession {
        let net = try Network(specs: specs, inputShape: shape)
        net.initialize(seed: 5)
        for case let bn as BatchNorm in net.layers { bn.runningMean.value = bn.runningMean.value.indices.map { Float($0) * 0.1 } }
        return TrainingSession(network: net, optimizer: SGD(learningRate: 0.05), maxBatch: batch, workers: workers)
    }

    static func labels(_ n: Int) -> [Int32] { (0..<n).map { Int32(($0 * 7 / 3) % 2) } }

    static func close(_ a: Float, _ b: Float, _ tol: Float = 1e-5) -> Bool { abs(a - b) <= tol * max(1, abs(a), abs(b)) }

    @Test(arguments: [(6, 2), (5, 2), (7, 3), (3, 4)])
    func withoutBatchNormSharesGiveTheBatchGradient(n: Int, workers: Int) throws {
        let x = TrainingSessionTests.data(n: n, seed: 11)
        let one = try Self.session(Self.noBN, batch: n, workers: 1), many = try Self.session(Self.noBN, batch: n, workers: workers)
        #expect(many.workers == min(workers, n))
        let weights = (0..<n).map { Float(1 + $0 % 3) }
        let a = x.withUnsafeBufferPointer { one.lossAndGradients(inputs: $0.baseAddress!, labels: Self.labels(n), weights: weights) }
        let b = x.withUnsafeBufferPointer { many.lossAndGradients(inputs: $0.baseAddress!, labels: Self.labels(n), weights: weights) }
        #expect(Self.close(a.loss, b.loss), "loss \(a.loss) vs \(b.loss)")
        #expect(a.logits.count == b.logits.count && zip(a.logits, b.logits).allSatisfy { Self.close($0, $1) })
        var worst: Float = 0, largest: Float = 0
        for (p, q) in zip(one.network.parameters, many.network.parameters) {
            for i in p.grad.indices { worst = max(worst, abs(p.grad[i] - q.grad[i])); largest = max(largest, abs(p.grad[i])) }
        }
        #expect(largest > 1e-3 && worst <= 1e-5 * largest, "worst |Δgrad| \(worst) of \(largest)")
    }

    @Test func withBatchNormEachShareUsesItsOwnStatistics() throws {
        let n = 8, x = TrainingSessionTests.data(n: n, seed: 12), y = Self.labels(n)
        let many = try Self.session(Self.withBN, batch: n, workers: 2)
        let b = x.withUnsafeBufferPointer { many.lossAndGradients(inputs: $0.baseAddress!, labels: y) }
        // each half on its own, in a one-worker session from the same start
        var halves: [(loss: Float, grads: [[Float]], stats: [[Float]])] = []
        for h in 0..<2 {
            let s = try Self.session(Self.withBN, batch: n / 2, workers: 1)
            let r = x.withUnsafeBufferPointer { s.lossAndGradients(inputs: $0.baseAddress! + h * (n / 2) * Self.shape.count, labels: Array(y[(h * n / 2)..<((h + 1) * n / 2)])) }
            halves.append((r.loss, s.network.parameters.map(\.grad), s.network.parameters.filter { !$0.trainable }.map(\.value)))
        }
        #expect(Self.close(b.loss, (halves[0].loss + halves[1].loss) / 2))
        for (k, p) in many.network.parameters.enumerated() where p.trainable {
            for i in p.grad.indices { #expect(Self.close(p.grad[i], (halves[0].grads[k][i] + halves[1].grads[k][i]) / 2), "\(p.name)[\(i)]") }
        }
        // running statistics: the mean of the halves' (the start was not all zero, so this is not trivial)
        let stats = many.network.parameters.filter { !$0.trainable }
        #expect(!stats.isEmpty)
        for (k, p) in stats.enumerated() {
            for i in p.value.indices { #expect(Self.close(p.value[i], (halves[0].stats[k][i] + halves[1].stats[k][i]) / 2), "\(p.name)[\(i)]") }
        }
        // and a full-batch normalisation would differ: the shares really are normalised separately
        let one = try Self.session(Self.withBN, batch: n, workers: 1)
        let a = x.withUnsafeBufferPointer { one.lossAndGradients(inputs: $0.baseAddress!, labels: y) }
        #expect(abs(a.loss - b.loss) > 1e-5)
    }

    @Test func stepsWithWorkersTrackOneThread() throws {
        // 20 SGD steps without batch norm: the replicas follow the primary's updated weights every step
        let n = 6
        let one = try Self.session(Self.noBN, batch: n, workers: 1), two = try Self.session(Self.noBN, batch: n, workers: 2)
        var losses: [(Float, Float)] = []
        for step in 0..<20 {
            let x = TrainingSessionTests.data(n: n, seed: 100 + UInt64(step))
            let y = Self.labels(n)
            losses.append((x.withUnsafeBufferPointer { one.step(inputs: $0.baseAddress!, labels: y) },
                           x.withUnsafeBufferPointer { two.step(inputs: $0.baseAddress!, labels: y) }))
        }
        #expect(losses.allSatisfy { Self.close($0.0, $0.1, 1e-4) }, "\(losses)")
        #expect(losses.last!.0 != losses.first!.0)   // the weights moved
        for (p, q) in zip(one.network.parameters, two.network.parameters) {
            for i in p.value.indices { #expect(Self.close(p.value[i], q.value[i], 1e-4), "\(p.name)[\(i)]") }
        }
    }

    @Test(arguments: [1, 7, 40])
    func predictionSharedByWorkersIsTheSame(n: Int) throws {
        let x = TrainingSessionTests.data(n: n, seed: 13)
        let one = try Self.session(Self.withBN, batch: 8, workers: 1), two = try Self.session(Self.withBN, batch: 8, workers: 2)
        // train a step first so the replicas must pick up changed weights and running statistics
        let y = Self.labels(8)
        let t = TrainingSessionTests.data(n: 8, seed: 14)
        for s in [one, two] { _ = t.withUnsafeBufferPointer { s.step(inputs: $0.baseAddress!, labels: y) } }
        for s in [one, two] { for (p, q) in zip(one.network.parameters, s.network.parameters) { q.value = p.value } }
        let a = x.withUnsafeBufferPointer { one.predict(inputs: $0.baseAddress!, n: n) }
        let b = x.withUnsafeBufferPointer { two.predict(inputs: $0.baseAddress!, n: n) }
        #expect(a.count == 2 * n && a == b)
        #expect(n == 1 || Set(a.map { ($0 * 1e4).rounded() }).count > 2)   // not a constant
    }
}
