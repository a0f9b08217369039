/// Serving-side inference: a copy of the network with every batch norm folded into the convolution before
/// it (W' = W·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β), buffers preallocated, so scoring a window allocates
/// nothing. ref: Jacob et al. 2018, "Quantization and Training of Neural Networks…", §3.2 (BN folding).
public final class InferenceSession {
    public let network: Network
    public let gunshotIndex: Int
    /// Scores are softmax(logits / temperature): temperature scaling calibrates an over-confident network so
    /// that scores stay resolvable in Float near 1 (monotonic: rankings and AUC are unchanged).
    /// ref: Guo et al. 2017, "On Calibration of Modern Neural Networks", §4.2.
    public let temperature: Float
    private var probs: [Float]
    /// Single windows are scored as a stream of exactly one window (`StreamingInference` after a reset: the
    /// same sums, by Earshot's convolution kernels and without im2col), when the network streams and
    /// `scoresWindowsByColumns` is on; else by `network.forward`. Built on first use.
    private lazy var columns: StreamingInference? = StreamingInference(session: self)
    /// Score single windows through `StreamingInference` where the network allows it (default), or always by
    /// the layer-by-layer forward pass (`logits`: the reference the column path is tested against, and the
    /// batch-1 benchmark's A/B).
    public var scoresWindowsByColumns = true
    /// Whether `gunshotProbability(_:)` takes the column path (on, and the network streams).
    public var windowsGoByColumns: Bool { scoresWindowsByColumns && columns != nil }

    /// - Parameters: source: the trained network (not modified); maxBatch: largest batch `logits` will see;
    ///   fusion: which layer runs of the folded network execute as one layer (all that can, by default).
    public init(source: Network, gunshotIndex: Int = 1, maxBatch: Int = 1, temperature: Float = 1,
                fusion: Network.Fusion = .batchNormReLUPool) throws {
        network = try Self.fold(source, fusion: fusion)
        self.gunshotIndex = gunshotIndex
        self.temperature = temperature
        network.reserve(batch: maxBatch)
        probs = [Float](repeating: 0, count: maxBatch * network.outputCount)
    }

    /// A new network without batchnorm layers, numerically equal in inference mode.
    static func fold(_ src: Network, fusion: Network.Fusion) throws -> Network {
        var specs: [LayerSpec] = []
        var foldInto: [Int: BatchNorm] = [:] // index in new specs → BN to fold into that conv
        for (i, s) in src.specs.enumerated() {
            if s.type == "batchnorm", let bn = src.layers[i] as? BatchNorm, i > 0, src.layers[i - 1] is Conv2D {
                foldInto[specs.count - 1] = bn
                continue
            }
            specs.append(s)
        }
        let dst = try Network(specs: specs, inputShape: src.inputShape, fusion: fusion)
        for p in dst.parameters { if let sp = src.parameter(named: p.name) { p.value = sp.value } }
        for (idx, bn) in foldInto {
            guard let conv = dst.layers[idx] as? Conv2D else { continue }
            let per = conv.weight.value.count / conv.outShape.c
            for o in 0..<conv.outShape.c {
                let s = bn.gamma.value[o] / (bn.runningVar.value[o] + bn.eps).squareRoot()
                for j in 0..<per { conv.weight.value[o * per + j] *= s }
                conv.bias.value[o] = (conv.bias.value[o] - bn.runningMean.value[o]) * s + bn.beta.value[o]
            }
        }
        return dst
    }

    /// Logits for n windows. in: x (n, C, H, W) → (n, K), valid until the next call.
    public func logits(_ x: UnsafePointer<Float>, n: Int = 1) -> UnsafeBufferPointer<Float> {
        network.forward(x, n: n, training: false)
    }

    /// Probability of the gunshot class for one window (C, H, W) = (1, mels, frames). No allocation after the
    /// first call. The window's frames (its columns) are pushed into a reset `StreamingInference` and scored as
    /// its one window, or (`scoresWindowsByColumns` off, or a network that does not stream) run through
    /// `network.forward`; both give the same score up to float summation order (StreamingInferenceTests).
    public func gunshotProbability(_ window: UnsafePointer<Float>) -> Float {
        if scoresWindowsByColumns, let s = columns {
            let (h, w) = (network.inputShape.h, network.inputShape.w)
            s.reset()
            frame.withUnsafeMutableBufferPointer { f in
                let f = f.baseAddress!
                for j in 0..<w {
                    for m in 0..<h { f[m] = window[m * w + j] }   // column j of (H, W)
                    s.push(f)
                }
            }
            return s.gunshotProbability()
        }
        return gunshotProbability(logits: network.forward(window, n: 1, training: false).baseAddress!)
    }

    /// One frame (a column of the window: H values), the column path's scratch.
    private lazy var frame = [Float](repeating: 0, count: network.inputShape.h)

    /// softmax(logits / temperature)[gunshot] for one window's logits (`outputCount` of them), however they
    /// were computed (a forward pass, or `StreamingInference`). No allocation.
    public func gunshotProbability(logits z: UnsafePointer<Float>) -> Float {
        probs.withUnsafeMutableBufferPointer { p in
            Self.probability(logits: z, k: network.outputCount, temperature: temperature, gunshotIndex: gunshotIndex, scratch: p.baseAddress!)
        }
    }

    /// softmax(z / temperature)[gunshotIndex] of k logits, computed in `scratch` (k floats).
    static func probability(logits z: UnsafePointer<Float>, k: Int, temperature: Float, gunshotIndex: Int,
                            scratch p: UnsafeMutablePointer<Float>) -> Float {
        let invT = 1 / temperature
        for j in 0..<k { p[j] = z[j] * invT }
        SoftmaxCrossEntropy.softmax(p, p, n: 1, k: k)
        return p[gunshotIndex]
    }

    /// Gunshot probabilities for n windows (batched path for offline analysis).
    public func gunshotProbabilities(_ x: UnsafePointer<Float>, n: Int, into out: UnsafeMutablePointer<Float>) {
        let z = network.forward(x, n: n, training: false)
        let k = network.outputCount
        if probs.count < n * k { probs = [Float](repeating: 0, count: n * k) }
        let invT = 1 / temperature
        probs.withUnsafeMutableBufferPointer { p in
            for j in 0..<(n * k) { p[j] = z[j] * invT }
            SoftmaxCrossEntropy.softmax(p.baseAddress!, p.baseAddress!, n: n, k: k)
            for i in 0..<n { out[i] = p[i * k + gunshotIndex] }
        }
    }
}
