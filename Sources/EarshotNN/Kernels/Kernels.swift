/// Vectorised element-wise kernels shared by the layers. They replace per-element loops whose data-dependent
/// branches (ReLU mask, max-pool arg-max) mispredict on real activations and dominated the training profile
/// (perf: ReLU backward alone was 21 % of a step). Two styles, chosen by what the compiler turns into packed
/// SSE (checked in the emitted assembly): compare/select loops are written as plain branch-free scalar loops
/// (LLVM vectorises them; the stdlib's generic SIMD `pointwiseMax`/`replacing` compile to slow lane loops),
/// reductions and arithmetic use `SIMD16<Float>` (LLVM may not reassociate a scalar float sum).
/// All pointers are flat float buffers; `count` is the number of floats. No allocation.
enum Kernels {
    typealias V = SIMD16<Float>
    static let w = 16

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// y = max(0, x). ref: Nair & Hinton 2010.
    static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { let v = x[i]; y[i] = v > 0 ? v : 0 }
    }

    /// dx = dy · [y > 0] (branch-free select).
    static func reluBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { let d = dy[i]; dx[i] = y[i] > 0 ? d : 0 } // unconditional load → vectorised select
    }

    /// dst += src.
    static func add(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dst[i] += src[i] }
    }

    /// Σ x (16 partial sums in Float, then added in Double).
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var acc = V(repeating: 0)
        var i = 0
        while i + w <= count { acc += load(x + i); i += w }
        var s = 0.0
        for j in 0..<w { s += Double(acc[j]) }
        while i < count { s += Double(x[i]); i += 1 }
        return s
    }

    /// Σ (x − c)² — the second pass of a two-pass variance (no cancellation, unlike E[x²] − E[x]²).
    static func sumSquaredDeviations(_ x: UnsafePointer<Float>, from c: Float, count: Int) -> Double {
        var acc = V(repeating: 0)
        let cv = V(repeating: c)
        var i = 0
        while i + w <= count { let d = load(x + i) - cv; acc += d * d; i += w }
        var s = 0.0
        for j in 0..<w { s += Double(acc[j]) }
        while i < count { let d = Double(x[i] - c); s += d * d; i += 1 }
        return s
    }

    /// (Σ a, Σ a·(b − c)) in one pass over a: BN backward's Σdy and Σ dy·(x − μ). The first is accumulated
    /// exactly as `sum` does (16 Float partial sums, then Double), so it is `sum`'s bit for bit.
    static func sumAndDotCentered(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, minus c: Float, count: Int) -> (Double, Double) {
        var acc = V(repeating: 0), accd = V(repeating: 0)
        let cv = V(repeating: c)
        var i = 0
        while i + w <= count { let av = load(a + i); acc += av; accd += av * (load(b + i) - cv); i += w }
        var s = 0.0, sd = 0.0
        for j in 0..<w { s += Double(acc[j]); sd += Double(accd[j]) }
        while i < count { s += Double(a[i]); sd += Double(a[i] * (b[i] - c)); i += 1 }
        return (s, sd)
    }

    /// y = x·g + b.
    static func scaleShift(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, scale g: Float, shift b: Float, count: Int) {
        var i = 0
        let gv = V(repeating: g), bv = V(repeating: b)
        while i + w <= count { store(load(x + i) * gv + bv, y + i); i += w }
        while i < count { y[i] = x[i] * g + b; i += 1 }
    }

    /// BN input gradient: dx = g·(m·dy − a − (x − μ)·s).  (g = γ·istd/m, s = istd·Σdy·x̂; see BatchNorm.)
    static func batchNormBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                  mean mu: Float, g: Float, m: Float, a: Float, s: Float, count: Int) {
        var i = 0
        let (muv, gv, mv, av, sv) = (V(repeating: mu), V(repeating: g), V(repeating: m), V(repeating: a), V(repeating: s))
        while i + w <= count {
            store(gv * (mv * load(dy + i) - av - (load(x + i) - muv) * sv), dx + i)
            i += w
        }
        while i < count { dx[i] = g * (m * dy[i] - a - (x[i] - mu) * s); i += 1 }
    }
}
