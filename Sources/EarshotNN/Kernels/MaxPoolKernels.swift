/// 2×2 max-pool row kernels, written as branch-free scalar loops that LLVM vectorises (packed max / compare
/// plus shuffles for the even/odd columns). The backward pass routes dy to the FIRST maximum of each window
/// (order r0[0], r0[1], r1[0], r1[1]) through bit masks instead of branches, which mispredicted on
/// real activations. ref: cs231n notes "Convolutional Networks", Pooling Layer.
extension Kernels {
    /// One output row: out[ox] = max(r0[2ox], r0[2ox+1], r1[2ox], r1[2ox+1]) for ox in 0..<ow.
    static func maxPoolRow(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, ow: Int) {
        for ox in 0..<ow {
            let a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1]
            let top = a > b ? a : b, bottom = c > d ? c : d
            out[ox] = top > bottom ? top : bottom
        }
    }

    /// One output row of the backward pass: WRITES (not accumulates) g0/g1 at the 2·ow input columns.
    /// Bit masks on the float bit patterns (integer compares → packed `pcmpeqd`/`pand`, no branches):
    /// rest_k is what is left of dy after the first k window positions had their chance.
    static func maxPoolBackwardRow(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                                   _ dy: UnsafePointer<Float>, _ g0: UnsafeMutablePointer<Float>, _ g1: UnsafeMutablePointer<Float>, ow: Int) {
        for ox in 0..<ow {
            let m = out[ox], d = dy[ox].bitPattern
            let k0 = eqMask(r0[2 * ox], m), k1 = eqMask(r0[2 * ox + 1], m), k2 = eqMask(r1[2 * ox], m)
            let rest1 = d & ~k0, rest2 = rest1 & ~k1
            g0[2 * ox] = Float(bitPattern: d & k0)
            g0[2 * ox + 1] = Float(bitPattern: rest1 & k1)
            g1[2 * ox] = Float(bitPattern: rest2 & k2)
            g1[2 * ox + 1] = Float(bitPattern: rest2 & ~k2)
        }
    }

    /// All ones when x and y are the same float (bit for bit: the pooled value is a copy of one input).
    @inline(__always) static func eqMask(_ x: Float, _ y: Float) -> UInt32 { x.bitPattern == y.bitPattern ? ~0 : 0 }
}
