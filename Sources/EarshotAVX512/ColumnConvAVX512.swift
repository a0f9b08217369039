/// The column convolution of `ColumnConv` (EarshotNN) as one register-blocked loop, compiled for AVX-512
/// (this module alone is built with `-target-cpu skylake-avx512`: `SIMD16<Float>` is one zmm register and
/// `addProduct` one FMA). Call it only on a CPU with AVX-512 F/CD/BW/DQ/VL (`ColumnConv` checks the flags);
/// any other CPU would stop with SIGILL.
///
/// It replaces im2col + OpenBLAS's SGEMM for the streamed blocks: the same multiply-adds, but the weights are
/// read in the layout `ColumnConv` keeps them in (no per-call packing of B) and the input rows straight from
/// the padded columns (no im2col copy, no packing of A) — the two costs that were ≈ 15 % and ≈ 7 % of a
/// single-threaded `earshot detect` (docs/benchmarks/detect.md).
/// ref: the BLIS micro-kernel (Van Zee & van de Geijn 2015): an MR × NR block of C held in registers, each
/// A element broadcast against NR/16 vectors of B per step of k.
public enum ColumnConvAVX512 {
    /// Output channels per register block (two zmm vectors) and output rows per block.
    public static let channelBlock = 32, rowBlock = 8

    /// out[t, y, o] = bias[o] + Σ_kx Σ_j taps[t·k + kx][y·inC + j] · weight[(kx·run + j)·outC + o]
    /// (then max(·, 0) if `relu`), with run = k·inC: row y of tap kx is rows y…y+k−1 of a padded column.
    /// taps: (n, k) pointers to padded input columns (H + k − 1, inC); weight: (k, run, outC) =
    /// (kx, ky, i, O); bias: (outC); out: (n, h, outC). Requires outC % 32 == 0.
    public static func convolve(n: Int, h: Int, k: Int, inC: Int, outC: Int,
                                taps: UnsafePointer<UnsafePointer<Float>>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>, relu: Bool, out: UnsafeMutablePointer<Float>) {
        precondition(outC % channelBlock == 0, "outC \(outC) is not a multiple of \(channelBlock)")
        let run = k * inC
        for t in 0..<n {
            let dst = out + t * h * outC
            var g = 0
            while g < outC {
                let w = weight + g
                var y = 0
                while y + rowBlock <= h {
                    block8(taps + t * k, k: k, run: run, inC: inC, outC: outC, row: y, w: w, bias: bias + g, relu: relu, dst: dst + y * outC + g)
                    y += rowBlock
                }
                while y < h {
                    block1(taps + t * k, k: k, run: run, inC: inC, outC: outC, row: y, w: w, bias: bias + g, relu: relu, dst: dst + y * outC + g)
                    y += 1
                }
                g += channelBlock
            }
        }
    }

    /// Rows row…row+7 × 32 channels: 16 zmm accumulators; per step of j two weight vectors and eight broadcasts.
    @inline(__always)
    static func block8(_ taps: UnsafePointer<UnsafePointer<Float>>, k: Int, run: Int, inC: Int, outC: Int, row: Int,
                       w: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool, dst: UnsafeMutablePointer<Float>) {
        let b0 = ld(bias), b1 = ld(bias + 16)
        var (a0, a1, a2, a3, a4, a5, a6, a7) = (b0, b0, b0, b0, b0, b0, b0, b0)
        var (c0, c1, c2, c3, c4, c5, c6, c7) = (b1, b1, b1, b1, b1, b1, b1, b1)
        for kx in 0..<k {
            let s = taps[kx] + row * inC
            var wk = w + kx * run * outC
            for j in 0..<run {
                let w0 = ld(wk), w1 = ld(wk + 16)
                let x = s + j
                var v = V(repeating: x[0]); a0.addProduct(v, w0); c0.addProduct(v, w1)
                v = V(repeating: x[inC]); a1.addProduct(v, w0); c1.addProduct(v, w1)
                v = V(repeating: x[2 * inC]); a2.addProduct(v, w0); c2.addProduct(v, w1)
                v = V(repeating: x[3 * inC]); a3.addProduct(v, w0); c3.addProduct(v, w1)
                v = V(repeating: x[4 * inC]); a4.addProduct(v, w0); c4.addProduct(v, w1)
                v = V(repeating: x[5 * inC]); a5.addProduct(v, w0); c5.addProduct(v, w1)
                v = V(repeating: x[6 * inC]); a6.addProduct(v, w0); c6.addProduct(v, w1)
                v = V(repeating: x[7 * inC]); a7.addProduct(v, w0); c7.addProduct(v, w1)
                wk += outC
            }
        }
        store(a0, c0, dst, relu); store(a1, c1, dst + outC, relu)
        store(a2, c2, dst + 2 * outC, relu); store(a3, c3, dst + 3 * outC, relu)
        store(a4, c4, dst + 4 * outC, relu); store(a5, c5, dst + 5 * outC, relu)
        store(a6, c6, dst + 6 * outC, relu); store(a7, c7, dst + 7 * outC, relu)
    }

    /// One row × 32 channels (heights that are not a multiple of 8).
    @inline(__always)
    static func block1(_ taps: UnsafePointer<UnsafePointer<Float>>, k: Int, run: Int, inC: Int, outC: Int, row: Int,
                       w: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool, dst: UnsafeMutablePointer<Float>) {
        var a = ld(bias), c = ld(bias + 16)
        for kx in 0..<k {
            let s = taps[kx] + row * inC
            var wk = w + kx * run * outC
            for j in 0..<run {
                let v = V(repeating: s[j])
                a.addProduct(v, ld(wk)); c.addProduct(v, ld(wk + 16))
                wk += outC
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
