import Foundation

/// Batch normalisation over (N, H, W) per channel.
/// Training: μ, σ² = batch mean and BIASED variance; x̂ = (x − μ)/√(σ² + ε); y = γ·x̂ + β;
///           running ← m·running + (1 − m)·batch (Keras convention, m = 0.99).
/// Inference: the same with running statistics — folded into the preceding convolution by `InferencePlan`.
/// Backward (M = N·H·W): dx = (γ/√(σ²+ε))/M · (M·dy − Σdy − x̂·Σ(dy·x̂));  dγ = Σ dy·x̂;  dβ = Σ dy.
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
        let c = inShape.c, hw = inShape.h * inShape.w
        let m = Double(n * hw)
        for ch in 0..<c {
            var mu: Float, istd: Float
            if training {
                // two passes (mean, then Σ(x − μ)²): no cancellation when |μ| ≫ σ
                var s = 0.0, s2 = 0.0
                for i in 0..<n { s += Kernels.sum(x + (i * c + ch) * hw, count: hw) }
                let mean = s / m
                for i in 0..<n { s2 += Kernels.sumSquaredDeviations(x + (i * c + ch) * hw, from: Float(mean), count: hw) }
                let variance = s2 / m
                mu = Float(mean)
                istd = Float(1 / (variance + Double(eps)).squareRoot())
                self.mean[ch] = mu
                invStd[ch] = istd
                runningMean.value[ch] = momentum * runningMean.value[ch] + (1 - momentum) * mu
                runningVar.value[ch] = momentum * runningVar.value[ch] + (1 - momentum) * Float(variance)
            } else {
                mu = runningMean.value[ch]
                istd = 1 / (runningVar.value[ch] + eps).squareRoot()
            }
            let g = gamma.value[ch] * istd, b = beta.value[ch] - mu * g
            for i in 0..<n { Kernels.scaleShift(x + (i * c + ch) * hw, y + (i * c + ch) * hw, scale: g, shift: b, count: hw) }
        }
    }

    // in: x, dy (N, C, H, W) → dx (N, C, H, W); dγ, dβ (C) accumulated. Uses the batch statistics of the
    // last training forward.
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        let c = inShape.c, hw = inShape.h * inShape.w
        let m = Float(n * hw)
        for ch in 0..<c {
            let mu = mean[ch], istd = invStd[ch]
            var sdy = 0.0, sdyx = 0.0
            for i in 0..<n {
                let p = x + (i * c + ch) * hw, d = dy + (i * c + ch) * hw
                sdy += Kernels.sum(d, count: hw)
                sdyx += Kernels.dotCentered(d, p, minus: mu, count: hw) * Double(istd)
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
