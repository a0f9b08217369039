import EarshotAVX2
import EarshotAVX512
import Foundation

/// One trunk block of a streamable CNN, applied to time COLUMNS: conv k×k → optional ReLU → optional 2×2
/// max pooling. Columns are channel-last (H, C), so the GEMM output of n columns is already n columns:
/// out (n·H, O) = im2col (n·H, k·k·I) · Wᵀ (k·k·I, O). Input columns carry `pad` zero rows above and
/// below ((H + 2·pad, I)), which is the conv's "same" padding in height; in time the caller hands over,
/// for each output column, the k input columns its taps read (a zero column beyond a window's edge).
/// With padded columns, tap kx of output row y reads one contiguous run of k·I floats (rows y…y+2·pad),
/// so im2col orders a row (kx, ky, i) and copies k runs per row. Blocks with few taps are convolved directly
/// (`direct`), and on a CPU with AVX-512 or AVX2 the others by `ColumnConvAVX512` / `ColumnConvAVX2`, which read
/// those runs in place (`ConvKernel`) — either by Winograd's F(4, 3) or F(2, 3) where a block allows it
/// (`winograd`).
/// ref: Chellapilla, Puri, Simard 2006 (im2col + GEMM); the layout is NHWC with W = time.
final class ColumnConv {
    let inC: Int, outC: Int, h: Int, k: Int
    let relu: Bool
    let pool: Bool
    /// Weights reordered from (O, I, k, k) to (kx, ky, i, O): rows in the im2col row order, a GEMM's B as it
    /// is (no transpose, and the bias added after it with the ReLU: one pass over the output, not two), and the
    /// direct path's layout (empty with `winograd`).
    private let weight: [Float]
    /// Few taps (Q = k·k·I ≤ `directMaxTaps`, e.g. the first block: I = 1, Q = 9) and whole 8-lane groups of
    /// output channels, on a CPU without Earshot's kernels: convolve directly. A GEMM with K = 9 spends more on
    /// im2col and OpenBLAS's packing than on arithmetic — the first block cost 31 of ≈ 270 µs per window for 2 %
    /// of the multiply-adds. Where a kernel runs, it takes these blocks too (FMA on whole ymm/zmm registers;
    /// this module is compiled for baseline x86-64, where `SIMD8` is two SSE halves).
    let direct: Bool
    static let directMaxTaps = 32
    /// `ColumnConvAVX512` or `ColumnConvAVX2` (the same sums read straight from the padded columns and this
    /// weight layout: no im2col, no GEMM packing) where the CPU has them and the output channels come in whole
    /// register blocks, else `.blas`: the direct path or im2col + OpenBLAS.
    let kernel: ConvKernel
    /// Either kernel by Winograd's minimal filtering along frequency (`ColumnConvAVX2.convolveWinograd`, its
    /// products on `ColumnConvAVX512.gemm` where the AVX-512 kernel runs): F(4, 3) (1/2 of the multiply-adds) for
    /// 3×3 blocks whose height is a multiple of 4, F(2, 3) (2/3) for other even heights, with ≥ `winogradMinInputs`
    /// input channels (the first block, one input channel, stays on the plain kernel: its transform would cost
    /// what it saves); nil: the plain kernel.
    let winograd: ColumnConvAVX2.Tile?
    static let winogradMinInputs = 8
    /// Output columns per Winograd call: bounds its scratch (a stream's first window convolves a whole window's
    /// columns at once). earshotd's peak RSS was 1.2 MB above the plain kernel's without the bound, 0.6 MB with it
    /// and without the plain weights (F(2, 3), docs/benchmarks/daemon.md); at the default hop (10 frames) a
    /// window's calls have ≤ 9.
    static let winogradColumns = 16
    /// The Winograd products' loop where the AVX-512 kernel runs (it captures nothing: no allocation per call).
    private static let avx512Products: ColumnConvAVX2.ComponentGEMM = { rows, count, weight, bias, out in
        ColumnConvAVX512.gemm(rows, count: count, weight: weight, bias: bias, relu: false, out: out)
    }
    /// The Winograd weights (m + 2, kx, i, O) (`ColumnConvAVX2.winogradWeights`), empty without `winograd`.
    private let winogradWeight: [Float]
    /// The Winograd scratch for one call of c ≤ `winogradColumns` output columns: transformed input columns
    /// (c·k, h/m, m + 2, inC), their pointers (c·k), the products (m + 2, c·h/m, O), and a zero bias (O) for the
    /// products' GEMMs.
    private var transformed: UnsafeMutablePointer<Float>
    private var transformedColumns: UnsafeMutablePointer<UnsafePointer<Float>>
    private var products: UnsafeMutablePointer<Float>
    private let zeroBias: UnsafeMutablePointer<Float>
    /// The kernels' input columns of the current call, (n, k).
    private var tapList: UnsafeMutablePointer<UnsafePointer<Float>>
    /// The direct path's k input columns of the current output column.
    private let taps: UnsafeMutablePointer<UnsafePointer<Float>?>
    private let bias: [Float]
    private var col: UnsafeMutablePointer<Float>   // im2col scratch: (n·H, k·k·I) for n ≤ colCapacity
    private var out: UnsafeMutablePointer<Float>   // conv output scratch: (n·H, O)
    private var colCapacity = 0
    /// One zero input column (H + 2·pad, I), for positions beyond a window's edge.
    let zeros: UnsafeMutablePointer<Float>

    var pad: Int { k / 2 }
    var q: Int { k * k * inC }
    /// Height of the block's output (after pooling, if any).
    var outH: Int { pool ? h / 2 : h }

    /// - Parameters: conv: the (batch-norm-folded) convolution; relu, pool: whether ReLU / 2×2 max pooling follow;
    ///   kernel: the fastest kernel to use (`ConvKernel.selected`, the CPU's; tests compare the paths) — a slower
    ///   one where the output channels are not whole blocks of it or the CPU lacks it; winograd: F(4, 3) or F(2, 3)
    ///   where a kernel runs and the block allows it (tests turn it off to compare the plain kernel).
    init(_ conv: Conv2D, relu: Bool, pool: Bool, kernel: ConvKernel = .selected, winograd: Bool = true) {
        inC = conv.inShape.c; outC = conv.outShape.c; h = conv.inShape.h; k = conv.k
        self.relu = relu; self.pool = pool
        let (kk, ic) = (conv.k, conv.inShape.c)
        var w = [Float](repeating: 0, count: conv.weight.value.count)
        for o in 0..<outC { for i in 0..<ic { for ky in 0..<kk { for kx in 0..<kk {
            w[((kx * kk + ky) * ic + i) * outC + o] = conv.weight.value[((o * ic + i) * kk + ky) * kk + kx]
        } } } }
        bias = conv.bias.value
        // never a kernel the CPU lacks, whatever the caller asked for
        let own = ConvKernel.choose(requested: kernel, cpuFlags: ConvKernel.machineFlags, outputChannels: conv.outShape.c)
        direct = own == .blas && kk * kk * ic <= Self.directMaxTaps && outC % 8 == 0
        self.kernel = own
        let tile = winograd && own != .blas && kk == 3 && ic >= Self.winogradMinInputs ? ColumnConvAVX2.Tile.fitting(conv.inShape.h) : nil
        self.winograd = tile
        let oc = conv.outShape.c
        winogradWeight = tile.map { ColumnConvAVX2.winogradWeights($0, w, inC: ic, outC: oc) } ?? []
        weight = tile == nil ? w : []   // the Winograd path reads only its own
        transformed = .allocate(capacity: 1); transformedColumns = .allocate(capacity: 1); products = .allocate(capacity: 1)
        zeroBias = .allocate(capacity: outC)
        zeroBias.initialize(repeating: 0, count: outC)
        tapList = .allocate(capacity: 1)
        taps = .allocate(capacity: kk)
        taps.initialize(repeating: nil, count: kk)
        let len = (conv.inShape.h + 2 * (kk / 2)) * ic
        zeros = .allocate(capacity: len)
        zeros.initialize(repeating: 0, count: len)
        col = .allocate(capacity: 1); out = .allocate(capacity: 1)
        reserve(columns: 1)
    }

    deinit {
        col.deallocate(); out.deallocate(); zeros.deallocate(); taps.deallocate(); tapList.deallocate()
        transformed.deallocate(); transformedColumns.deallocate(); products.deallocate(); zeroBias.deallocate()
    }

    /// Grows the scratch to hold n output columns (outside the hot path once warmed up); the direct path and
    /// the own kernels need no im2col.
    func reserve(columns n: Int) {
        guard n > colCapacity else { return }
        col.deallocate(); out.deallocate(); tapList.deallocate()
        col = .allocate(capacity: direct || kernel != .blas ? 1 : n * h * q)
        out = .allocate(capacity: n * h * outC)
        tapList = .allocate(capacity: kernel != .blas ? n * k : 1)
        transformed.deallocate(); transformedColumns.deallocate(); products.deallocate()
        let chunk = winograd == nil ? 0 : min(n, Self.winogradColumns), comps = winograd?.components ?? 0, m = winograd?.rawValue ?? 1
        transformed = .allocate(capacity: max(1, chunk * k * (winograd?.columnLength(h: h, inC: inC) ?? 0)))
        transformedColumns = .allocate(capacity: max(1, chunk * k))
        products = .allocate(capacity: max(1, comps * chunk * (h / m) * outC))
        colCapacity = n
    }

    /// Convolution (+ ReLU) of n output columns, BEFORE pooling, in one GEMM.
    /// in: input(t, kx) for t in 0..<n, kx in 0..<k: the padded input column (H + 2·pad, I) that tap kx of
    ///     output column t reads (its column t + kx − pad, in whatever coordinates the caller uses)
    /// out: n columns (H, O), contiguous — (n·H, O); valid until the next call.
    func convolve(n: Int, input: (Int, Int) -> UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        reserve(columns: n)
        if direct { return convolveDirect(n: n, input: input) }
        if kernel != .blas {
            for t in 0..<n { for kx in 0..<k { tapList[t * k + kx] = input(t, kx) } }
            if let tile = winograd {
                winogradWeight.withUnsafeBufferPointer { g in
                    bias.withUnsafeBufferPointer { b in
                        for t in stride(from: 0, to: n, by: Self.winogradColumns) {
                            ColumnConvAVX2.convolveWinograd(tile, n: min(Self.winogradColumns, n - t), h: h, k: k, inC: inC,
                                                            outC: outC, taps: tapList + t * k, gWeight: g.baseAddress!,
                                                            bias: b.baseAddress!, relu: relu, transformed: transformed,
                                                            columns: transformedColumns, products: products,
                                                            zeroBias: zeroBias, out: self.out + t * h * outC,
                                                            componentGEMM: kernel == .avx512 ? Self.avx512Products : nil)
                        }
                    }
                }
                return self.out
            }
            weight.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    if kernel == .avx512 {
                        ColumnConvAVX512.convolve(n: n, h: h, k: k, inC: inC, outC: outC, taps: tapList, weight: w.baseAddress!,
                                                  bias: b.baseAddress!, relu: relu, out: self.out)
                    } else {
                        ColumnConvAVX2.convolve(n: n, h: h, k: k, inC: inC, outC: outC, taps: tapList, weight: w.baseAddress!,
                                                bias: b.baseAddress!, relu: relu, out: self.out)
                    }
                }
            }
            return self.out
        }
        let (rows, qq, c, out, run) = (n * h, q, col, out, k * inC)
        // col (n·H, Q): row (t, y) = [kx][ky][i] = padded input column (t, kx), rows y…y+2·pad
        for t in 0..<n {
            for kx in 0..<k {
                let src = input(t, kx)
                var dst = c + t * h * qq + kx * run
                if run <= 8 {
                    for y in 0..<h {
                        let s = src + y * inC
                        for j in 0..<run { dst[j] = s[j] }
                        dst += qq
                    }
                } else {
                    for y in 0..<h { dst.update(from: src + y * inC, count: run); dst += qq }
                }
            }
        }
        // out (n·H, O) = col (n·H, Q) · Wᵀ (Q, O), then + bias (and ReLU)
        weight.withUnsafeBufferPointer { w in
            BLAS.gemm(m: rows, n: outC, k: qq, a: c, lda: qq, b: w.baseAddress!, ldb: outC, beta: 0, c: out, ldc: outC)
        }
        bias.withUnsafeBufferPointer { b in Self.addBias(out, b.baseAddress!, rows: rows, columns: outC, relu: relu) }
        return out
    }

    /// `convolve` without im2col or GEMM, for blocks with few taps: out[y, o] = bias[o] +
    /// Σ_(kx, ky, i) in(t, kx)[y + ky, i] · W[o, kx, ky, i] (then ReLU), 8 channels × 4 rows at a time (four
    /// independent accumulators: one would wait on its own additions).
    private func convolveDirect(n: Int, input: (Int, Int) -> UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        let (run, oc, out, ic) = (k * inC, outC, out, inC)
        let zero = SIMD8<Float>(repeating: 0)
        weight.withUnsafeBufferPointer { wb in
            bias.withUnsafeBufferPointer { bb in
                let (w, b) = (wb.baseAddress!, bb.baseAddress!)
                for t in 0..<n {
                    for kx in 0..<k { taps[kx] = input(t, kx) }
                    let dst = out + t * h * oc
                    var y = 0
                    while y < h {
                        let rows = min(4, h - y)
                        var g = 0
                        while g < oc {
                            let bv = Self.load(b + g)
                            var (a0, a1, a2, a3) = (bv, bv, bv, bv)
                            for kx in 0..<k {
                                let src = taps[kx]! + y * ic        // rows y…y+2·pad (+3) of tap kx
                                let wk = w + kx * run * oc + g
                                if rows == 4 {
                                    for j in 0..<run {
                                        let wv = Self.load(wk + j * oc)
                                        a0 += SIMD8(repeating: src[j]) * wv
                                        a1 += SIMD8(repeating: src[j + ic]) * wv
                                        a2 += SIMD8(repeating: src[j + 2 * ic]) * wv
                                        a3 += SIMD8(repeating: src[j + 3 * ic]) * wv
                                    }
                                } else {
                                    for j in 0..<run { a0 += SIMD8(repeating: src[j]) * Self.load(wk + j * oc) }
                                }
                            }
                            if rows == 4 {
                                if relu { a0 = a0.max(zero); a1 = a1.max(zero); a2 = a2.max(zero); a3 = a3.max(zero) }
                                let d = UnsafeMutableRawPointer(dst + y * oc + g), stride = oc * MemoryLayout<Float>.stride
                                d.storeBytes(of: a0, as: SIMD8<Float>.self)
                                d.storeBytes(of: a1, toByteOffset: stride, as: SIMD8<Float>.self)
                                d.storeBytes(of: a2, toByteOffset: 2 * stride, as: SIMD8<Float>.self)
                                d.storeBytes(of: a3, toByteOffset: 3 * stride, as: SIMD8<Float>.self)
                            } else {
                                if relu { a0 = a0.max(zero) }
                                UnsafeMutableRawPointer(dst + y * oc + g).storeBytes(of: a0, as: SIMD8<Float>.self)
                            }
                            g += 8
                        }
                        y += rows == 4 ? 4 : 1
                    }
                }
            }
        }
        return out
    }

    /// 2×2 max pooling of two consecutive conv columns (H, O) into one column (H/2, O) (odd last row dropped).
    func poolColumns(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let lanes = outC / 8 * 8
        for y in 0..<(h / 2) {
            let r0 = 2 * y * outC, r1 = r0 + outC, d = out + y * outC
            var o = 0
            while o < lanes {   // 8 channels at a time
                let m = Self.load(a + r0 + o).max(Self.load(a + r1 + o)).max(Self.load(b + r0 + o).max(Self.load(b + r1 + o)))
                UnsafeMutableRawPointer(d + o).storeBytes(of: m, as: SIMD8<Float>.self)
                o += 8
            }
            while o < outC { d[o] = Swift.max(Swift.max(a[r0 + o], a[r1 + o]), Swift.max(b[r0 + o], b[r1 + o])); o += 1 }
        }
    }

    /// x[r, o] += bias[o] (then max(·, 0) if `relu`), 8 lanes at a time.
    static func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, columns: Int, relu: Bool) {
        let zero = SIMD8<Float>(repeating: 0), lanes = columns / 8 * 8
        for r in 0..<rows {
            let row = x + r * columns
            var o = 0
            while o < lanes {
                var v = load(row + o) + load(bias + o)
                if relu { v = v.max(zero) }
                UnsafeMutableRawPointer(row + o).storeBytes(of: v, as: SIMD8<Float>.self)
                o += 8
            }
            while o < columns { let v = row[o] + bias[o]; row[o] = relu ? Swift.max(v, 0) : v; o += 1 }
        }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}

extension SIMD8 where Scalar == Float {
    /// Lane-wise maximum.
    @inline(__always) func max(_ o: SIMD8<Float>) -> SIMD8<Float> { replacing(with: o, where: self .< o) }
}
