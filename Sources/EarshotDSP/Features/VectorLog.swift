import Foundation

/// Natural logarithm of a Float buffer, vectorised — the last step of every log-mel frame.
///
/// ref: Cephes `logf` (S. L. Moshier, cephes/single/logf.c): x = m·2^e with m ∈ [√½, √2), ln x = e·ln 2 +
/// ln m, ln(1 + f) by a degree-9 polynomial; ln 2 split in two (0.693359375 − 2.12194440e-4) for accuracy.
/// Max error vs glibc `logf` on positive normal floats ≈ 1 ulp of the result (see FeaturesVectorLogTests).
/// Values that are not positive finite normal numbers (0, subnormal, negative, inf, NaN) go through `logf`.
public enum VectorLog {
    /// out[i] = ln(x[i] + add) for i in 0..<n. `out` may equal `x`. No allocation.
    ///
    /// Written as plain loops over scalars so LLVM's loop vectoriser makes them 4-wide SIMD (Swift's SIMD16
    /// operators reach LLVM as per-lane code that its SLP pass vectorised only in part — a third of the
    /// multiplies stayed scalar).
    public static func apply(_ x: UnsafePointer<Float>, add: Float, count n: Int, out: UnsafeMutablePointer<Float>) {
        var bad: UInt32 = 0 // branch-free (no `&&`), so this loop vectorises too
        for i in 0..<n { let v = x[i] + add; bad |= (v >= .leastNormalMagnitude ? 0 : 1) | (v <= .greatestFiniteMagnitude ? 0 : 1) }
        if bad == 0 {
            for i in 0..<n { out[i] = lnNormal(x[i] + add) }
        } else {
            for i in 0..<n { let v = x[i] + add; out[i] = isNormal(v) ? lnNormal(v) : logf(v) }
        }
    }

    /// True for positive finite normal floats, the domain of `lnNormal`.
    @inline(__always)
    static func isNormal(_ v: Float) -> Bool { v >= .leastNormalMagnitude && v <= .greatestFiniteMagnitude }

    /// ln v for a positive finite normal float (Cephes logf's reduction and polynomial).
    @inline(__always)
    static func lnNormal(_ v: Float) -> Float {
        let bits = v.bitPattern
        // m ∈ [0.5, 1): keep the mantissa, set the exponent field to 126; e = exponent − 126
        var m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F00_0000)
        var e = Float(Int32(bitPattern: bits >> 23) - 126)
        if m < 0.707106781186547524 { e -= 1; m += m } // m < √½: use 2m and e − 1
        let f = m - 1
        let z = f * f
        var y: Float = 7.0376836292E-2
        y = y * f - 1.1514610310E-1
        y = y * f + 1.1676998740E-1
        y = y * f - 1.2420140846E-1
        y = y * f + 1.4249322787E-1
        y = y * f - 1.6668057665E-1
        y = y * f + 2.0000714765E-1
        y = y * f - 2.4999993993E-1
        y = y * f + 3.3333331174E-1
        y = y * f * z
        y = y + e * -2.12194440E-4 - z * 0.5
        return f + y + e * 0.693359375
    }
}
