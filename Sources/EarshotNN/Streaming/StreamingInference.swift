/// Exact incremental scoring of overlapping windows of a frame stream.
///
/// A detector scores the last W frames every hop; consecutive windows share W − hop frames, so a plain
/// forward pass recomputes most of every convolution. Here each trunk block's activations of the STREAM
/// are kept in column rings (`ColumnRing`) and computed once. A window's activations equal the stream's
/// except near its two edges, where the window sees zero padding instead of its neighbours: with conv
/// radius p, a block turns d differing columns into d + p, and 2×2 pooling into ⌈(d + p)/2⌉ (1 per side
/// for the reference CNN's pooled blocks, 2 for its last conv). Only those edge columns are recomputed
/// per window, from the window's own (edge or stream) columns of the block below; the rest are read from
/// the rings. Pooling makes a stream's columns depend on where pairs start, so block l keeps one ring per
/// "phase" (window start mod 2^pools-so-far) that the hop produces: hop 8 frames → 1 phase per block;
/// the default hop of 10 frames → 1, 1, 2, 4 phases.
///
/// Per window, ONE GEMM per block computes both the new stream columns and the window's edge columns (a
/// block with few taps, like the first, is convolved directly instead: `ColumnConv.direct`; on a CPU with
/// AVX-512 or AVX2 the others by Earshot's own kernels, `ColumnConvAVX512` / `ColumnConvAVX2`, in place of
/// im2col + GEMM; the AVX2 kernel by Winograd's F(4, 3) or F(2, 3) along frequency where a block allows it).
/// (Batching several windows into one GEMM was measured slower here: the larger im2col matrices fall out
/// of cache.)
///
/// Scores equal the layer-by-layer forward pass (`InferenceSession.logits`) on the same window up to float
/// summation order (checked against it in StreamingInferenceTests). `InferenceSession` also scores its single
/// windows through one of these, as a stream of exactly one window. Networks it cannot stream (an input normalisation
/// first, a batch norm not after a conv, odd widths before pooling) get `nil` from `init`; callers fall
/// back to the full forward pass.
/// ref: "overlap" reuse of convolutional feature maps as in Sermanet et al. 2014, "OverFeat", §4.2;
///      the edge bookkeeping is Earshot's (zero "same" padding per window).
public final class StreamingInference {
    /// The session's temperature and class order, which turn the logits into the score (not the session
    /// itself: a session keeps one of these for its own single windows, and must not be kept alive by it).
    private let temperature: Float, gunshotIndex: Int, outputCount: Int
    private let probs: UnsafeMutablePointer<Float>                 // softmax scratch (K)
    /// Window width in frames and frame height (mels).
    public let windowFrames: Int, rows: Int

    private let blocks: [ColumnConv]
    private let head: [Layer]
    private let width: [Int]   // width[l]: window columns at level l (level 0 = input frames)
    private let rate: [Int]    // rate[l]: frames per column at level l
    private let left: [Int]    // left[l], right[l]: window columns at level l that differ from the stream's
    private let right: [Int]
    private let heights: [Int], channels: [Int]
    private let colLen: [Int]       // floats per column at level l, zero pad rows included
    private let dataOffset: [Int]   // where a column's first data row starts
    private let input: ColumnRing
    private var convRings: [[ColumnRing?]]   // [block l−1][parent phase ψ]: conv (+ReLU) output before pooling
    private var poolRings: [[ColumnRing?]]   // [block l−1][phase φ]: pooled output (pooling blocks only)
    private let leftEdge: [UnsafeMutablePointer<Float>]    // [l]: left[l] columns (H_l + 2·pad, C_l)
    private let rightEdge: [UnsafeMutablePointer<Float>]
    private let headBuffers: [UnsafeMutablePointer<Float>] // [i]: (out_i)
    private let pooled: UnsafeMutablePointer<Float>        // pooling output (C_L)
    private let columnMean: UnsafeMutablePointer<Float>    // one column's mean over frequency (C_L)
    private let columnMax: UnsafeMutablePointer<Float>     // the largest column mean so far (C_L)
    /// The network pools with `MeanMaxPool` (mean + max over time of the frequency means), not `GlobalAvgPool`.
    private let addTimeMax: Bool
    private var start = 0                                   // the current window's first frame
    private var taps: [UnsafePointer<Float>]                // the current GEMM's input columns, (n, k)
    /// Frames pushed since the start or the last `reset()`.
    public private(set) var framesPushed = 0
    /// What convolves the blocks with many taps in this process (`ConvKernel.selected`: "avx512", "avx2" or
    /// "openblas"). For logs and benchmark records.
    public static var convolutionKernel: String { ConvKernel.selected.name }
    /// Frames per column of the deepest level: a stream started `columnPeriod` (or a multiple) frames
    /// later pairs every pooled column the same way, so it computes the same columns with the same GEMMs.
    public var columnPeriod: Int { rate.max() ?? 1 }

    /// Plans streaming for `session`'s (batch-norm-folded) network; nil if it has a layer pattern the
    /// column scheme does not cover. `kernel`: the fastest convolution kernel to use (the process's own choice;
    /// tests compare all the CPU has).
    public init?(session: InferenceSession, kernel: ConvKernel = .selected) {
        let layers = session.network.layers
        let inShape = session.network.inputShape
        guard inShape.c == 1 else { return nil }
        var blocks: [ColumnConv] = []
        var i = 0
        while i < layers.count, let conv = layers[i] as? Conv2D {
            i += 1
            let relu = i < layers.count && layers[i] is ReLU
            if relu { i += 1 }
            let pool = i < layers.count && layers[i] is MaxPool2
            if pool {
                guard conv.inShape.w % 2 == 0 else { return nil }
                i += 1
            }
            blocks.append(ColumnConv(conv, relu: relu, pool: pool, kernel: kernel))
        }
        guard !blocks.isEmpty, i < layers.count, layers[i] is GlobalAvgPool || layers[i] is MeanMaxPool else { return nil }
        addTimeMax = layers[i] is MeanMaxPool
        let head = Array(layers[(i + 1)...])
        guard head.allSatisfy({ $0 is Dense || $0 is ReLU }) else { return nil }

        var width = [inShape.w], rate = [1], left = [0], right = [0], heights = [inShape.h], channels = [1]
        for b in blocks {
            let (d, e, w) = (left.last! + b.pad, right.last! + b.pad, width.last!)
            width.append(b.pool ? w / 2 : w)
            rate.append(b.pool ? rate.last! * 2 : rate.last!)
            left.append(b.pool ? (d + 1) / 2 : d)
            right.append(b.pool ? (e + 1) / 2 : e)
            heights.append(b.outH)
            channels.append(b.outC)
        }
        // Columns outside the two edges equal the stream's (by induction on the levels); edges that met would
        // leave nothing to share.
        for l in 1..<width.count where left[l] + right[l] >= width[l] { return nil }

        self.blocks = blocks
        self.head = head
        self.width = width; self.rate = rate; self.left = left; self.right = right
        self.heights = heights; self.channels = channels
        temperature = session.temperature; gunshotIndex = session.gunshotIndex; outputCount = session.network.outputCount
        probs = Self.zeroed(session.network.outputCount)
        windowFrames = inShape.w
        rows = inShape.h
        // Level l's columns carry the zero rows block l+1's kernel reaches beyond the top and bottom.
        let padRows = (0..<width.count).map { $0 < blocks.count ? blocks[$0].pad : 0 }
        let colLen = (0..<width.count).map { (heights[$0] + 2 * padRows[$0]) * channels[$0] }
        self.colLen = colLen
        dataOffset = (0..<width.count).map { padRows[$0] * channels[$0] }
        input = ColumnRing(rowLength: colLen[0], capacity: inShape.w + 4)
        convRings = blocks.indices.map { [ColumnRing?](repeating: nil, count: rate[$0]) }
        poolRings = blocks.indices.map { [ColumnRing?](repeating: nil, count: rate[$0 + 1]) }
        leftEdge = (0..<width.count).map { l in Self.zeroed(max(1, left[l] * colLen[l])) }
        rightEdge = (0..<width.count).map { l in Self.zeroed(max(1, right[l] * colLen[l])) }
        headBuffers = head.map { Self.zeroed($0.outShape.count) }
        pooled = Self.zeroed(channels.last!)
        columnMean = Self.zeroed(channels.last!)
        columnMax = Self.zeroed(channels.last!)
        taps = []
        taps.reserveCapacity(1024)
    }

    private static func zeroed(_ n: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        p.initialize(repeating: 0, count: n)
        return p
    }

    deinit {
        leftEdge.forEach { $0.deallocate() }
        rightEdge.forEach { $0.deallocate() }
        headBuffers.forEach { $0.deallocate() }
        pooled.deallocate()
        columnMean.deallocate()
        columnMax.deallocate()
        probs.deallocate()
    }

    /// Forgets the stream (e.g. after a capture gap).
    public func reset() {
        input.reset()
        convRings.forEach { $0.forEach { $0?.reset() } }
        poolRings.forEach { $0.forEach { $0?.reset() } }
        framesPushed = 0
    }

    /// Appends one input frame: `rows` values (one time column of the model's (1, H, W) input).
    public func push(_ frame: UnsafePointer<Float>) {
        (input.append(at: framesPushed) + dataOffset[0]).update(from: frame, count: rows)
        framesPushed += 1
    }

    /// Probability of the gunshot class for the window of the last `windowFrames` pushed frames.
    public func gunshotProbability() -> Float {
        precondition(framesPushed >= windowFrames, "a window needs \(windowFrames) frames")
        start = framesPushed - windowFrames
        let levels = width.count
        for l in 1..<levels { advance(level: l) }
        // Global average pool over the last level's window (plus, for MeanMaxPool, the largest of its
        // columns' frequency means), then the dense head.
        let L = levels - 1, (hL, cL) = (heights[L], channels[L])
        pooled.update(repeating: 0, count: cL)
        let invH = 1 / Float(hL)
        for j in 0..<width[L] {
            let col = windowColumn(L, j) + dataOffset[L]
            columnMean.update(repeating: 0, count: cL)
            for y in 0..<hL { for c in 0..<cL { columnMean[c] += col[y * cL + c] } }
            for c in 0..<cL {
                let m = columnMean[c] * invH
                pooled[c] += m
                if j == 0 || m > columnMax[c] { columnMax[c] = m }
            }
        }
        let scale = 1 / Float(width[L])
        for c in 0..<cL { pooled[c] = pooled[c] * scale + (addTimeMax ? columnMax[c] : 0) }
        var x = UnsafePointer(pooled)
        for (layer, buf) in zip(head, headBuffers) {
            layer.forward(x, buf, n: 1, training: false)
            x = UnsafePointer(buf)
        }
        return InferenceSession.probability(logits: x, k: outputCount, temperature: temperature,
                                            gunshotIndex: gunshotIndex, scratch: probs)
    }

    /// Brings level l up to date for the current window: the stream columns inside it (between its edges)
    /// and its left and right edge columns, in one convolution. Level l − 1 must be up to date.
    private func advance(level l: Int) {
        let blk = blocks[l - 1], p = blk.pad, k = blk.k
        let inWidth = width[l - 1]
        let nL = blk.pool ? 2 * left[l] : left[l], nR = blk.pool ? 2 * right[l] : right[l]
        let zeros = UnsafePointer(blk.zeros)
        let (phase, k0) = position(start, l)
        let parentPhase = phase % rate[l - 1]
        let a = k0 + left[l], b = k0 + width[l] - right[l]        // stream columns inside the window, level l
        // The conv columns (at level l − 1's rate) they need: pairs for a pooling block, the same otherwise.
        let delta = (phase - parentPhase) / rate[l - 1]           // 0 or 1: where this phase's pairs start
        let (ca, cb) = blk.pool ? (delta + 2 * a, delta + 2 * b) : (a, b)
        let conv = convRing(block: l - 1, phase: parentPhase)
        let from = Self.firstMissing(conv, ca)
        let nS = max(0, cb - from)
        taps.removeAll(keepingCapacity: true)
        // 1. New stream conv columns [from, cb), from the parent phase's stream.
        let parent: ColumnRing = l == 1 ? input : ring(level: l - 1, phase: parentPhase)
        for c in from..<(from + nS) { for kx in 0..<k {
            let j = c + kx - p
            taps.append(j < 0 ? zeros : UnsafePointer(parent.column(j)))
        } }
        // 2. The window's edge conv columns, from its own level l − 1 columns (zero beyond its edges).
        for t in 0..<(nL + nR) {
            let c0 = t < nL ? t : inWidth - nR + (t - nL)
            for kx in 0..<k {
                let c = c0 + kx - p
                taps.append(c < 0 || c >= inWidth ? zeros : windowColumn(l - 1, c))
            }
        }
        let out = taps.withUnsafeBufferPointer { tp in blk.convolve(n: tp.count / k) { t, kx in tp[t * k + kx] } }
        // 3. Scatter: stream columns into the ring, pooled columns, then the edges.
        let convLen = blk.h * blk.outC                      // one conv output column (H, O), unpadded
        let (len, off) = (colLen[l], dataOffset[l])         // one level-l column, padded
        let convOff = blk.pool ? 0 : off                    // a non-pooling block's conv ring IS level l's
        for t in 0..<nS { (conv.append(at: from + t) + convOff).update(from: out + t * convLen, count: convLen) }
        let edges = out + nS * convLen, rightConv = edges + nL * convLen
        if blk.pool {
            let r = ring(level: l, phase: phase)
            let fromP = Self.firstMissing(r, a)
            if fromP < b {
                for c in fromP..<b { blk.poolColumns(conv.column(delta + 2 * c), conv.column(delta + 2 * c + 1), into: r.append(at: c) + off) }
            }
            for t in 0..<(nL / 2) { blk.poolColumns(edges + 2 * t * convLen, edges + (2 * t + 1) * convLen, into: leftEdge[l] + t * len + off) }
            for t in 0..<(nR / 2) { blk.poolColumns(rightConv + 2 * t * convLen, rightConv + (2 * t + 1) * convLen, into: rightEdge[l] + t * len + off) }
        } else {
            for t in 0..<nL { (leftEdge[l] + t * len + off).update(from: edges + t * convLen, count: convLen) }
            for t in 0..<nR { (rightEdge[l] + t * len + off).update(from: rightConv + t * convLen, count: convLen) }
        }
    }

    /// Phase (window start mod frames-per-column) and the index of the window's first column at level l.
    private func position(_ s: Int, _ l: Int) -> (phase: Int, first: Int) {
        let phase = s % rate[l]
        return (phase, (s - phase) / rate[l])
    }

    /// The stream ring holding level l's columns for `phase` (level ≥ 1).
    private func ring(level l: Int, phase: Int) -> ColumnRing {
        let b = blocks[l - 1]
        if !b.pool { return convRing(block: l - 1, phase: phase) }
        if let r = poolRings[l - 1][phase] { return r }
        let r = ColumnRing(rowLength: colLen[l], capacity: capacity(level: l))
        poolRings[l - 1][phase] = r
        return r
    }

    private func convRing(block i: Int, phase: Int) -> ColumnRing {
        if let r = convRings[i][phase] { return r }
        let b = blocks[i]
        let r = ColumnRing(rowLength: b.pool ? b.h * b.outC : colLen[i + 1], capacity: capacity(level: i))
        convRings[i][phase] = r
        return r
    }

    /// Columns a ring at level l's rate must hold: one window plus margins.
    private func capacity(level l: Int) -> Int { width[l] + 4 }

    /// First column of [a, …) not yet in `r` (a after a gap or when empty).
    private static func firstMissing(_ r: ColumnRing, _ a: Int) -> Int {
        r.contains(a) || r.end == a ? max(a, r.end) : a
    }

    /// Column j of the current window at level l (padded): an edge column, or a stream column.
    private func windowColumn(_ l: Int, _ j: Int) -> UnsafePointer<Float> {
        if j < left[l] { return UnsafePointer(leftEdge[l] + j * colLen[l]) }
        let firstRight = width[l] - right[l]
        if j >= firstRight { return UnsafePointer(rightEdge[l] + (j - firstRight) * colLen[l]) }
        if l == 0 { return UnsafePointer(input.column(start + j)) }
        let (phase, k0) = position(start, l)
        return UnsafePointer(ring(level: l, phase: phase).column(k0 + j))
    }
}
