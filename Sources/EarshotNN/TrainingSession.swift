/// One optimisation step at a time: forward (BN in training mode) → softmax cross-entropy on logits →
/// backward → optimiser. Buffers are reserved for `maxBatch`; `step` does not allocate.
public final class TrainingSession {
    public let network: Network
    public let optimizer: Optimizer
    private var dlogits: [Float]
    private var labelBuf: [Int32]
    private var weightBuf: [Float]

    public init(network: Network, optimizer: Optimizer, maxBatch: Int) {
        self.network = network
        self.optimizer = optimizer
        network.reserve(batch: maxBatch)
        dlogits = [Float](repeating: 0, count: maxBatch * network.outputCount)
        labelBuf = [Int32](repeating: 0, count: maxBatch)
        weightBuf = [Float](repeating: 1, count: maxBatch)
    }

    /// Loss and gradients for one batch, without updating (the parity tests compare these with TensorFlow).
    /// in: inputs (N, C, H, W), labels (N), optional per-sample loss weights (N).
    public func lossAndGradients(inputs: UnsafePointer<Float>, labels: [Int32], weights: [Float]? = nil) -> (loss: Float, logits: [Float]) {
        let n = labels.count
        precondition(n <= labelBuf.count, "batch \(n) exceeds the reserved \(labelBuf.count)")
        network.zeroGrad()
        let logits = network.forward(inputs, n: n, training: true)
        let k = network.outputCount
        let loss = labels.withUnsafeBufferPointer { lb in
            dlogits.withUnsafeMutableBufferPointer { d in
                if let weights {
                    return weights.withUnsafeBufferPointer { SoftmaxCrossEntropy.lossAndGradient(logits: logits.baseAddress!, labels: lb.baseAddress!, weights: $0.baseAddress, dlogits: d.baseAddress!, n: n, k: k) }
                }
                return SoftmaxCrossEntropy.lossAndGradient(logits: logits.baseAddress!, labels: lb.baseAddress!, weights: nil, dlogits: d.baseAddress!, n: n, k: k)
            }
        }
        let out = Array(logits)
        dlogits.withUnsafeBufferPointer { network.backward(inputs, dlogits: $0.baseAddress!, n: n) }
        return (loss, out)
    }

    /// One training step; returns the batch's mean loss.
    @discardableResult
    public func step(inputs: UnsafePointer<Float>, labels: [Int32], weights: [Float]? = nil) -> Float {
        let r = lossAndGradients(inputs: inputs, labels: labels, weights: weights)
        optimizer.step(network.parameters)
        return r.loss
    }

    /// Class probabilities (N, K) in inference mode (running BN statistics), batched for evaluation.
    public func predict(inputs: UnsafePointer<Float>, n: Int) -> [Float] {
        let k = network.outputCount
        var probs = [Float](repeating: 0, count: n * k)
        let chunk = max(1, labelBuf.count)
        var s = 0
        while s < n {
            let m = min(chunk, n - s)
            let logits = network.forward(inputs + s * network.inputShape.count, n: m, training: false)
            probs.withUnsafeMutableBufferPointer { SoftmaxCrossEntropy.softmax(logits.baseAddress!, $0.baseAddress! + s * k, n: m, k: k) }
            s += m
        }
        return probs
    }
}
