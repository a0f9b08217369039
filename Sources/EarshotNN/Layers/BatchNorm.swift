import Foundation

/// Batch normalisation over (N, H, W) per channel.
/// Training: μ, σ² = batch mean and BIASED variance; x̂ = (x − μ)/√(σ² + ε); y = γ·x̂ + β;
///           running ← m·running + (1 − m)·batch (Keras convention, m = 0.99).
/// Inference: the same with running statistics — folded into the preceding convolution by `InferencePlan`.
/// Backward (M = N·H·W): dx = (γ/√(σ²+ε))/M · (M·dy − Σdy − x̂·Σ(dy·x̂));  dγ = Σ dy·x̂;  dβ = Σ dy.
/// With `relu` (the fused `BatchNormReLU` a network runs for batchnorm → relu): forward writes max(0, y);
/// backward first masks the incoming gradient, dy ← dy·[γ·x̂ + β > 0], recomputing the pre-activation from x
/// with the forward's own scale and shift (the same float operations, so the same mask), then runs the
/// batchnorm backward on it.
/// ref: Ioffe & Szegedy 2015, "Batch Normalization", Algorithm 1 and §3; Keras BatchNormalization docs.
public final class BatchNorm: Layer {
    public let inShape: Shape3
    public var outShape: Shape3 { inShape }
    public let eps: Float
    public let momentum: Float
    public let gamma: Parameter, beta: Parameter
    public let runningMean: Parameter, runningVar: Parameter
    public var parameters: [Parameter] { [gamma, beta, runningMean, runningVar] }
    private var mean: [Float], invStd: [Float] // (C) saved by training forward for backward

    public init(name: String, shape: Shape3, eps: Float = 1e-3, momentum: Float = 0.99) {
        inShape = shape
        self.eps = eps
        self.momentum = momentum
        let c = shape.c
        gamma = Parameter(name: name + ".gamma", shape: [c], value: [Float](repeating: 1, count: c))
        beta = Parameter(name: name + ".beta", shape: [c], value: [Float](repeating: 0, count: c))
        runningMean = Parameter(name: name + ".running_mean", shape: [c], value: [Float](repeating: 0, count: c), trainable: false)
        runningVar = Parameter(name: name + ".running_var", shape: [c], value: [Float](repeating: 1, count: c), trainable: false)
        mean = [Float](repeating: 0, count: c)
        invStd = [Float](repeating: 0, count: c)
    }

    // in: x (N, C, H, W) → out: y (N, C, H, W)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        forward(x, y, n: n, training: training, relu: false)
    }

    // in: x (N, C, H, W) → out: y = BN(x), or max(0, BN(x)) with `relu` (N, C, H, W)
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool, relu: Bool) {
        let c = inShape.c, hw = inShape.h * inShape.w
        for ch in 0..<c {
            let (mu, istd) = statistics(x, channel: ch, n: n, training: training)
            let (g, b) = affine(ch, mean: mu, invStd: istd)
            for i in 0..<n {
                let off = (i * c + ch) * hw
                if relu { Kernels.scaleShiftReLU(x + off, y + off, scale: g, shift: b, count: hw) } else { Kernels.scaleShift(x + off, y + off, scale: g, shift: b, count: hw) }
            }
        }
    }

    /// Channel ch's μ and 1/√(σ² + ε) for a forward pass: in training the batch's (saved for the backward,
    /// running statistics updated), otherwise the running ones.
    /// in: x (N, C, H, W)
    func statistics(_ x: UnsafePointer<Float>, channel ch: Int, n: Int, training: Bool) -> (mean: Float, invStd: Float) {
        guard training else { return (runningMean.value[ch], 1 / (runningVar.value[ch] + eps).squareRoot()) }
        let c = inShape.c, hw = inShape.h * inShape.w
        let m = Double(n * hw)
        // two passes (mean, then Σ(x − μ)²): no cancellation when |μ| ≫ σ
        var s = 0.0, s2 = 0.0
        for i in 0..<n { s += Kernels.sum(x + (i * c + ch) * hw, count: hw) }
        let mean = s / m
        for i in 0..<n { s2 += Kernels.sumSquaredDeviations(x + (i * c + ch) * hw, from: Float(mean), count: hw) }
        let variance = s2 / m
        let mu = Float(mean), istd = Float(1 / (variance + Double(eps)).squareRoot())
        self.mean[ch] = mu
        invStd[ch] = istd
        runningMean.value[ch] = momentum * runningMean.value[ch] + (1 - momentum) * mu
        runningVar.value[ch] = momentum * runningVar.value[ch] + (1 - momentum) * Float(variance)
        return (mu, istd)
    }

    /// Channel ch's batch μ and 1/√(σ² + ε) saved by the last training forward (what a backward uses).
    func saved(channel ch: Int) -> (mean: Float, invStd: Float) { (mean[ch], invStd[ch]) }

    /// Channel ch's y = x·g + b: g = γ·istd, b = β − μ·g. One definition for the forward and the fused backward's
    /// recomputed ReLU mask, which must see the very same pre-activations.
    @inline(__always) func affine(_ ch: Int, mean mu: Float, invStd istd: Float) -> (Float, Float) {
        let g = gamma.value[ch] * istd
        return (g, beta.value[ch] - mu * g)
    }

    // in: x, dy (N, C, H, W) → dx (N, C, H, W); dγ, dβ (C) accumulated. Uses the batch statistics of the
    // last training forward.
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        backward(x, dy, dx, n: n, relu: false)
    }

    // in: x (N, C, H, W), dy (N, C, H, W) of BN's output, or with `relu` of max(0, BN(x)) → dx (N, C, H, W).
    // With `relu`, dx first holds the masked dy, and the batchnorm backward then overwrites it element by element.
    func backward(_ x: UnsafePointer<Float>, _ dyIn: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int, relu: Bool) {
        let c = inShape.c, hw = inShape.h * inShape.w
        let m = Float(n * hw)
        let dy = relu ? UnsafePointer(dx) : dyIn
        for ch in 0..<c {
            let (mu, istd) = saved(channel: ch)
            let (gf, bf) = affine(ch, mean: mu, invStd: istd) // the forward's scale and shift, bit for bit
            var sdy = 0.0, sdyx = 0.0
            for i in 0..<n {
                let off = (i * c + ch) * hw
                // the masked slab is summed while it is still in L1
                if relu { Kernels.reluBackwardRecomputed(x + off, dyIn + off, dx + off, scale: gf, shift: bf, count: hw) }
                let (s, sx) = Kernels.sumAndDotCentered(dy + off, x + off, minus: mu, count: hw)
                sdy += s
                sdyx += sx * Double(istd)
            }
            gamma.grad[ch] += Float(sdyx)
            beta.grad[ch] += Float(sdy)
            let g = gamma.value[ch] * istd / m
            let a = Float(sdy), b = Float(sdyx)
            for i in 0..<n {
                let off = (i * c + ch) * hw
                Kernels.batchNormBackward(x + off, dy + off, dx + off, mean: mu, g: g, m: m, a: a, s: istd * b, count: hw)
            }
        }
    }
}
