/// Batch normalisation, ReLU and 2×2 max pooling run as one layer: out = maxpool(max(0, γ·x̂ + β)). A `Network`
/// runs this for each batchnorm → relu → maxpool2 on a map of even height and width (the reference CNN's
/// three pooled blocks). The full-size activation between them is never written: the forward reads x once
/// after the statistics and writes only the pooled quarter. The backward recomputes each window's activation
/// from x (no ReLU mask pass), and the max-pool's full-size gradient map becomes one channel's worth at a time,
/// written and read back while it sits in L2. Same parameters and statistics as the wrapped `BatchNorm`; its
/// formulas are there.
///
/// Backward (M = N·H·W), per channel: pass 1 routes the pooled gradient to each window's first maximum, and
/// only if that maximum is > 0 (`reluPoolRouteRow`; 0 elsewhere), for each sample's slab into the channel's
/// scratch (N, H, W), and takes Σdy and Σdy·(x − μ) of the slab with `sumAndDotCentered`; pass 2 writes
/// dx = (γ/√(σ²+ε))/M · (M·dy − Σdy − x̂·Σ(dy·x̂)) from the scratch with `batchNormBackward`. The routed gradient
/// is bit for bit what the max pool's and the ReLU's backward write, and the sums and dx are the unfused
/// batchnorm's own kernels on it, so the output, dx, dγ, dβ and running statistics are bit for bit those of the
/// three layers one after the other (GradientCheckTests, TrainingSessionTests): training results do not depend
/// on the fusion.
/// ref: Ioffe & Szegedy 2015, Algorithm 1; Nair & Hinton 2010; cs231n notes "Convolutional Networks", Pooling Layer.
public final class BatchNormReLUPool: Layer {
    public let bn: BatchNorm
    public var inShape: Shape3 { bn.inShape }
    public let outShape: Shape3
    public var parameters: [Parameter] { bn.parameters }
    /// One channel's routed gradient for every sample of the batch, (N, H, W): written by pass 1, read by pass 2.
    private var routed: UnsafeMutablePointer<Float>
    private var capacity = 0

    public init(_ bn: BatchNorm) {
        let s = bn.inShape
        precondition(s.h % 2 == 0 && s.w % 2 == 0, "BatchNormReLUPool needs an even height and width, got \(s)")
        self.bn = bn
        outShape = Shape3(s.c, s.h / 2, s.w / 2)
        routed = .allocate(capacity: 1)
    }

    deinit { routed.deallocate() }

    public func reserve(batch n: Int) {
        guard n > capacity else { return }
        routed.deallocate()
        routed = .allocate(capacity: n * inShape.h * inShape.w)
        capacity = n
    }

    // in: x (N, C, H, W) → out: y = maxpool2(max(0, BN(x))) (N, C, H/2, W/2)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        let (c, h, w, oh, ow) = (inShape.c, inShape.h, inShape.w, outShape.h, outShape.w)
        for ch in 0..<c {
            let (mu, istd) = bn.statistics(x, channel: ch, n: n, training: training)
            let (g, b) = bn.affine(ch, mean: mu, invStd: istd)
            for i in 0..<n {
                let src = x + (i * c + ch) * h * w, dst = y + (i * c + ch) * oh * ow
                for oy in 0..<oh {
                    let r0 = src + 2 * oy * w
                    Kernels.scaleShiftReLUPoolRow(r0, r0 + w, dst + oy * ow, scale: g, shift: b, ow: ow)
                }
            }
        }
    }

    // in: x (N, C, H, W), y, dy (N, C, H/2, W/2) → dx (N, C, H, W); dγ, dβ (C) accumulated. Uses the batch
    // statistics of the last training forward.
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        let (c, h, w, oh, ow) = (inShape.c, inShape.h, inShape.w, outShape.h, outShape.w)
        let hw = h * w
        let m = Float(n * hw)
        reserve(batch: n) // done by the network beforehand; here for a layer used alone
        for ch in 0..<c {
            let (mu, istd) = bn.saved(channel: ch)
            let (gf, bf) = bn.affine(ch, mean: mu, invStd: istd) // the forward's scale and shift, bit for bit
            var sdy = 0.0, sdyx = 0.0
            for i in 0..<n {
                let src = x + (i * c + ch) * hw, p = (i * c + ch) * oh * ow, r = routed + i * hw
                for oy in 0..<oh {
                    let r0 = src + 2 * oy * w
                    Kernels.reluPoolRouteRow(r0, r0 + w, y + p + oy * ow, dy + p + oy * ow, r + 2 * oy * w, r + (2 * oy + 1) * w, scale: gf, shift: bf, ow: ow)
                }
                let (s, sx) = Kernels.sumAndDotCentered(r, src, minus: mu, count: hw)
                sdy += s
                sdyx += sx * Double(istd)
            }
            bn.gamma.grad[ch] += Float(sdyx)
            bn.beta.grad[ch] += Float(sdy)
            let g = bn.gamma.value[ch] * istd / m
            let a = Float(sdy), b = Float(sdyx)
            for i in 0..<n {
                let off = (i * c + ch) * hw
                Kernels.batchNormBackward(x + off, routed + i * hw, dx + off, mean: mu, g: g, m: m, a: a, s: istd * b, count: hw)
            }
        }
    }
}
