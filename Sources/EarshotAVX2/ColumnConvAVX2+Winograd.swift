/// The 3×3 column convolution with Winograd's minimal filtering along frequency: F(m, 3) gives m output rows from
/// m + 2 input rows with m + 2 multiplications per (tap column, input channel, output channel) instead of 3m, so
/// the register-blocked loop (`gemm`) runs (m + 2)/(3m) of `convolve`'s multiply-adds on transformed rows:
/// 2/3 for F(2, 3), 1/2 for F(4, 3).
///
/// For the m output rows of one tile q of one tap column kx, with d its m + 2 padded input rows (inC each) and g
/// the filter's three rows (ky) for that kx (ref: Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural
/// Networks", §4.1–4.2, their Bᵀ, G, Aᵀ):
///   transform:  u = Bᵀ d                         ((m + 2) rows; `transform`, per distinct input column and call)
///   filter:     G_c = (G g)_c                     (`winogradWeights`, once per model)
///   products:   m_c[q, o] = Σ_kx Σ_i u_c[kx][q, i] · G_c[kx, i, o]     (m + 2 GEMMs of K = k·inC)
///   output:     y = Aᵀ m + bias                   (then ReLU)
/// F(2, 3): Bᵀ d = (d0 − d2, d1 + d2, d2 − d1, d1 − d3); G g = (g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2);
///          Aᵀ m = (m0 + m1 + m2, m1 − m2 − m3).
/// F(4, 3): Bᵀ d = (4d0 − 5d2 + d4, −4(d1 + d2) + d3 + d4, 4(d1 − d2) − d3 + d4, 2(d3 − d1) − d2 + d4,
///          2(d1 − d3) − d2 + d4, 4d1 − 5d3 + d5); G g = (g0/4, −(g0 + g1 + g2)/6, −(g0 − g1 + g2)/6,
///          g0/24 + g1/12 + g2/6, g0/24 − g1/12 + g2/6, g2); Aᵀ m = (m0 + m1 + m2 + m3 + m4, m1 − m2 + 2(m3 − m4),
///          m1 + m2 + 4(m3 + m4), m1 − m2 + 8(m3 − m4) + m5).
/// F(4, 3)'s larger constants round a little more (measured ≤ 3.1e-6 against the direct sums' outputs up to 3, F(2, 3)
/// ≤ 3.0e-6): both stay far inside the streaming tests' 2e-5.
extension ColumnConvAVX2 {
    /// Output rows per Winograd tile: F(2, 3) or F(4, 3).
    public enum Tile: Int, Sendable {
        case f23 = 2, f43 = 4

        /// Transformed rows (components) per tile.
        public var components: Int { rawValue + 2 }

        /// The largest tile that divides `h` rows (nil: odd h).
        public static func fitting(_ h: Int) -> Tile? { h % 4 == 0 ? .f43 : h % 2 == 0 ? .f23 : nil }

        /// Floats of `transformed` scratch per distinct input column: (h/m tiles, m + 2 components, inC).
        public func columnLength(h: Int, inC: Int) -> Int { h / rawValue * components * inC }
    }

    /// One component's products (step 2 below) by another register-blocked loop, with `gemm`'s arguments:
    /// out (count, outC) = rows · weight (k, run, outC) + bias, no ReLU. `ColumnConv` hands `ColumnConvAVX512.gemm`
    /// in here on a CPU with AVX-512 (the transforms stay this module's AVX2 code, which such a CPU runs too); a
    /// closure that captures nothing, so calling it allocates nothing.
    public typealias ComponentGEMM = (_ rows: Rows, _ count: Int, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                                      _ out: UnsafeMutablePointer<Float>) -> Void

    /// `convolve`'s sums (same arguments, same output) for k = 3 and h a multiple of the tile's rows, by F(m, 3).
    /// gWeight: (m + 2, k, inC, outC) from `winogradWeights`; scratch: transformed (n·k · `columnLength`), columns
    /// (n·k), products (m + 2, n·h/m, outC), zeroBias (outC) zeros. Each distinct input column is transformed once per
    /// call (taps of neighbouring output columns share their columns). componentGEMM: the products' loop (nil:
    /// this module's `gemm`).
    public static func convolveWinograd(_ tile: Tile, n: Int, h: Int, k: Int, inC: Int, outC: Int,
                                        taps: UnsafePointer<UnsafePointer<Float>>, gWeight: UnsafePointer<Float>,
                                        bias: UnsafePointer<Float>, relu: Bool,
                                        transformed: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<UnsafePointer<Float>>,
                                        products: UnsafeMutablePointer<Float>, zeroBias: UnsafePointer<Float>,
                                        out: UnsafeMutablePointer<Float>, componentGEMM: ComponentGEMM? = nil) {
        let m = tile.rawValue, comps = tile.components
        precondition(k == 3 && h % m == 0, "F(\(m), 3) needs 3 taps and a height that is a multiple of \(m) (k \(k), h \(h))")
        precondition(outC % channelBlock == 0, "outC \(outC) is not a multiple of \(channelBlock)")
        let tiles = h / m, len = tile.columnLength(h: h, inC: inC)
        // 1. Transform each distinct input column: columns[i] is tap i's transformed column, (tiles, comps, inC).
        var distinct = 0
        for i in 0..<(n * k) {
            let p = taps[i]
            var seen = i - 1   // a tap of output column t is usually tap kx + 1 of column t − 1: look back 2k taps
            while seen >= max(0, i - 2 * k), taps[seen] != p { seen -= 1 }
            if seen >= max(0, i - 2 * k) { columns[i] = columns[seen]; continue }
            let u = transformed + distinct * len
            distinct += 1
            columns[i] = UnsafePointer(u)
            for q in 0..<tiles { transform(tile, p + m * q * inC, inC: inC, into: u + comps * q * inC) }
        }
        // 2. One GEMM per component c: component c of every tile (t, q) against G_c.
        let count = n * tiles, size = count * outC
        for c in 0..<comps {
            let rows = Rows(taps: UnsafePointer(columns), h: tiles, k: k, stride: comps * inC, offset: c * inC, run: inC, outC: outC)
            let (weight, product) = (gWeight + c * k * inC * outC, products + c * size)
            if let componentGEMM { componentGEMM(rows, count, weight, zeroBias, product) }
            else { gemm(rows, count: count, weight: weight, bias: zeroBias, relu: false, out: product) }
        }
        // 3. Output transform: tile r = t·tiles + q gives output rows (t, m·q …) = rows m·r … m·r + m − 1.
        for r in 0..<count {
            let y = out + m * r * outC, row = products + r * outC
            var o = 0
            while o < outC {
                let b = ld(bias + o), a0 = ld(row + o), a1 = ld(row + size + o), a2 = ld(row + 2 * size + o), a3 = ld(row + 3 * size + o)
                switch tile {
                case .f23:
                    store(a0 + a1 + a2 + b, y + o, relu); store(a1 - a2 - a3 + b, y + outC + o, relu)
                case .f43:
                    let a4 = ld(row + 4 * size + o), a5 = ld(row + 5 * size + o)
                    let (s12, d12, s34, d34) = (a1 + a2, a1 - a2, a3 + a4, a3 - a4)
                    store(a0 + s12 + s34 + b, y + o, relu)
                    store(d12 + 2 * d34 + b, y + outC + o, relu)
                    store(s12 + 4 * s34 + b, y + 2 * outC + o, relu)
                    store(d12 + 8 * d34 + a5 + b, y + 3 * outC + o, relu)
                }
                o += 8
            }
        }
    }

    /// Bᵀ d for one tile: m + 2 padded input rows at `d` (inC each) → m + 2 components at `u` (inC each).
    @inline(__always)
    static func transform(_ tile: Tile, _ d: UnsafePointer<Float>, inC: Int, into u: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= inC {
            switch tile {
            case .f23:
                let (x0, x1, x2, x3) = (ld(d + i), ld(d + inC + i), ld(d + 2 * inC + i), ld(d + 3 * inC + i))
                store(x0 - x2, u + i, false); store(x1 + x2, u + inC + i, false)
                store(x2 - x1, u + 2 * inC + i, false); store(x1 - x3, u + 3 * inC + i, false)
            case .f43:
                let (x0, x1, x2) = (ld(d + i), ld(d + inC + i), ld(d + 2 * inC + i))
                let (x3, x4, x5) = (ld(d + 3 * inC + i), ld(d + 4 * inC + i), ld(d + 5 * inC + i))
                store(4 * x0 - 5 * x2 + x4, u + i, false)
                store(x3 + x4 - 4 * (x1 + x2), u + inC + i, false)
                store(x4 - x3 + 4 * (x1 - x2), u + 2 * inC + i, false)
                store(x4 - x2 + 2 * (x3 - x1), u + 3 * inC + i, false)
                store(x4 - x2 - 2 * (x3 - x1), u + 4 * inC + i, false)
                store(4 * x1 - 5 * x3 + x5, u + 5 * inC + i, false)
            }
            i += 8
        }
        while i < inC {   // the same, one channel at a time
            let (x0, x1, x2, x3) = (d[i], d[inC + i], d[2 * inC + i], d[3 * inC + i])
            switch tile {
            case .f23:
                u[i] = x0 - x2; u[inC + i] = x1 + x2; u[2 * inC + i] = x2 - x1; u[3 * inC + i] = x1 - x3
            case .f43:
                let (x4, x5) = (d[4 * inC + i], d[5 * inC + i])
                u[i] = 4 * x0 - 5 * x2 + x4; u[inC + i] = x3 + x4 - 4 * (x1 + x2); u[2 * inC + i] = x4 - x3 + 4 * (x1 - x2)
                u[3 * inC + i] = x4 - x2 + 2 * (x3 - x1); u[4 * inC + i] = x4 - x2 - 2 * (x3 - x1); u[5 * inC + i] = 4 * x1 - 5 * x3 + x5
            }
            i += 1
        }
    }

    /// G g: `convolve`'s weights (kx, ky, i, O) with k = 3 → F(m, 3)'s (m + 2, kx, i, O).
    public static func winogradWeights(_ tile: Tile, _ w: [Float], inC: Int, outC: Int) -> [Float] {
        let k = 3, size = k * inC * outC
        precondition(w.count == k * size, "\(w.count) weights for 3×3 × \(inC) × \(outC)")
        var g = [Float](repeating: 0, count: tile.components * size)
        for kx in 0..<k { for i in 0..<inC { for o in 0..<outC {
            let at = { (ky: Int) in w[((kx * k + ky) * inC + i) * outC + o] }
            let (g0, g1, g2) = (at(0), at(1), at(2)), j = (kx * inC + i) * outC + o
            let put = { (c: Int, value: Float) in g[c * size + j] = value }   // no array per weight: 20k of them at load
            switch tile {
            case .f23:
                put(0, g0); put(1, (g0 + g1 + g2) / 2); put(2, (g0 - g1 + g2) / 2); put(3, g2)
            case .f43:
                put(0, g0 / 4); put(1, -(g0 + g1 + g2) / 6); put(2, -(g0 - g1 + g2) / 6)
                put(3, g0 / 24 + g1 / 12 + g2 / 6); put(4, g0 / 24 - g1 / 12 + g2 / 6); put(5, g2)
            }
        } } }
        return g
    }
}
