import EarshotAVX2
import EarshotTestSupport
import Testing
@testable import EarshotNN

/// Incremental scoring must give the full forward pass's score for every window, whatever the hop (one or
/// several pooling phases), kernel size or trunk shape, and must refuse networks it cannot stream.
@Suite struct StreamingInferenceTests {
    /// A stream of `frames` log-mel-like frames (64 rows), with a loud "event" so scores vary.
    static func frames(_ frames: Int, rows: Int = 64, seed: UInt64) -> [Float] {
        var r = GradientCheckTests.RNG(s: seed)
        var x = (0..<(frames * rows)).map { _ in r.next() * 2 - 6 }
        for t in (frames / 3)..<min(frames, frames / 3 + 12) { for m in 0..<rows { x[t * rows + m] += 5 * Float(rows - m) / Float(rows) } }
        return x
    }

    /// Scores every window (hop `hop`) of `stream` both ways; returns the largest |difference| and the
    /// number of windows, and checks the streaming path really was used.
    static func compare(_ net: Network, stream x: [Float], hop: Int, temperature: Float = 1, kernel: ConvKernel = .selected) throws -> (diff: Float, windows: Int, spread: Float, low: Float) {
        let session = try InferenceSession(source: net, temperature: temperature)
        let streaming = try #require(StreamingInference(session: session, kernel: kernel))
        let (h, w) = (net.inputShape.h, net.inputShape.w)
        let total = x.count / h
        var window = [Float](repeating: 0, count: h * w)
        var worst: Float = 0, n = 0, lo: Float = 1, hi: Float = 0
        for t in 0..<total {
            x.withUnsafeBufferPointer { streaming.push($0.baseAddress! + t * h) }
            guard t + 1 >= w, (t + 1 - w) % hop == 0 else { continue }
            let s = t + 1 - w
            for j in 0..<w { for m in 0..<h { window[m * w + j] = x[(s + j) * h + m] } }
            let full = window.withUnsafeBufferPointer { session.gunshotProbability(logits: session.logits($0.baseAddress!).baseAddress!) }   // layer by layer
            let inc = streaming.gunshotProbability()
            worst = max(worst, abs(full - inc)); n += 1
            lo = min(lo, full); hi = max(hi, full)
        }
        return (worst, n, hi - lo, lo)
    }

    @Test(arguments: [1, 3, 8, 10, 16, 40, 150])
    func referenceNetworkScoresEqualTheFullForwardPass(hop: Int) throws {
        let net = try InferenceSessionTests.network()
        let r = try Self.compare(net, stream: Self.frames(420, seed: 5), hop: hop, temperature: 4)
        print("hop \(hop): \(r.windows) windows, max |Δscore| \(r.diff), score spread \(r.spread)")
        #expect(r.windows == (420 - 96) / hop + 1)
        #expect(r.spread > 0.01)          // the windows differ, so equality is not trivial
        #expect(r.diff <= 2e-5)
    }

    /// Every convolution kernel this CPU runs (`ConvKernel.selected` above is only the fastest) streams the shipped
    /// architecture exactly, at a hop that leaves 1–2 new deep columns per window (the kernels' row blocks then
    /// span columns).
    @Test(arguments: ConvKernel.allCases)
    func everyKernelScoresEqualTheFullForwardPass(kernel: ConvKernel) throws {
        guard TestCPU.has(kernel.cpuFlags) else { print("\(kernel): not on this CPU"); return }
        let net = try InferenceSessionTests.network(pool: .meanMaxPool)
        for hop in [1, 10, 16] {
            let r = try Self.compare(net, stream: Self.frames(300, seed: 9), hop: hop, temperature: 4, kernel: kernel)
            print("\(kernel), hop \(hop): \(r.windows) windows, max |Δscore| \(r.diff), spread \(r.spread)")
            #expect(r.spread > 0.01)
            #expect(r.diff <= 2e-5, "\(kernel), hop \(hop)")
        }
    }

    /// Mean-plus-max pooling over time streams exactly too: the max term is taken over the same columns.
    @Test(arguments: [1, 10, 40])
    func meanMaxPoolingScoresEqualTheFullForwardPass(hop: Int) throws {
        let net = try InferenceSessionTests.network(pool: .meanMaxPool)
        #expect(net.layers.contains { $0 is MeanMaxPool })
        let r = try Self.compare(net, stream: Self.frames(420, seed: 5), hop: hop, temperature: 4)
        print("mean+max pool, hop \(hop): \(r.windows) windows, max |Δscore| \(r.diff), score spread \(r.spread)")
        #expect(r.spread > 0.01)
        #expect(r.diff <= 2e-5)
    }

    @Test func otherKernelsAndTrunksStreamExactly() throws {
        // 5×5 kernels (wider edges), a pooled last block, no ReLU before a pool, a block without pooling
        // between pooled ones, three dense layers.
        let specs: [LayerSpec] = [
            LayerSpec(type: "conv2d", name: "c1", out: 8, kernel: 5), .bn("b1"), .relu, .maxpool,
            LayerSpec(type: "conv2d", name: "c2", out: 12, kernel: 3), .maxpool,
            LayerSpec(type: "conv2d", name: "c2b", out: 10, kernel: 3), .relu,            // a block without pooling
            LayerSpec(type: "conv2d", name: "c3", out: 6, kernel: 5), .relu, .maxpool,
            .gap, .dense("f1", 10), .relu, .dense("f2", 7), .relu, .dense("f3", 2),
        ]
        let net = try Network(specs: specs, inputShape: Shape3(1, 20, 128))
        net.initialize(seed: 3)
        for case let d as Dense in net.layers { for j in d.bias.value.indices { d.bias.value[j] = 0.5 } } // no dead head
        for hop in [1, 6, 8] {
            let r = try Self.compare(net, stream: Self.frames(330, rows: 20, seed: 7), hop: hop, temperature: 200)
            print("5×5 trunk, hop \(hop): \(r.windows) windows, max |Δscore| \(r.diff), spread \(r.spread) from \(r.low)")
            #expect(r.spread > 0.001)
            #expect(r.diff <= 0.01 * r.spread)
        }
    }

    /// Without Earshot's kernels (`.blas`: arm64, x86 before AVX2), blocks with few taps (k·k·I ≤ 32) and whole
    /// groups of 8 output channels are convolved directly, the others by im2col + GEMM; a trunk mixing both, with
    /// I > 1 on the direct path, streams exactly. With a kernel, the kernel takes the few-tap blocks too.
    @Test func directAndGEMMBlocksStreamExactly() throws {
        let specs: [LayerSpec] = [
            LayerSpec(type: "conv2d", name: "c1", out: 3, kernel: 3), .relu, .maxpool,   // Q = 9, 3 channels: GEMM
            LayerSpec(type: "conv2d", name: "c2", out: 8, kernel: 3), .relu, .maxpool,   // Q = 27: direct, I = 3
            LayerSpec(type: "conv2d", name: "c3", out: 16, kernel: 3), .relu,            // Q = 72: GEMM
            .gap, .dense("f1", 2),
        ]
        let net = try Network(specs: specs, inputShape: Shape3(1, 24, 64))
        net.initialize(seed: 4)
        let convs = net.layers.compactMap { $0 as? Conv2D }
        #expect(convs.map { ColumnConv($0, relu: true, pool: false, kernel: .blas).direct } == [false, true, false])
        let first = try InferenceSessionTests.network().layers.compactMap { $0 as? Conv2D }[0]   // 1 → 16 channels, Q = 9
        #expect(ColumnConv(first, relu: true, pool: true, kernel: .blas).direct)
        let withKernel = ColumnConv(first, relu: true, pool: true, kernel: .avx2)
        #expect(!withKernel.direct && withKernel.kernel == .avx2)
        for hop in [1, 5, 8] {
            let r = try Self.compare(net, stream: Self.frames(200, rows: 24, seed: 9), hop: hop, temperature: 0.2, kernel: .blas)
            print("direct/GEMM trunk, hop \(hop): \(r.windows) windows, max |Δscore| \(r.diff), spread \(r.spread)")
            #expect(r.spread > 0.001)
            #expect(r.diff <= 0.01 * r.spread)
        }
    }

    /// Earshot's own kernels compute what im2col + OpenBLAS's GEMM compute, block by block: the shipped CNN's
    /// four blocks (I→O = 1→16, 16→32, 32→64, 64→64 at heights 64, 32, 16, 8), heights whose n·h rows leave some
    /// after the kernels' row blocks (AVX-512's 8 and 4, AVX2's 6 and 4; both block the rows of all n columns as
    /// one run), 16 output channels (AVX2's block; AVX-512 then falls back to AVX2), without ReLU, 3 or 5 taps
    /// wide, and 12 input channels (the Winograd transforms, F(2, 3) at 10 rows and F(4, 3) at 8, then end on 4
    /// channels outside their 8-lane loop). A kernel the CPU lacks is never called, and not tested.
    static let kernelShapes = [(1, 16, 64, 3, true), (16, 32, 32, 3, true), (32, 64, 16, 3, true), (64, 64, 8, 3, true), (16, 32, 12, 3, false),
                               (8, 64, 10, 5, true), (16, 16, 7, 3, true), (24, 32, 5, 3, false), (12, 16, 10, 3, false),
                               (12, 16, 8, 3, true)]

    @Test(.enabled(if: TestCPU.hasAVX512, "the CPU has no AVX-512"), arguments: kernelShapes)
    func avx512KernelEqualsTheGEMMPath(inC: Int, outC: Int, h: Int, k: Int, relu: Bool) {
        Self.compareBothWays(.avx512, inC: inC, outC: outC, h: h, k: k, relu: relu)
    }

    @Test(.enabled(if: TestCPU.hasAVX2AndFMA, "the CPU has no AVX2 + FMA"), arguments: kernelShapes)
    func avx2KernelEqualsTheGEMMPath(inC: Int, outC: Int, h: Int, k: Int, relu: Bool) {
        Self.compareBothWays(.avx2, inC: inC, outC: outC, h: h, k: k, relu: relu)
    }

    /// Both ways a kernel runs: plain, and by Winograd's minimal filtering (3×3 blocks with ≥ 8 input channels:
    /// F(4, 3) for heights that are multiples of 4 — the shipped CNN's blocks 2–4, 12 and 8 rows —, F(2, 3) for
    /// the 10-row shape; the others must stay plain), with AVX-512's loop computing the products where it runs.
    static func compareBothWays(_ kernel: ConvKernel, inC: Int, outC: Int, h: Int, k: Int, relu: Bool) {
        compareKernel(kernel, inC: inC, outC: outC, h: h, k: k, relu: relu, winograd: false)
        let fast = compareKernel(kernel, inC: inC, outC: outC, h: h, k: k, relu: relu, winograd: true)
        let tile: ColumnConvAVX2.Tile? = k == 3 && inC >= 8 ? (h % 4 == 0 ? .f43 : h % 2 == 0 ? .f23 : nil) : nil
        #expect(fast.winograd == tile, "\(kernel): \(String(describing: fast.winograd)) for \(inC)→\(outC), h \(h), k \(k)")
        // more output columns than one Winograd call takes: three calls, the last a short one
        compareKernel(kernel, inC: inC, outC: outC, h: h, k: k, relu: relu, winograd: true, columns: 2 * ColumnConv.winogradColumns + 3)
    }

    @discardableResult
    static func compareKernel(_ kernel: ConvKernel, inC: Int, outC: Int, h: Int, k: Int, relu: Bool, winograd: Bool = true,
                              columns n: Int = 7) -> ColumnConv {
        let conv = Conv2D(name: "c", inChannels: inC, outChannels: outC, k: k, h: h, w: 16)
        var rng = GradientCheckTests.RNG(s: UInt64(inC * 1000 + outC * 10 + h))
        for i in conv.weight.value.indices { conv.weight.value[i] = rng.next() * 0.2 }
        for i in conv.bias.value.indices { conv.bias.value[i] = rng.next() * 0.1 }
        let fast = ColumnConv(conv, relu: relu, pool: false, kernel: kernel, winograd: winograd)
        let gemm = ColumnConv(conv, relu: relu, pool: false, kernel: .blas)
        let expected: ConvKernel = outC % kernel.channelBlock == 0 ? kernel : .avx2
        #expect(fast.kernel == expected && !fast.direct && gemm.kernel == .blas, "\(fast.kernel) for \(outC) channels")
        #expect(gemm.direct == (k * k * inC <= ColumnConv.directMaxTaps), "the reference: direct for few taps, else im2col + GEMM")
        // n output columns, each reading k padded input columns (H + k − 1, I) of a stream of n + k − 1
        let len = (h + k - 1) * inC
        var cols = (0..<(n + k - 1)).map { _ in (0..<len).map { _ in rng.next() * 2 } }
        for j in cols.indices { for r in 0..<(k / 2) { for i in 0..<inC { cols[j][r * inC + i] = 0; cols[j][len - (r + 1) * inC + i] = 0 } } }
        let ptrs = cols.map { c -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: len); p.initialize(from: c, count: len); return p
        }
        defer { ptrs.forEach { $0.deallocate() } }
        let a = Array(UnsafeBufferPointer(start: fast.convolve(n: n) { t, kx in UnsafePointer(ptrs[t + kx]) }, count: n * h * outC))
        let b = Array(UnsafeBufferPointer(start: gemm.convolve(n: n) { t, kx in UnsafePointer(ptrs[t + kx]) }, count: n * h * outC))
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        let scale = b.map(abs).max() ?? 0
        #expect(scale > 1 && worst <= 1e-5 * scale, "max |\(kernel) \(fast.winograd.map { "F(\($0.rawValue), 3)" } ?? "") − GEMM| \(worst) of outputs up to \(scale)")
        if relu { #expect(a.allSatisfy { $0 >= 0 } && b.contains(0) && a.contains(0), "ReLU applied on both paths") }
        else { #expect(a.contains { $0 < 0 }, "no ReLU without relu") }
        return fast
    }

    /// The AVX2 kernel's row blocks cover every height exactly once, with as few single rows as possible.
    @Test func avx2RowBlocksCoverTheHeight() {
        for h in 1...40 {
            let (six, four) = ColumnConvAVX2.rowBlocks(h)
            let single = h - 6 * six - 4 * four
            #expect(single >= 0 && single < 4, "h \(h): \(six)×6 + \(four)×4 + \(single)")
            // no split with fewer single rows exists
            let best = (0...(h / 6)).flatMap { s in (0...((h - 6 * s) / 4)).map { f in h - 6 * s - 4 * f } }.min()!
            #expect(single == best, "h \(h): \(single) single rows where \(best) would do")
        }
        #expect(ColumnConvAVX2.rowBlocks(32) == (4, 2) && ColumnConvAVX2.rowBlocks(16) == (2, 1) && ColumnConvAVX2.rowBlocks(8) == (0, 2))
    }

    /// The kernel choice: the fastest the CPU's flags allow, never one it lacks, at most the one asked for.
    @Test func convKernelChoice() {
        let avx2: Set<String> = ["sse2", "avx2", "fma"], avx512 = avx2.union(OpenBLASKernel.avx512Flags)
        #expect(ConvKernel.choose(requested: nil, cpuFlags: avx512) == .avx512)
        #expect(ConvKernel.choose(requested: nil, cpuFlags: avx2) == .avx2)
        #expect(ConvKernel.choose(requested: nil, cpuFlags: ["sse2", "avx2"]) == .blas, "AVX2 without FMA")
        #expect(ConvKernel.choose(requested: nil, cpuFlags: []) == .blas, "arm64: no x86 flags")
        #expect(ConvKernel.choose(requested: .avx512, cpuFlags: avx2) == .avx2, "never a kernel the CPU lacks")
        #expect(ConvKernel.choose(requested: .avx2, cpuFlags: avx512) == .avx2)
        #expect(ConvKernel.choose(requested: .blas, cpuFlags: avx512) == .blas)
        #expect(ConvKernel.choose(requested: nil, cpuFlags: avx512, outputChannels: 16) == .avx2, "16 channels: AVX2's block")
        #expect(ConvKernel.choose(requested: nil, cpuFlags: avx512, outputChannels: 24) == .blas)
        #expect(ConvKernel.choose(requested: .avx512, cpuFlags: [], outputChannels: 64) == .blas)
        #expect(ConvKernel.requested("OpenBLAS") == .blas && ConvKernel.requested("AVX2") == .avx2 && ConvKernel.requested("fast") == nil)
    }

    @Test func resetStartsAFreshStream() throws {
        let net = try InferenceSessionTests.network()
        let session = try InferenceSession(source: net, temperature: 4)
        let s = try #require(StreamingInference(session: session))
        let a = Self.frames(200, seed: 1), b = Self.frames(96, seed: 2)
        a.withUnsafeBufferPointer { p in for t in 0..<200 { s.push(p.baseAddress! + t * 64) } }
        _ = s.gunshotProbability()
        s.reset()
        #expect(s.framesPushed == 0)
        b.withUnsafeBufferPointer { p in for t in 0..<96 { s.push(p.baseAddress! + t * 64) } }
        var window = [Float](repeating: 0, count: 64 * 96)
        for j in 0..<96 { for m in 0..<64 { window[m * 96 + j] = b[j * 64 + m] } }
        let full = window.withUnsafeBufferPointer { session.gunshotProbability(logits: session.logits($0.baseAddress!).baseAddress!) }   // layer by layer
        #expect(abs(s.gunshotProbability() - full) <= 2e-5)
    }

    @Test func networksItCannotStreamAreRefused() throws {
        // An input normalisation subtracts a per-window mean: no stream column equals a window column.
        let norm = try InferenceSession(source: try InferenceSessionTests.network(inputNorm: .global))
        #expect(StreamingInference(session: norm) == nil)
        // A width that pooling would truncate.
        let odd = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 90))
        #expect(StreamingInference(session: try InferenceSession(source: odd)) == nil)
        // A window too narrow for its edges to leave any shared column.
        let narrow = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 16))
        #expect(StreamingInference(session: try InferenceSession(source: narrow)) == nil)
        // The reference network streams.
        #expect(StreamingInference(session: try InferenceSession(source: try InferenceSessionTests.network())) != nil)
    }
}
