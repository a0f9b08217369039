import Foundation
import Testing
@testable import EarshotDSP

/// VectorLog against glibc `logf` over the range log-mel sees (1e-6 … 1e6) and the edge cases.
@Suite struct FeaturesVectorLogTests {
    @Test func matchesLogfWithinTwoUlp() {
        var rng = SplitMix(seed: 5)
        let n = 100_003 // not a multiple of 4: exercises the scalar tail
        let x = (0..<n).map { _ in Float(pow(10, rng.uniform() * 12 - 6)) }
        var out = [Float](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { VectorLog.apply(xb.baseAddress!, add: 0, count: n, out: $0.baseAddress!) } }
        var worst: Float = 0
        for i in 0..<n {
            let ref = logf(x[i])
            worst = max(worst, abs(out[i] - ref) / max(ref.ulp, Float.leastNormalMagnitude))
        }
        print("VectorLog max error vs logf: \(worst) ulp")
        #expect(worst <= 2)
    }

    @Test func edgeCasesFallBackToLogf() {
        let x: [Float] = [0, -1, .infinity, .nan, 1e-40, 1, 2, 0.5, 0.70710677, 0.7071068, 1e-6, 3e38]
        var out = [Float](repeating: 7, count: x.count)
        x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { VectorLog.apply(xb.baseAddress!, add: 0, count: x.count, out: $0.baseAddress!) } }
        #expect(out[0] == -.infinity)
        #expect(out[1].isNaN && out[3].isNaN)
        #expect(out[2] == .infinity)
        #expect(out[4] == logf(1e-40))
        for i in 5..<x.count { #expect(abs(out[i] - logf(x[i])) <= 2 * max(logf(x[i]).ulp, 1e-7), "x = \(x[i])") }
        #expect(out[5] == 0)
    }

    @Test func addsTheOffsetFirst() {
        let x: [Float] = [0, 0, 0, 0, 1e-6, 1]
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { VectorLog.apply(xb.baseAddress!, add: 1e-6, count: x.count, out: $0.baseAddress!) } }
        #expect(abs(out[0] - logf(1e-6)) < 1e-6)
        #expect(abs(out[4] - logf(2e-6)) < 1e-6)
        #expect(abs(out[5] - logf(1 + 1e-6)) < 1e-6)
    }
}
