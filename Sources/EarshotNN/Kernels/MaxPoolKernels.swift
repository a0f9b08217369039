/// 2×2 max-pool row kernels, 8 output columns per step: the even/odd lanes of a 16-float load are the two
/// columns of each window. The backward pass routes dy to the FIRST maximum of each window (order r0[0],
/// r0[1], r1[0], r1[1]) with masks instead of branches. ref: cs231n notes "Convolutional Networks", Pooling.
extension Kernels {
    typealias H = SIMD8<Float>

    /// One output row: out[ox] = max(r0[2ox], r0[2ox+1], r1[2ox], r1[2ox+1]) for ox in 0..<ow.
    static func maxPoolRow(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, ow: Int) {
        var ox = 0
        while ox + 8 <= ow {
            let a = load(r0 + 2 * ox), b = load(r1 + 2 * ox)
            let m = pointwiseMax(pointwiseMax(a.evenHalf, a.oddHalf), pointwiseMax(b.evenHalf, b.oddHalf))
            UnsafeMutableRawPointer(out + ox).storeBytes(of: m, as: H.self)
            ox += 8
        }
        while ox < ow {
            out[ox] = max(max(r0[2 * ox], r0[2 * ox + 1]), max(r1[2 * ox], r1[2 * ox + 1]))
            ox += 1
        }
    }

    /// One output row of the backward pass: writes (not accumulates) g0/g1 at the 2·ow input columns.
    static func maxPoolBackwardRow(_ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                                   _ dy: UnsafePointer<Float>, _ g0: UnsafeMutablePointer<Float>, _ g1: UnsafeMutablePointer<Float>, ow: Int) {
        var ox = 0
        let zero = H(repeating: 0)
        while ox + 8 <= ow {
            let a = load(r0 + 2 * ox), b = load(r1 + 2 * ox)
            let m = UnsafeRawPointer(out + ox).loadUnaligned(as: H.self)
            let d = UnsafeRawPointer(dy + ox).loadUnaligned(as: H.self)
            let e0 = a.evenHalf .== m
            let e1 = (a.oddHalf .== m) .& .!e0
            let e2 = (b.evenHalf .== m) .& .!(e0 .| e1)
            let e3 = .!(e0 .| e1 .| e2)
            var top = V(), bottom = V()
            top.evenHalf = zero.replacing(with: d, where: e0)
            top.oddHalf = zero.replacing(with: d, where: e1)
            bottom.evenHalf = zero.replacing(with: d, where: e2)
            bottom.oddHalf = zero.replacing(with: d, where: e3)
            store(top, g0 + 2 * ox)
            store(bottom, g1 + 2 * ox)
            ox += 8
        }
        while ox < ow {
            let m = out[ox], d = dy[ox]
            let e0 = r0[2 * ox] == m
            let e1 = !e0 && r0[2 * ox + 1] == m
            let e2 = !e0 && !e1 && r1[2 * ox] == m
            g0[2 * ox] = e0 ? d : 0
            g0[2 * ox + 1] = e1 ? d : 0
            g1[2 * ox] = e2 ? d : 0
            g1[2 * ox + 1] = !(e0 || e1 || e2) ? d : 0
            ox += 1
        }
    }
}
