/// Row kernels of the fused batchnorm → ReLU → 2×2 max pool (`BatchNormReLUPool`). Each works on one output
/// row: the two input rows r0, r1 (2·ow floats each) of the batchnorm's input x, and ow pooled values.
/// The activation v = max(0, x·g + b) is recomputed from x wherever it is needed — never stored — with the
/// same float operations as `scaleShiftReLU` (`reluAffine`: multiply, then add, no FMA; v ≤ 0 or NaN → +0),
/// so the forward and the backward see exactly the same v, and a window's pooled value is found among its four
/// v by equality (all are ≥ +0 and not NaN, so float equality is bit equality). The window's first maximum
/// (order r0[2ox], r0[2ox+1], r1[2ox], r1[2ox+1]) takes the gradient, as in `maxPoolBackwardRow`; the ReLU
/// passes it only where the maximum is > 0.
///
/// The backward finds the maximum from u = x·g + b without the ReLU: where the maximum m is > 0,
/// u = m exactly where v = m (v = u there; elsewhere v = 0 ≠ m and u ≤ 0 < m); where m = 0 the window passes no
/// gradient, so which position it would go to does not matter.
///
/// Written with explicit SIMD, 4 windows at a time (LLVM did not vectorise the scalar form of these stride-2
/// loops, and the fused backward then ran slower than the separate layers; 8 windows at a time spilled SSE
/// registers): each input row's 8 floats are split into even and odd columns (`evenHalf`/`oddHalf`, which
/// compile to `shufps`), masks select (`cmpps`/`andps`), and `interleave` puts even and odd columns back
/// (`unpcklps`/`unpckhps`). Windows left over (ow mod 4) run the scalar definitions below the SIMD loop.
/// ref: Ioffe & Szegedy 2015, Algorithm 1 (batchnorm); Nair & Hinton 2010 (ReLU); cs231n notes, Pooling Layer.
extension Kernels {
    typealias V4 = SIMD4<Float>
    typealias V8 = SIMD8<Float>

    @inline(__always) static func load4(_ p: UnsafePointer<Float>) -> V4 { UnsafeRawPointer(p).loadUnaligned(as: V4.self) }
    @inline(__always) static func load8(_ p: UnsafePointer<Float>) -> V8 { UnsafeRawPointer(p).loadUnaligned(as: V8.self) }
    @inline(__always) static func store8(_ v: V8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V8.self) }

    /// v = max(0, x·g + b) lane by lane, exactly as `reluAffine` (NaN → 0).
    @inline(__always) static func reluAffine(_ x: V8, _ g: V8, _ b: V8) -> V8 {
        let v = x * g + b
        return V8(repeating: 0).replacing(with: v, where: v .> 0)
    }

    /// (a0, b0, a1, b1, …): even lanes from a, odd lanes from b.
    @inline(__always) static func interleave(_ a: V4, _ b: V4) -> V8 {
        var r = V8()
        for k in 0..<4 { r[2 * k] = a[k]; r[2 * k + 1] = b[k] }
        return r
    }

    /// Forward, one output row: out[ox] = max of v over the window (r0[2ox], r0[2ox+1], r1[2ox], r1[2ox+1]).
    static func scaleShiftReLUPoolRow(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                      scale g: Float, shift b: Float, ow: Int) {
        let (gv, bv) = (V8(repeating: g), V8(repeating: b))
        var ox = 0
        while ox + 4 <= ow {
            let top = reluAffine(load8(r0 + 2 * ox), gv, bv), bottom = reluAffine(load8(r1 + 2 * ox), gv, bv)
            let m = top.evenHalf.max(top.oddHalf).max(bottom.evenHalf.max(bottom.oddHalf))
            UnsafeMutableRawPointer(out + ox).storeBytes(of: m, as: V4.self)
            ox += 4
        }
        for ox in ox..<ow {
            let a = reluAffine(r0[2 * ox], g, b), c = reluAffine(r0[2 * ox + 1], g, b)
            let d = reluAffine(r1[2 * ox], g, b), e = reluAffine(r1[2 * ox + 1], g, b)
            let top = a > c ? a : c, bottom = d > e ? d : e
            out[ox] = top > bottom ? top : bottom
        }
    }

    /// Backward routing, one output row: the gradient each input position receives through the pool and the
    /// ReLU — dy[ox]·[out[ox] > 0] at the window's first maximum, 0 at its other three positions — WRITTEN to
    /// g0 and g1 (2·ow floats each). Bit for bit what `maxPoolBackwardRow` and then the ReLU's mask give.
    static func reluPoolRouteRow(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ out: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                 _ g0: UnsafeMutablePointer<Float>, _ g1: UnsafeMutablePointer<Float>, scale g: Float, shift b: Float, ow: Int) {
        let (gv, bv, zero) = (V8(repeating: g), V8(repeating: b), V4(repeating: 0))
        var ox = 0
        while ox + 4 <= ow {
            let ut = load8(r0 + 2 * ox) * gv + bv, ub = load8(r1 + 2 * ox) * gv + bv
            let m = load4(out + ox)
            // what is left of dy after the first k window positions had their chance
            let d = zero.replacing(with: load4(dy + ox), where: m .> 0)
            let k0 = ut.evenHalf .== m, k1 = ut.oddHalf .== m, k2 = ub.evenHalf .== m
            let rest1 = d.replacing(with: zero, where: k0), rest2 = rest1.replacing(with: zero, where: k1)
            store8(interleave(zero.replacing(with: d, where: k0), zero.replacing(with: rest1, where: k1)), g0 + 2 * ox)
            store8(interleave(zero.replacing(with: rest2, where: k2), rest2.replacing(with: zero, where: k2)), g1 + 2 * ox)
            ox += 4
        }
        for ox in ox..<ow {
            let m = out[ox], d: Float = m > 0 ? dy[ox] : 0
            let k0 = r0[2 * ox] * g + b == m, k1 = r0[2 * ox + 1] * g + b == m, k2 = r1[2 * ox] * g + b == m
            g0[2 * ox] = k0 ? d : 0
            g0[2 * ox + 1] = !k0 && k1 ? d : 0
            g1[2 * ox] = !k0 && !k1 && k2 ? d : 0
            g1[2 * ox + 1] = !k0 && !k1 && !k2 ? d : 0
        }
    }
}

extension SIMD4 where Scalar == Float {
    /// Lane-wise maximum (as `SIMD8.max` in ColumnConv).
    @inline(__always) func max(_ o: SIMD4<Float>) -> SIMD4<Float> { replacing(with: o, where: self .< o) }
}
