import Foundation

/// Natural logarithm of a Float buffer, 8 lanes at a time — the last step of every log-mel frame.
///
/// ref: Cephes `logf` (S. L. Moshier, cephes/single/logf.c): x = m·2^e with m ∈ [√½, √2), ln x = e·ln 2 +
/// ln m, ln(1 + f) by a degree-9 polynomial; ln 2 split in two (0.693359375 − 2.12194440e-4) for accuracy.
/// Max error vs glibc `logf` on positive normal floats ≈ 1 ulp of the result (see FeaturesVectorLogTests).
/// Lanes that are not positive finite normal numbers (0, subnormal, negative, inf, NaN) go through `logf`.
public enum VectorLog {
    /// out[i] = ln(x[i] + add) for i in 0..<n. `out` may equal `x`. No allocation.
    public static func apply(_ x: UnsafePointer<Float>, add: Float, count n: Int, out: UnsafeMutablePointer<Float>) {
        var i = 0
        let add4 = SIMD4<Float>(repeating: add)
        let lo = SIMD4<Float>(repeating: Float.leastNormalMagnitude), hi = SIMD4<Float>(repeating: Float.greatestFiniteMagnitude)
        while i + 4 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self) + add4
            if any(.!(v .>= lo) .| (v .> hi)) {
                for j in 0..<4 { out[i + j] = logf(v[j]) }
            } else {
                UnsafeMutableRawPointer(out + i).storeBytes(of: log4(v), as: SIMD4<Float>.self)
            }
            i += 4
        }
        while i < n { out[i] = logf(x[i] + add); i += 1 }
    }

    /// ln of 4 positive normal finite floats (4 lanes = one SSE register).
    @inline(never) // a separate function vectorises better than the inlined body (measured)
    static func log4(_ v: SIMD4<Float>) -> SIMD4<Float> {
        typealias F = SIMD4<Float>
        let bits = unsafeBitCast(v, to: SIMD4<Int32>.self)
        // m ∈ [0.5, 1): keep the mantissa, set the exponent field to 126; e = exponent − 126
        let m = unsafeBitCast((bits & SIMD4(repeating: 0x007F_FFFF)) | SIMD4(repeating: 0x3F00_0000), to: F.self)
        let small = unsafeBitCast(m .< F(repeating: 0.707106781186547524), to: SIMD4<Int32>.self) // all-ones lanes
        // m < √½: use 2m − 1 and e − 1 (branch-free: small is −1 in those lanes)
        let e = F((bits &>> 23) &- SIMD4(repeating: 126) &+ small)
        let f = m - F(repeating: 1) + unsafeBitCast(unsafeBitCast(m, to: SIMD4<Int32>.self) & small, to: F.self)
        let z = f * f
        var y = F(repeating: 7.0376836292E-2)
        y = y * f + F(repeating: -1.1514610310E-1)
        y = y * f + F(repeating: 1.1676998740E-1)
        y = y * f + F(repeating: -1.2420140846E-1)
        y = y * f + F(repeating: 1.4249322787E-1)
        y = y * f + F(repeating: -1.6668057665E-1)
        y = y * f + F(repeating: 2.0000714765E-1)
        y = y * f + F(repeating: -2.4999993993E-1)
        y = y * f + F(repeating: 3.3333331174E-1)
        y = y * f * z
        y = y + e * F(repeating: -2.12194440E-4) - z * F(repeating: 0.5)
        return f + y + e * F(repeating: 0.693359375)
    }
}
