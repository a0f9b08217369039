/// One optimisation step at a time: forward (BN in training mode) → softmax cross-entropy on logits →
/// backward → optimiser. Buffers are reserved for `maxBatch`; a step allocates only the logits it returns.
///
/// With `workers` > 1 the batch is split into that many contiguous shards, each run forward and backward
/// on its own thread by its own copy of the network (data parallelism, OpenBLAS on one thread each: the
/// small GEMMs of this CNN do not split well across OpenBLAS threads); the gradient is the shards'
/// sample-weighted mean, so it is the full batch's except that batch norm normalises each shard by its
/// own statistics ("ghost batch norm", ref: Hoffer, Hubara, Soudry 2017, "Train longer, generalize
/// better", §4) and its running statistics become the shards' mean.
public final class TrainingSession {
    public let network: Network
    public let optimizer: Optimizer
    /// Shard k is run by shards[k].net; shards[0].net is `network`, the others are its replicas.
    private let shards: [Shard]
    /// (maxBatch, K): every shard writes its own rows (a raw buffer: shards write it concurrently).
    private let logitsBuf: UnsafeMutablePointer<Float>
    private let maxBatch: Int

    /// One worker's network and its loss buffers.
    private final class Shard {
        let net: Network
        var dlogits: [Float]
        var labels: [Int32]
        var weights: [Float]
        var loss: Float = 0
        init(_ net: Network, maxBatch: Int) {
            self.net = net
            net.reserve(batch: maxBatch)
            dlogits = [Float](repeating: 0, count: maxBatch * net.outputCount)
            labels = [Int32](repeating: 0, count: maxBatch)
            weights = [Float](repeating: 1, count: maxBatch)
        }
    }

    public init(network: Network, optimizer: Optimizer, maxBatch: Int, workers: Int = 1) {
        self.network = network
        self.optimizer = optimizer
        let capacity = Shares(maxBatch, parts: workers)
        let (w, per) = (capacity.used, capacity.per)
        // a replica is built from the same (already validated) layer list, so it cannot fail
        shards = [Shard(network, maxBatch: per)] + (1..<w).map { _ in
            Shard(try! Network(specs: network.specs, inputShape: network.inputShape, fusion: network.fusion), maxBatch: per)
        }
        self.maxBatch = maxBatch
        logitsBuf = .allocate(capacity: maxBatch * network.outputCount)
        logitsBuf.initialize(repeating: 0, count: maxBatch * network.outputCount)
    }

    deinit { logitsBuf.deallocate() }

    /// Threads a step runs on.
    public var workers: Int { shards.count }

    /// Loss and gradients for one batch, without updating (the parity tests compare these with TensorFlow).
    /// in: inputs (N, C, H, W), labels (N), optional per-sample loss weights (N).
    public func lossAndGradients(inputs: UnsafePointer<Float>, labels: [Int32], weights: [Float]? = nil) -> (loss: Float, logits: [Float]) {
        let n = labels.count
        precondition(n >= 1 && n <= maxBatch, "batch \(n) outside 1…\(maxBatch)")
        let k = network.outputCount, size = network.inputShape.count
        let split = Shares(n, parts: shards.count), used = split.used
        // replicas start from the primary's weights (BN running statistics included)
        for s in shards.dropFirst().prefix(used - 1) { Self.copy(network.parameters, to: s.net.parameters) }
        split.run { j in
            let s = self.shards[j]
            let lo = split.range(j).lowerBound, m = split.range(j).count
            s.net.zeroGrad()
            for i in 0..<m { s.labels[i] = labels[lo + i]; s.weights[i] = weights?[lo + i] ?? 1 }
            let x = inputs + lo * size
            let logits = s.net.forward(x, n: m, training: true)
            s.loss = s.labels.withUnsafeBufferPointer { lb in
                s.weights.withUnsafeBufferPointer { wb in
                    s.dlogits.withUnsafeMutableBufferPointer { d in
                        SoftmaxCrossEntropy.lossAndGradient(logits: logits.baseAddress!, labels: lb.baseAddress!, weights: weights == nil ? nil : wb.baseAddress,
                                                            dlogits: d.baseAddress!, n: m, k: k)
                    }
                }
            }
            (self.logitsBuf + lo * k).update(from: logits.baseAddress!, count: m * k)
            s.dlogits.withUnsafeBufferPointer { s.net.backward(x, dlogits: $0.baseAddress!, n: m) }
        }
        // The batch's loss and gradient: the shards' means weighted by their share of the batch (each shard's
        // loss is its own mean). BN running statistics moved from the same start in every shard: their mean.
        let share = split.fraction
        var loss: Float = 0
        for j in 0..<used { loss += shards[j].loss * share(j) }
        if used > 1 {
            for (pi, p) in network.parameters.enumerated() {
                let field: ReferenceWritableKeyPath<Parameter, [Float]> = p.trainable ? \.grad : \.value
                let weight = { (j: Int) in p.trainable ? share(j) : 1 / Float(used) }
                p[keyPath: field].withUnsafeMutableBufferPointer { d in
                    for i in d.indices { d[i] *= weight(0) }
                    for j in 1..<used {
                        shards[j].net.parameters[pi][keyPath: field].withUnsafeBufferPointer { q in for i in d.indices { d[i] += q[i] * weight(j) } }
                    }
                }
            }
        }
        return (loss, Array(UnsafeBufferPointer(start: logitsBuf, count: n * k)))
    }

    /// One training step; returns the batch's mean loss.
    @discardableResult
    public func step(inputs: UnsafePointer<Float>, labels: [Int32], weights: [Float]? = nil) -> Float {
        let r = lossAndGradients(inputs: inputs, labels: labels, weights: weights)
        optimizer.step(network.parameters)
        return r.loss
    }

    /// Class probabilities (N, K) in inference mode (running BN statistics), batched for evaluation; with
    /// workers, each scores a contiguous share of the inputs.
    public func predict(inputs: UnsafePointer<Float>, n: Int) -> [Float] {
        let k = network.outputCount, size = network.inputShape.count
        var probs = [Float](repeating: 0, count: n * k)
        guard n > 0 else { return probs }
        let split = Shares(n, parts: shards.count)
        for s in shards.dropFirst().prefix(split.used - 1) { Self.copy(network.parameters, to: s.net.parameters) }
        probs.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            split.run { j in
                let net = self.shards[j].net
                let chunk = max(1, net.batchCapacity)
                var s = split.range(j).lowerBound
                let end = split.range(j).upperBound
                while s < end {
                    let m = min(chunk, end - s)
                    let logits = net.forward(inputs + s * size, n: m, training: false)
                    SoftmaxCrossEntropy.softmax(logits.baseAddress!, base + s * k, n: m, k: k)
                    s += m
                }
            }
        }
        return probs
    }

    /// In-place copy of parameter values (no allocation: the arrays are uniquely owned).
    private static func copy(_ from: [Parameter], to: [Parameter]) {
        for (p, q) in zip(from, to) { q.value.withUnsafeMutableBufferPointer { d in p.value.withUnsafeBufferPointer { d.baseAddress!.update(from: $0.baseAddress!, count: $0.count) } } }
    }
}
