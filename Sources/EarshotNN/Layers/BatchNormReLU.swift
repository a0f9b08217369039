/// Batch normalisation followed by ReLU, run as one layer: y = max(0, γ·x̂ + β). A `Network` runs this in place
/// of each `batchnorm` that a `relu` follows and no max-pool after it (that triple is a `BatchNormReLUPool`; the
/// model file still lists every layer): the ReLU's own passes over the
/// activations — a read and a write forward, two reads and a write backward — were ≈ 10 % of a training step
/// (perf, 2026-12-02); fused, a step is 1.07–1.13× faster (`earshot-bench train --fusion bn-relu --compare off`). Same
/// parameters and statistics as the wrapped `BatchNorm`; the formulas are there.
/// ref: Ioffe & Szegedy 2015, Algorithm 1; Nair & Hinton 2010.
public final class BatchNormReLU: Layer {
    public let bn: BatchNorm
    public var inShape: Shape3 { bn.inShape }
    public var outShape: Shape3 { bn.outShape }
    public var parameters: [Parameter] { bn.parameters }

    public init(_ bn: BatchNorm) { self.bn = bn }

    // in: x (N, C, H, W) → out: y = max(0, BN(x)) (N, C, H, W)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        bn.forward(x, y, n: n, training: training, relu: true)
    }

    // in: x, dy (N, C, H, W) → dx (N, C, H, W); dγ, dβ (C) accumulated
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        bn.backward(x, dy, dx, n: n, relu: true)
    }
}
