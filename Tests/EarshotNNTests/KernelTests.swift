import Foundation
import Testing
@testable import EarshotNN

/// The vectorised kernels against plain scalar definitions, on lengths that exercise both the 16-wide body
/// and the scalar tail, plus the cases the vector code could get wrong (ties in max-pool, large BN means).
@Suite struct KernelTests {
    static func random(_ n: Int, seed: UInt64) -> [Float] {
        var r = GradientCheckTests.RNG(s: seed)
        return (0..<n).map { _ in r.next() }
    }

    @Test func reluAndAddMatchScalarDefinitions() {
        for n in [1, 15, 16, 17, 100] {
            let x = Self.random(n, seed: UInt64(n)), d = Self.random(n, seed: UInt64(n + 1))
            var y = [Float](repeating: 9, count: n), dx = [Float](repeating: 9, count: n)
            Kernels.relu(x, &y, count: n)
            #expect(y == x.map { max(0, $0) })
            Kernels.reluBackward(y, d, &dx, count: n)
            #expect(dx == (0..<n).map { y[$0] > 0 ? d[$0] : 0 })
            var acc = x
            Kernels.add(d, into: &acc, count: n)
            #expect(acc == (0..<n).map { x[$0] + d[$0] })
            #expect(abs(Kernels.sum(x, count: n) - x.reduce(0.0) { $0 + Double($1) }) < 1e-5)
        }
    }

    /// BN backward's one-pass sums, and the fused batchnorm → relu kernels, against scalar definitions.
    @Test func batchNormSumsAndReLUKernelsMatchScalarDefinitions() {
        for n in [1, 15, 16, 17, 100] {
            let x = Self.random(n, seed: UInt64(n)), d = Self.random(n, seed: UInt64(n + 7))
            let (s, sd) = Kernels.sumAndDotCentered(d, x, minus: 0.25, count: n)
            #expect(s == Kernels.sum(d, count: n))
            let ref = (0..<n).reduce(0.0) { $0 + Double(d[$1]) * Double(x[$1] - 0.25) }
            #expect(abs(sd - ref) < 1e-5, "n \(n): \(sd) vs \(ref)")
            var y = [Float](repeating: 9, count: n), dx = [Float](repeating: 9, count: n)
            Kernels.scaleShiftReLU(x, &y, scale: 1.5, shift: -0.2, count: n)
            #expect(y == x.map { max(0, $0 * 1.5 - 0.2) })
            Kernels.reluBackwardRecomputed(x, d, &dx, scale: 1.5, shift: -0.2, count: n)
            #expect(dx == (0..<n).map { x[$0] * 1.5 - 0.2 > 0 ? d[$0] : 0 })
        }
    }

    @Test func maxPoolOnWideRowsWithGradientCheck() {
        // ow = 10: one 8-wide vector step plus a 2-column scalar tail; odd H and W drop the last row/column
        for seed: UInt64 in 1...3 {
            let e = GradientCheckTests.check(MaxPool2(shape: Shape3(2, 5, 21)), n: 2, seed: seed, kinkFree: true)
            #expect(e < 1e-3, "seed \(seed): \(e)")
        }
    }

    @Test func maxPoolRoutesTiesToTheFirstMaximum() {
        let pool = MaxPool2(shape: Shape3(1, 2, 32)) // 16 outputs: two vector steps
        // window j: (r0[2j], r0[2j+1], r1[2j], r1[2j+1]); cycle the position(s) of the maximum 1.0
        let patterns: [[Float]] = [[1, 1, 1, 1], [0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0], [1, 0, 1, 0]]
        var x = [Float](repeating: 0, count: 64)
        for j in 0..<16 {
            let p = patterns[j % 8]
            x[2 * j] = p[0]; x[2 * j + 1] = p[1]; x[32 + 2 * j] = p[2]; x[32 + 2 * j + 1] = p[3]
        }
        var y = [Float](repeating: 0, count: 16)
        pool.forward(x, &y, n: 1, training: false)
        #expect(y == [Float](repeating: 1, count: 16))
        let dy = (0..<16).map { Float($0 + 1) }
        var dx = [Float](repeating: -1, count: 64)
        pool.backward(x, y, dy, &dx, n: 1)
        for j in 0..<16 {
            let p = patterns[j % 8]
            let first = p.firstIndex(of: 1)!
            let got = [dx[2 * j], dx[2 * j + 1], dx[32 + 2 * j], dx[32 + 2 * j + 1]]
            var want: [Float] = [0, 0, 0, 0]; want[first] = dy[j]
            #expect(got == want, "window \(j) pattern \(p)")
        }
    }

    /// The fused layer's routing, on the same tie patterns, through x·g + b with g = 2, b = −1 (so x = 1 gives
    /// v = 1 and x = 0 gives v = 0 after the ReLU): 18 windows = four SIMD steps of 4 plus a scalar tail of 2. A
    /// window whose maximum is 0 (all pre-activations ≤ 0) passes no gradient at all, and every position is
    /// written.
    @Test func reluPoolRoutingSendsTiesToTheFirstMaximumAndStopsAtZero() {
        let ow = 18
        let patterns: [[Float]] = [[1, 1, 1, 1], [0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0], [1, 0, 1, 0], [0, 0, 0, 0]]
        var r0 = [Float](repeating: 0, count: 2 * ow), r1 = r0
        for j in 0..<ow {
            let p = patterns[j % patterns.count]
            r0[2 * j] = p[0]; r0[2 * j + 1] = p[1]; r1[2 * j] = p[2]; r1[2 * j + 1] = p[3]
        }
        var out = [Float](repeating: -1, count: ow)
        Kernels.scaleShiftReLUPoolRow(r0, r1, &out, scale: 2, shift: -1, ow: ow)
        #expect(out == (0..<ow).map { patterns[$0 % patterns.count].contains(1) ? 1 : 0 })
        let dy = (0..<ow).map { Float($0 + 1) }
        var g0 = [Float](repeating: .nan, count: 2 * ow), g1 = g0
        Kernels.reluPoolRouteRow(r0, r1, out, dy, &g0, &g1, scale: 2, shift: -1, ow: ow)
        for j in 0..<ow {
            let p = patterns[j % patterns.count]
            var want: [Float] = [0, 0, 0, 0]
            if let first = p.firstIndex(of: 1) { want[first] = dy[j] }
            #expect([g0[2 * j], g0[2 * j + 1], g1[2 * j], g1[2 * j + 1]] == want, "window \(j) pattern \(p)")
        }
    }

    @Test func maxPoolBackwardOverwritesEveryInputGradient() {
        // dx arrives holding garbage (the caller's buffers are reused): every position must be written — the
        // pooled ones with dy or 0, the rows/columns an odd H or W drops with 0.
        for shape in [Shape3(2, 4, 6), Shape3(2, 5, 6), Shape3(2, 4, 7), Shape3(1, 3, 5)] {
            let pool = MaxPool2(shape: shape)
            let x = Self.random(shape.count * 2, seed: UInt64(shape.count))
            var y = [Float](repeating: 0, count: pool.outShape.count * 2)
            pool.forward(x, &y, n: 2, training: true)
            let dy = [Float](repeating: 1, count: y.count)
            var dx = [Float](repeating: .nan, count: x.count)
            pool.backward(x, y, dy, &dx, n: 2)
            #expect(!dx.contains { $0.isNaN }, "\(shape): an input gradient was left unwritten")
            #expect(dx.reduce(0, +) == Float(y.count), "\(shape): each window routes its dy to one input")
        }
    }

    @Test func batchNormVarianceSurvivesALargeMean() {
        // E[x²] − E[x]² in Float would lose every digit here; the two-pass variance must not
        let bn = BatchNorm(name: "bn", shape: Shape3(1, 4, 64), eps: 1e-5, momentum: 0)
        let x = Self.random(2 * 256, seed: 4).map { 1000 + 0.01 * $0 }
        var y = [Float](repeating: 0, count: x.count)
        bn.forward(x, &y, n: 2, training: true)
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(x.count)
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(x.count)
        #expect(abs(Double(bn.runningVar.value[0]) - variance) <= 1e-3 * variance, "\(bn.runningVar.value[0]) vs \(variance)")
        let ov = y.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(y.count)
        #expect(abs(ov - variance / (variance + 1e-5)) < 1e-2)
    }
}
