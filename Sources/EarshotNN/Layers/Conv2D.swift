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
    /// Row (ci, ky, kx) is channel ci shifted by (ky − p, kx − p): in flat indices col[j] = x[j + off] with
    /// off = (ky − p)·W + (kx − p). So each row is ONE contiguous copy over the output rows whose input row
    /// exists, after which the |kx − p| columns at each row's end that the flat shift took from the
    /// neighbouring row are zeroed (a call per image row for W ≤ 96 floats cost more than the copying).
    static func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, c: Int, h: Int, w: Int, k: Int) {
        let hw = h * w
        for ci in 0..<c {
            let src = x + ci * hw
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = col + ((ci * k + ky) * k + kx) * hw
                    let s = Shift(ky: ky, kx: kx, k: k, h: h, w: w)
                    row.update(repeating: 0, count: s.oy0 * w)                          // rows above the image
                    (row + s.oy1 * w).update(repeating: 0, count: (h - s.oy1) * w)        // rows below it
                    if s.j1 > s.j0 { (row + s.j0).update(from: src + s.j0 + s.off, count: s.j1 - s.j0) }
                    s.zeroWrapped(row)
                }
            }
        }
    }

    /// Adjoint of im2col: dcol: (I·k·k, H·W) → dx: (I, H, W) (dx is overwritten). Each row's wrapped columns
    /// are zeroed in dcol (a scratch) first, then the row is added to dx in one contiguous pass: the same
    /// additions per element in the same order as row by row, plus additions of +0, which change nothing (dx
    /// starts at +0 and a sum that starts there is never −0).
    static func col2im(_ col: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>, c: Int, h: Int, w: Int, k: Int) {
        let hw = h * w
        dx.update(repeating: 0, count: c * hw)
        for ci in 0..<c {
            let dst = dx + ci * hw
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = col + ((ci * k + ky) * k + kx) * hw
                    let s = Shift(ky: ky, kx: kx, k: k, h: h, w: w)
                    guard s.j1 > s.j0 else { continue }
                    s.zeroWrapped(row)
                    Kernels.add(row + s.j0, into: dst + s.j0 + s.off, count: s.j1 - s.j0)
                }
            }
        }
    }

    /// Where im2col row (ky, kx) reads its channel: col[j] = x[j + off] for j in j0..<j1, within the output
    /// rows oy0..<oy1 (0 ≤ oy0 ≤ oy1 ≤ H) whose input row oy + ky − p exists, clipped to x's bounds.
    struct Shift {
        let shiftX: Int, off: Int, oy0: Int, oy1: Int, j0: Int, j1: Int, w: Int

        init(ky: Int, kx: Int, k: Int, h: Int, w: Int) {
            let p = k / 2
            shiftX = kx - p
            off = (ky - p) * w + shiftX
            oy0 = min(h, max(0, p - ky))
            oy1 = max(oy0, min(h, h + p - ky))   // a kernel taller than the image can leave no row
            j0 = max(oy0 * w, -off); j1 = min(oy1 * w, h * w - off)
            self.w = w
        }

        /// Zeroes, in output rows oy0..<oy1, the columns whose input column ox + shiftX is outside 0..<W.
        func zeroWrapped(_ row: UnsafeMutablePointer<Float>) {
            guard shiftX != 0 else { return }
            let (a, b) = shiftX < 0 ? (0, min(w, -shiftX)) : (max(0, w - shiftX), w)
            for oy in oy0..<oy1 { for ox in a..<b { row[oy * w + ox] = 0 } }
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
