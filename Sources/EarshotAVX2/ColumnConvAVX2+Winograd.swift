/// The 3×3 column convolution with Winograd's minimal filtering F(2, 3) along frequency: two output rows from
/// four input rows with 4 multiplications per (tap column, input channel, output channel) instead of 6, so the
/// register-blocked loop (`gemm`) runs 2/3 of `convolve`'s multiply-adds, on transformed rows.
///
/// For output rows (2q, 2q + 1) of one tap column kx, with d0…d3 its padded input rows 2q…2q+3 (inC each) and
/// g0…g2 the filter's rows (ky) for that kx:
///   transform:  u0 = d0 − d2, u1 = d1 + d2, u2 = d2 − d1, u3 = d1 − d3
///   filter:     G0 = g0, G1 = (g0 + g1 + g2) / 2, G2 = (g0 − g1 + g2) / 2, G3 = g2   (`f23Weights`, once per model)
///   products:   m_c[q, o] = Σ_kx Σ_i u_c[kx][q, i] · G_c[kx, i, o]                 (4 GEMMs of K = k·inC)
///   output:     y[2q] = m0 + m1 + m2 + bias,  y[2q + 1] = m1 − m2 − m3 + bias        (then ReLU)
/// ref: Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks", §4.1 (F(2, 3): Bᵀ, G, Aᵀ).
extension ColumnConvAVX2 {
    /// Floats of `transformed` scratch per distinct input column: (h/2 pairs, 4 components, inC).
    public static func f23ColumnLength(h: Int, inC: Int) -> Int { h / 2 * 4 * inC }

    /// `convolve`'s sums (same arguments, same output) for k = 3 and even h, by F(2, 3).
    /// gWeight: (4, k, inC, outC) from `f23Weights`; scratch: transformed (n·k · `f23ColumnLength`), columns (n·k),
    /// m (4, n·h/2, outC), zeroBias (outC) zeros. Each distinct input column is transformed once per call (taps
    /// of neighbouring output columns share their columns).
    public static func convolveF23(n: Int, h: Int, k: Int, inC: Int, outC: Int,
                                   taps: UnsafePointer<UnsafePointer<Float>>, gWeight: UnsafePointer<Float>,
                                   bias: UnsafePointer<Float>, relu: Bool,
                                   transformed: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<UnsafePointer<Float>>,
                                   m: UnsafeMutablePointer<Float>, zeroBias: UnsafePointer<Float>,
                                   out: UnsafeMutablePointer<Float>) {
        precondition(k == 3 && h % 2 == 0, "F(2, 3) needs 3 taps and an even height (k \(k), h \(h))")
        precondition(outC % channelBlock == 0, "outC \(outC) is not a multiple of \(channelBlock)")
        let pairs = h / 2, len = f23ColumnLength(h: h, inC: inC)
        // 1. Transform each distinct input column: columns[i] is tap i's transformed column, (pairs, 4, inC).
        var distinct = 0
        for i in 0..<(n * k) {
            let p = taps[i]
            var seen = i - 1   // a tap of output column t is usually tap kx + 1 of column t − 1: look back 2k taps
            while seen >= max(0, i - 2 * k), taps[seen] != p { seen -= 1 }
            if seen >= max(0, i - 2 * k) { columns[i] = columns[seen]; continue }
            let u = transformed + distinct * len
            distinct += 1
            columns[i] = UnsafePointer(u)
            transform(p, pairs: pairs, inC: inC, into: u)
        }
        // 2. Four GEMMs: component c of every row pair (t, q) against G_c.
        let count = n * pairs, size = count * outC
        for c in 0..<4 {
            gemm(Rows(taps: UnsafePointer(columns), h: pairs, k: k, stride: 4 * inC, offset: c * inC, run: inC, outC: outC),
                 count: count, weight: gWeight + c * k * inC * outC, bias: zeroBias, relu: false, out: m + c * size)
        }
        // 3. Output transform: pair r = t·pairs + q gives output rows (t, 2q) and (t, 2q + 1) = rows 2r, 2r + 1.
        let (m0, m1, m2, m3) = (m, m + size, m + 2 * size, m + 3 * size)
        for r in 0..<count {
            let y0 = out + 2 * r * outC, y1 = y0 + outC, row = r * outC
            var o = 0
            while o < outC {
                let b = ld(bias + o), a1 = ld(m1 + row + o), a2 = ld(m2 + row + o)
                let v0 = ld(m0 + row + o) + a1 + a2 + b, v1 = a1 - a2 - ld(m3 + row + o) + b
                store(v0, y0 + o, relu); store(v1, y1 + o, relu)
                o += 8
            }
        }
    }

    /// Bᵀ d for each row pair of one padded input column (h + 2 rows, inC) → (pairs, 4, inC).
    @inline(__always)
    static func transform(_ d: UnsafePointer<Float>, pairs: Int, inC: Int, into u: UnsafeMutablePointer<Float>) {
        for q in 0..<pairs {
            let d0 = d + 2 * q * inC, d1 = d0 + inC, d2 = d1 + inC, d3 = d2 + inC
            let o = u + 4 * q * inC
            var i = 0
            while i + 8 <= inC {
                let (a, b, c, e) = (ld(d0 + i), ld(d1 + i), ld(d2 + i), ld(d3 + i))
                store(a - c, o + i, false); store(b + c, o + inC + i, false)
                store(c - b, o + 2 * inC + i, false); store(b - e, o + 3 * inC + i, false)
                i += 8
            }
            while i < inC {
                o[i] = d0[i] - d2[i]; o[inC + i] = d1[i] + d2[i]; o[2 * inC + i] = d2[i] - d1[i]; o[3 * inC + i] = d1[i] - d3[i]
                i += 1
            }
        }
    }

    /// G g: `convolve`'s weights (kx, ky, i, O) with k = 3 → F(2, 3)'s (4, kx, i, O).
    public static func f23Weights(_ w: [Float], inC: Int, outC: Int) -> [Float] {
        let k = 3, size = k * inC * outC
        precondition(w.count == k * size, "\(w.count) weights for 3×3 × \(inC) × \(outC)")
        var g = [Float](repeating: 0, count: 4 * size)
        for kx in 0..<k { for i in 0..<inC { for o in 0..<outC {
            let at = { (ky: Int) in w[((kx * k + ky) * inC + i) * outC + o] }
            let (g0, g1, g2) = (at(0), at(1), at(2)), j = (kx * inC + i) * outC + o
            g[j] = g0; g[size + j] = (g0 + g1 + g2) / 2; g[2 * size + j] = (g0 - g1 + g2) / 2; g[3 * size + j] = g2
        } } }
        return g
    }
}
