/// The column convolution of `ColumnConv` (EarshotNN) as one register-blocked loop, compiled for AVX2 + FMA
/// (this module alone is built with `-target-cpu haswell`: `SIMD8<Float>` is one ymm register and `addProduct`
/// one FMA). Call it only on a CPU with AVX2 and FMA (`ConvKernel` checks the flags); any other CPU would stop
/// with SIGILL. It is `ColumnConvAVX512` for the CPUs without AVX-512 that small boxes have (Intel N100/N5105,
/// Core before Ice Lake, AMD Zen 1–3): the same sums, read in place from the padded columns and the weight
/// layout `ColumnConv` keeps, with no im2col copy and no GEMM packing.
/// ref: the BLIS micro-kernel (Van Zee & van de Geijn 2015): an MR × NR block of C held in registers, each
/// A element broadcast against NR/8 vectors of B per step of k. Haswell has 16 ymm registers: MR × NR = 6 × 16
/// takes 12 accumulators, 2 weight vectors and 1 broadcast (OpenBLAS's Haswell SGEMM kernel is 16 × 6 too).
/// The same loop also runs 3×3 blocks by Winograd's F(4, 3) or F(2, 3) along frequency (`convolveWinograd`, the
/// next file): 1/2 or 2/3 of the multiply-adds, which is what is left to save once the loop runs near the FMA
/// units' peak.
public enum ColumnConvAVX2 {
    /// Output channels per register block (two ymm vectors) and output rows of the main block.
    public static let channelBlock = 16, rowBlock = 6

    /// out[t, y, o] = bias[o] + Σ_kx Σ_j taps[t·k + kx][y·inC + j] · weight[(kx·run + j)·outC + o]
    /// (then max(·, 0) if `relu`), with run = k·inC: row y of tap kx is rows y…y+k−1 of a padded column.
    /// taps: (n, k) pointers to padded input columns (H + k − 1, inC); weight: (k, run, outC) =
    /// (kx, ky, i, O); bias: (outC); out: (n, h, outC). Requires outC % 16 == 0.
    /// The n·h output rows are blocked as one run (a block may span two columns: each of its rows has its own
    /// input pointer), so the deep blocks' 8-row columns still fill 6-row blocks.
    public static func convolve(n: Int, h: Int, k: Int, inC: Int, outC: Int,
                                taps: UnsafePointer<UnsafePointer<Float>>, weight: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>, relu: Bool, out: UnsafeMutablePointer<Float>) {
        precondition(outC % channelBlock == 0, "outC \(outC) is not a multiple of \(channelBlock)")
        gemm(Rows(taps: taps, h: h, k: k, stride: inC, offset: 0, run: k * inC, outC: outC), count: n * h,
             weight: weight, bias: bias, relu: relu, out: out)
    }

    /// out[r, o] = bias[o] + Σ_kx Σ_j source(r, kx)[j] · weight[(kx·run + j)·outC + o] (then max(·, 0) if `relu`)
    /// for the `count` rows of `rows`, 6 and 4 rows × 16 channels at a time — the loop both `convolve` and
    /// `convolveWinograd` (on transformed rows) run. weight: (k, run, outC); bias: (outC); out: (count, outC).
    static func gemm(_ rows: Rows, count: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                     out: UnsafeMutablePointer<Float>) {
        let outC = rows.outC
        let (six, four) = rowBlocks(count)
        var g = 0
        while g < outC {
            let w = weight + g, b = bias + g, dst = out + g
            var r = 0
            for _ in 0..<six { block6(rows, r, w: w, bias: b, relu: relu, dst: dst + r * outC); r += 6 }
            for _ in 0..<four { block4(rows, r, w: w, bias: b, relu: relu, dst: dst + r * outC); r += 4 }
            while r < count { block1(rows, r, w: w, bias: b, relu: relu, dst: dst + r * outC); r += 1 }
            g += channelBlock
        }
    }

    /// How many 6-row and then 4-row blocks cover `rows`: the fewest rows left over (they go one at a time, at a
    /// quarter of the speed), then the most 6-row blocks — e.g. 32 = 4·6 + 2·4, 16 = 2·6 + 4, 8 = 2·4, 9 = 2·4 + 1.
    public static func rowBlocks(_ rows: Int) -> (six: Int, four: Int) {
        var best = (six: 0, four: rows / 4), left = rows % 4
        for six in stride(from: rows / 6, through: 1, by: -1) {
            let four = (rows - 6 * six) / 4, rest = rows - 6 * six - 4 * four
            if rest < left || (rest == left && six > best.six) { best = (six, four); left = rest }
        }
        return best
    }

    /// The output rows (t, y) flattened to r = t·h + y, and where tap kx of row r reads its run of `run` floats:
    /// `stride` floats per row y into column (t, kx), plus `offset` (`convolve`: stride inC, run k·inC — rows
    /// y…y+k−1 of a padded column; `convolveWinograd`: one component of a transformed tile). `ColumnConvAVX512`'s
    /// loop reads the same rows (inlinable: its module compiles `source` into its own blocks).
    @frozen public struct Rows {
        public let taps: UnsafePointer<UnsafePointer<Float>>
        public let h: Int, k: Int, stride: Int, offset: Int, run: Int, outC: Int

        @inlinable public init(taps: UnsafePointer<UnsafePointer<Float>>, h: Int, k: Int, stride: Int, offset: Int, run: Int, outC: Int) {
            self.taps = taps; self.h = h; self.k = k; self.stride = stride; self.offset = offset; self.run = run; self.outC = outC
        }

        /// Row r's k tap pointers, and how far into each its run starts (one division per row and block, not per tap).
        @inlinable @inline(__always) public func source(_ r: Int) -> (taps: UnsafePointer<UnsafePointer<Float>>, at: Int) {
            let (t, y) = r.quotientAndRemainder(dividingBy: h)
            return (taps + t * k, y * stride + offset)
        }
    }

    /// Rows r…r+5 × 16 channels: 12 ymm accumulators; per step of j two weight vectors and six broadcasts.
    @inline(__always)
    static func block6(_ rows: Rows, _ r: Int, w: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                       dst: UnsafeMutablePointer<Float>) {
        let (run, outC) = (rows.run, rows.outC)
        let b0 = ld(bias), b1 = ld(bias + 8)
        var (a0, a1, a2, a3, a4, a5) = (b0, b0, b0, b0, b0, b0)
        var (c0, c1, c2, c3, c4, c5) = (b1, b1, b1, b1, b1, b1)
        let (q0, q1, q2) = (rows.source(r), rows.source(r + 1), rows.source(r + 2))
        let (q3, q4, q5) = (rows.source(r + 3), rows.source(r + 4), rows.source(r + 5))
        for kx in 0..<rows.k {
            let (s0, s1, s2) = (q0.taps[kx] + q0.at, q1.taps[kx] + q1.at, q2.taps[kx] + q2.at)
            let (s3, s4, s5) = (q3.taps[kx] + q3.at, q4.taps[kx] + q4.at, q5.taps[kx] + q5.at)
            var wk = w + kx * run * outC
            for j in 0..<run {
                let w0 = ld(wk), w1 = ld(wk + 8)
                var v = V(repeating: s0[j]); a0.addProduct(v, w0); c0.addProduct(v, w1)
                v = V(repeating: s1[j]); a1.addProduct(v, w0); c1.addProduct(v, w1)
                v = V(repeating: s2[j]); a2.addProduct(v, w0); c2.addProduct(v, w1)
                v = V(repeating: s3[j]); a3.addProduct(v, w0); c3.addProduct(v, w1)
                v = V(repeating: s4[j]); a4.addProduct(v, w0); c4.addProduct(v, w1)
                v = V(repeating: s5[j]); a5.addProduct(v, w0); c5.addProduct(v, w1)
                wk += outC
            }
        }
        store(a0, c0, dst, relu); store(a1, c1, dst + outC, relu); store(a2, c2, dst + 2 * outC, relu)
        store(a3, c3, dst + 3 * outC, relu); store(a4, c4, dst + 4 * outC, relu); store(a5, c5, dst + 5 * outC, relu)
    }

    /// Rows r…r+3 × 16 channels (what the 6-row blocks leave): 8 accumulators.
    @inline(__always)
    static func block4(_ rows: Rows, _ r: Int, w: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                       dst: UnsafeMutablePointer<Float>) {
        let (run, outC) = (rows.run, rows.outC)
        let b0 = ld(bias), b1 = ld(bias + 8)
        var (a0, a1, a2, a3) = (b0, b0, b0, b0)
        var (c0, c1, c2, c3) = (b1, b1, b1, b1)
        let (q0, q1, q2, q3) = (rows.source(r), rows.source(r + 1), rows.source(r + 2), rows.source(r + 3))
        for kx in 0..<rows.k {
            let (s0, s1, s2, s3) = (q0.taps[kx] + q0.at, q1.taps[kx] + q1.at, q2.taps[kx] + q2.at, q3.taps[kx] + q3.at)
            var wk = w + kx * run * outC
            for j in 0..<run {
                let w0 = ld(wk), w1 = ld(wk + 8)
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

    /// One row × 16 channels (rows the blocks above do not cover).
    @inline(__always)
    static func block1(_ rows: Rows, _ r: Int, w: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                       dst: UnsafeMutablePointer<Float>) {
        var a = ld(bias), c = ld(bias + 8)
        let q = rows.source(r)
        for kx in 0..<rows.k {
            let s = q.taps[kx] + q.at
            var wk = w + kx * rows.run * rows.outC
            for j in 0..<rows.run {
                let v = V(repeating: s[j])
                a.addProduct(v, ld(wk)); c.addProduct(v, ld(wk + 8))
                wk += rows.outC
            }
        }
        store(a, c, dst, relu)
    }

    typealias V = SIMD8<Float>

    @inline(__always) static func ld(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    /// Two vectors: 16 channels of one output row.
    @inline(__always) static func store(_ a: V, _ c: V, _ p: UnsafeMutablePointer<Float>, _ relu: Bool) {
        store(a, p, relu); store(c, p + 8, relu)
    }

    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ relu: Bool) {
        let x = relu ? v.replacing(with: V(repeating: 0), where: v .< V(repeating: 0)) : v
        UnsafeMutableRawPointer(p).storeBytes(of: x, as: V.self)
    }
}
