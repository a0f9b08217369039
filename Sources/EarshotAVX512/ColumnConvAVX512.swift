import EarshotAVX2

/// The column convolution of `ColumnConv` (EarshotNN) as one register-blocked loop, compiled for AVX-512
/// (this module alone is built with `-target-cpu skylake-avx512`: `SIMD16<Float>` is one zmm register and
/// `addProduct` one FMA). Call it only on a CPU with AVX-512 F/CD/BW/DQ/VL (`ColumnConv` checks the flags);
/// any other CPU would stop with SIGILL.
///
/// It replaces im2col + OpenBLAS's SGEMM for the streamed blocks: the same multiply-adds, but the weights are
/// read in the layout `ColumnConv` keeps them in (no per-call packing of B) and the input rows straight from
/// the padded columns (no im2col copy, no packing of A) — the two costs that were ≈ 15 % and ≈ 7 % of a
/// single-threaded `earshot detect` (docs/benchmarks/detect.md). The same loop (`gemm`) also runs the
/// components of Winograd's F(4, 3) / F(2, 3) for 3×3 blocks (`ColumnConvAVX2.convolveWinograd` drives it: the
/// transforms are AVX2 code, which every AVX-512 CPU runs).
/// ref: the BLIS micro-kernel (Van Zee & van de Geijn 2015): an MR × NR block of C held in registers, each
/// A element broadcast against NR/16 vectors of B per step of k.
public enum ColumnConvAVX512 {
    /// Output channels per register block (two zmm vectors) and output rows of the main block.
    public static let channelBlock = 32, rowBlock = 8

    /// out[t, y, o] = bias[o] + Σ_kx Σ_j taps[t·k + kx][y·inC + j] · weight[(kx·run + j)·outC + o]
    /// (then max(·, 0) if `relu`), with run = k·inC: row y of tap kx is rows y…y+k−1 of a padded column.
    /// taps: (n, k) pointers to padded input columns (H + k − 1, inC); weight: (k, run, outC) =
    /// (kx, ky, i, O); bias: (outC); out: (n, h, outC). Requires outC % 32 == 0.
    /// The n·h output rows are blocked as one run (a block may span two columns: each of its rows has its own
    /// input pointer), so short columns still fill 8-row blocks.
    public static func convolve(n: Int, h: Int, k: Int, inC: Int, outC: Int,
                                taps: UnsafePointer<UnsafePointer<Float>>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>, relu: Bool, out: UnsafeMutablePointer<Float>) {
        gemm(Rows(taps: taps, h: h, k: k, stride: inC, offset: 0, run: k * inC, outC: outC), count: n * h,
             weight: weight, bias: bias, relu: relu, out: out)
    }

    /// out[r, o] = bias[o] + Σ_kx Σ_j source(r, kx)[j] · weight[(kx·run + j)·outC + o] (then max(·, 0) if `relu`)
    /// for the `count` rows of `rows` (`ColumnConvAVX2.Rows`: `convolve`'s rows of padded columns, or one Winograd
    /// component of transformed tiles), 8 and 4 rows × 32 channels at a time. weight: (k, run, outC); bias: (outC);
    /// out: (count, outC). Requires outC % 32 == 0.
    public static func gemm(_ rows: Rows, count: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                            out: UnsafeMutablePointer<Float>) {
        let outC = rows.outC
        precondition(outC % channelBlock == 0, "outC \(outC) is not a multiple of \(channelBlock)")
        var g = 0
        while g < outC {
            let w = weight + g, b = bias + g, dst = out + g
            var r = 0
            while r + rowBlock <= count { block8(rows, r, w: w, bias: b, relu: relu, dst: dst + r * outC); r += rowBlock }
            if r + 4 <= count { block4(rows, r, w: w, bias: b, relu: relu, dst: dst + r * outC); r += 4 }
            while r < count { block1(rows, r, w: w, bias: b, relu: relu, dst: dst + r * outC); r += 1 }
            g += channelBlock
        }
    }

    /// The rows both kernels read (`ColumnConvAVX2.Rows`).
    public typealias Rows = ColumnConvAVX2.Rows

    /// Rows r…r+7 × 32 channels: 16 zmm accumulators; per step of j two weight vectors and eight broadcasts.
    @inline(__always)
    static func block8(_ rows: Rows, _ r: Int, w: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                       dst: UnsafeMutablePointer<Float>) {
        let (run, outC) = (rows.run, rows.outC)
        let b0 = ld(bias), b1 = ld(bias + 16)
        var (a0, a1, a2, a3, a4, a5, a6, a7) = (b0, b0, b0, b0, b0, b0, b0, b0)
        var (c0, c1, c2, c3, c4, c5, c6, c7) = (b1, b1, b1, b1, b1, b1, b1, b1)
        let (q0, q1, q2, q3) = (rows.source(r), rows.source(r + 1), rows.source(r + 2), rows.source(r + 3))
        let (q4, q5, q6, q7) = (rows.source(r + 4), rows.source(r + 5), rows.source(r + 6), rows.source(r + 7))
        for kx in 0..<rows.k {
            let (s0, s1, s2, s3) = (q0.taps[kx] + q0.at, q1.taps[kx] + q1.at, q2.taps[kx] + q2.at, q3.taps[kx] + q3.at)
            let (s4, s5, s6, s7) = (q4.taps[kx] + q4.at, q5.taps[kx] + q5.at, q6.taps[kx] + q6.at, q7.taps[kx] + q7.at)
            var wk = w + kx * run * outC
            for j in 0..<run {
                let w0 = ld(wk), w1 = ld(wk + 16)
                var v = V(repeating: s0[j]); a0.addProduct(v, w0); c0.addProduct(v, w1)
                v = V(repeating: s1[j]); a1.addProduct(v, w0); c1.addProduct(v, w1)
                v = V(repeating: s2[j]); a2.addProduct(v, w0); c2.addProduct(v, w1)
                v = V(repeating: s3[j]); a3.addProduct(v, w0); c3.addProduct(v, w1)
                v = V(repeating: s4[j]); a4.addProduct(v, w0); c4.addProduct(v, w1)
                v = V(repeating: s5[j]); a5.addProduct(v, w0); c5.addProduct(v, w1)
                v = V(repeating: s6[j]); a6.addProduct(v, w0); c6.addProduct(v, w1)
                v = V(repeating: s7[j]); a7.addProduct(v, w0); c7.addProduct(v, w1)
                wk += outC
            }
        }
        store(a0, c0, dst, relu); store(a1, c1, dst + outC, relu)
        store(a2, c2, dst + 2 * outC, relu); store(a3, c3, dst + 3 * outC, relu)
        store(a4, c4, dst + 4 * outC, relu); store(a5, c5, dst + 5 * outC, relu)
        store(a6, c6, dst + 6 * outC, relu); store(a7, c7, dst + 7 * outC, relu)
    }

    /// Rows r…r+3 × 32 channels (what the 8-row blocks leave): 8 accumulators.
    @inline(__always)
    static func block4(_ rows: Rows, _ r: Int, w: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                       dst: UnsafeMutablePointer<Float>) {
        let (run, outC) = (rows.run, rows.outC)
        let b0 = ld(bias), b1 = ld(bias + 16)
        var (a0, a1, a2, a3) = (b0, b0, b0, b0)
        var (c0, c1, c2, c3) = (b1, b1, b1, b1)
        let (q0, q1, q2, q3) = (rows.source(r), rows.source(r + 1), rows.source(r + 2), rows.source(r + 3))
        for kx in 0..<rows.k {
            let (s0, s1, s2, s3) = (q0.taps[kx] + q0.at, q1.taps[kx] + q1.at, q2.taps[kx] + q2.at, q3.taps[kx] + q3.at)
            var wk = w + kx * run * outC
            for j in 0..<run {
                let w0 = ld(wk), w1 = ld(wk + 16)
                var v = V(repeating: s0[j]); a0.addProduct(v, w0); c0.addProduct(v, w1)
                v = V(repeating: s1[j]); a1.addProduct(v, w0); c1.addProduct(v, w1)
                v = V(repeating: s2[j]); a2.addProduct(v, w0); c2.addProduct(v, w1)
                v = V(repeating: s3[j]); a3.addProduct(v, w0); c3.addProduct(v, w1)
                wk += outC
            }
        }
        store(a0, c0, dst, relu); store(a1, c1, dst + outC, relu)
        store(a2, c2, dst + 2 * outC, relu); store(a3, c3, dst + 3 * outC, relu)
    }

    /// One row × 32 channels (rows the blocks above do not cover).
    @inline(__always)
    static func block1(_ rows: Rows, _ r: Int, w: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                       dst: UnsafeMutablePointer<Float>) {
        var a = ld(bias), c = ld(bias + 16)
        let q = rows.source(r)
        for kx in 0..<rows.k {
            let s = q.taps[kx] + q.at
            var wk = w + kx * rows.run * rows.outC
            for j in 0..<rows.run {
                let v = V(repeating: s[j])
                a.addProduct(v, ld(wk)); c.addProduct(v, ld(wk + 16))
                wk += rows.outC
            }
        }
        store(a, c, dst, relu)
    }

    typealias V = SIMD16<Float>

    @inline(__always) static func ld(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always) static func store(_ a: V, _ c: V, _ p: UnsafeMutablePointer<Float>, _ relu: Bool) {
        let zero = V(repeating: 0)
        let (x, y) = relu ? (a.replacing(with: zero, where: a .< zero), c.replacing(with: zero, where: c .< zero)) : (a, c)
        UnsafeMutableRawPointer(p).storeBytes(of: x, as: V.self)
        UnsafeMutableRawPointer(p + 16).storeBytes(of: y, as: V.self)
    }
}
