/// 2-D convolution, k×k kernel, stride 1, zero "same" padding (k odd), with bias.
/// weight: (O, I, k, k) (OIHW, as PyTorch and the fixture), bias: (O).
///
/// Forward per sample: col = im2col(x) : (I·k·k, H·W);  y = W · col + b  : (O, H·W)  [one sgemm].
/// Backward per sample: dW += dy · colᵀ;  db += Σ_hw dy;  dcol = Wᵀ · dy;  dx = col2im(dcol).
/// ref: Chellapilla, Puri, Simard 2006, "High performance convolutional neural networks for document processing"
///      (im2col + GEMM); cs231n notes "Convolutional Networks" for the backward pass.
public final class Conv2D: Layer {
    public let inShape: Shape3
    public let outShape: Shape3
    public let k: Int
    public let weight: Parameter // (O, I, k, k)
    public let bias: Parameter   // (O)
    public var parameters: [Parameter] { [weight, bias] }
    private var col: [Float] = [] // (I·k·k, H·W) scratch for one sample, allocated by the first pass that needs it

    public init(name: String, inChannels: Int, outChannels: Int, k: Int = 3, h: Int, w: Int) {
        precondition(k % 2 == 1, "same padding needs an odd kernel")
        inShape = Shape3(inChannels, h, w)
        outShape = Shape3(outChannels, h, w)
        self.k = k
        weight = Parameter(name: name + ".weight", shape: [outChannels, inChannels, k, k],
                           value: [Float](repeating: 0, count: outChannels * inChannels * k * k))
        bias = Parameter(name: name + ".bias", shape: [outChannels], value: [Float](repeating: 0, count: outChannels))
    }

    /// The im2col scratch, once: a network that is only folded or streamed (`StreamingInference`) never
    /// pays for it.
    private func allocateScratch() {
        if col.isEmpty { col = [Float](repeating: 0, count: inShape.c * k * k * inShape.h * inShape.w) }
    }

    /// x: (I, H, W) → col: (I·k·k, H·W); zero outside the image.
    static func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, c: Int, h: Int, w: Int, k: Int) {
        let p = k / 2
        for ci in 0..<c {
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = col + ((ci * k + ky) * k + kx) * h * w
                    for oy in 0..<h {
                        let iy = oy + ky - p
                        let dst = row + oy * w
                        if iy < 0 || iy >= h {
                            dst.update(repeating: 0, count: w)
                            continue
                        }
                        let src = x + (ci * h + iy) * w
                        let x0 = max(0, p - kx), x1 = min(w, w + p - kx) // valid ox range
                        if x0 > 0 { dst.update(repeating: 0, count: x0) }
                        (dst + x0).update(from: src + (x0 + kx - p), count: x1 - x0)
                        if x1 < w { (dst + x1).update(repeating: 0, count: w - x1) }
                    }
                }
            }
        }
    }

    /// Adjoint of im2col: dcol: (I·k·k, H·W) → dx: (I, H, W) (dx is overwritten).
    static func col2im(_ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, c: Int, h: Int, w: Int, k: Int) {
        let p = k / 2
        dx.update(repeating: 0, count: c * h * w)
        for ci in 0..<c {
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = col + ((ci * k + ky) * k + kx) * h * w
                    for oy in 0..<h {
                        let iy = oy + ky - p
                        if iy < 0 || iy >= h { continue }
                        let src = row + oy * w
                        let dst = dx + (ci * h + iy) * w
                        let x0 = max(0, p - kx), x1 = min(w, w + p - kx)
                        Kernels.add(src + x0, into: dst + (x0 + kx - p), count: x1 - x0)
                    }
                }
            }
        }
    }

    // in: x (N, I, H, W) → out: y (N, O, H, W)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        if k != 1 { allocateScratch() }
        let (ci, h, w, co) = (inShape.c, inShape.h, inShape.w, outShape.c)
        let kk = ci * k * k, hw = h * w
        weight.value.withUnsafeBufferPointer { wt in
            bias.value.withUnsafeBufferPointer { b in
                col.withUnsafeMutableBufferPointer { cb in
                    for s in 0..<n {
                        let ys = y + s * co * hw
                        for o in 0..<co { (ys + o * hw).update(repeating: b[o], count: hw) }
                        if k == 1 {
                            BLAS.gemm(m: co, n: hw, k: kk, a: wt.baseAddress!, lda: kk, b: x + s * ci * hw, ldb: hw, beta: 1, c: ys, ldc: hw)
                        } else {
                            Self.im2col(x + s * ci * hw, cb.baseAddress!, c: ci, h: h, w: w, k: k)
                            BLAS.gemm(m: co, n: hw, k: kk, a: wt.baseAddress!, lda: kk, b: cb.baseAddress!, ldb: hw, beta: 1, c: ys, ldc: hw)
                        }
                    }
                }
            }
        }
    }

    // in: x (N, I, H, W), dy (N, O, H, W) → dx (N, I, H, W); dW (O, I·k·k) += dy·colᵀ; db (O) += Σ dy
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        backward(x, dy, dx, n: n)
    }

    /// The parameter gradients alone — dW += dy·colᵀ, db += Σ dy — for a network's first trainable layer,
    /// whose input gradient nobody reads (no dcol GEMM, no col2im).
    // in: x (N, I, H, W), dy (N, O, H, W)
    public func backwardParameters(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, n: Int) {
        backward(x, dy, nil, n: n)
    }

    private func backward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, n: Int) {
        allocateScratch()
        let (ci, h, w, co) = (inShape.c, inShape.h, inShape.w, outShape.c)
        let kk = ci * k * k, hw = h * w
        weight.value.withUnsafeBufferPointer { wt in
            weight.grad.withUnsafeMutableBufferPointer { dw in
                bias.grad.withUnsafeMutableBufferPointer { db in
                    col.withUnsafeMutableBufferPointer { cb in
                        for s in 0..<n {
                            let dys = dy + s * co * hw
                            for o in 0..<co { db[o] += Float(Kernels.sum(dys + o * hw, count: hw)) }
                            Self.im2col(x + s * ci * hw, cb.baseAddress!, c: ci, h: h, w: w, k: k)
                            // dW (O, kk) += dy (O, hw) · colᵀ (hw, kk)
                            BLAS.gemm(transB: true, m: co, n: kk, k: hw, a: dys, lda: hw, b: cb.baseAddress!, ldb: hw, beta: 1, c: dw.baseAddress!, ldc: kk)
                            guard let dx else { continue }
                            // dcol (kk, hw) = Wᵀ (kk, O) · dy (O, hw), reusing the col scratch
                            BLAS.gemm(transA: true, m: kk, n: hw, k: co, a: wt.baseAddress!, lda: kk, b: dys, ldb: hw, beta: 0, c: cb.baseAddress!, ldc: hw)
                            Self.col2im(cb.baseAddress!, dx + s * ci * hw, c: ci, h: h, w: w, k: k)
                        }
                    }
                }
            }
        }
    }
}
