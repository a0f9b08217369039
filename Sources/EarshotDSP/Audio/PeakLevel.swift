import Foundation

/// The peak sample level of audio: what the trainer's limiter keeps below full scale, what its level bands
/// group test clips by, and what `earshot detect` warns about when a file is too quiet for the model.
public enum PeakLevel {
    /// Largest |sample| (0 for an empty or silent signal); NaN samples are skipped. Arrays and slices take the
    /// contiguous path below: the unspecialised generic `reduce` this replaced boxed every sample (perf: 12 % of
    /// `earshot detect` on a 10-minute file, more than the log-mel features).
    @inlinable
    public static func peak<S: Sequence>(_ x: S) -> Float where S.Element == Float {
        x.withContiguousStorageIfAvailable { peak($0) } ?? x.reduce(Float(0)) { max($0, abs($1)) }
    }

    /// Largest |sample|, NaN skipped. |x| is compared as its bit pattern: for non-NaN floats the order of the
    /// sign-cleared bits is the order of the values, and an integer max reduction vectorises (a float one
    /// LLVM may not reorder). ref: IEEE 754-2019 §3.4 (binary encoding is monotonic in magnitude).
    public static func peak(_ x: UnsafeBufferPointer<Float>) -> Float {
        var m: UInt32 = 0
        for v in x {
            let b = v.bitPattern & 0x7fff_ffff
            m = max(m, b > 0x7f80_0000 ? 0 : b) // NaN (above +inf) counts as silence
        }
        return Float(bitPattern: m)
    }

    /// |x| at or above this is a clipped sample: 16-bit full scale is 32767/32768 = 0.99997, and a resampled
    /// clipped run ripples around it (`earshot detect` counts after resampling to the model's rate).
    public static let clipLevel: Float = 0.999

    /// Samples with |x| ≥ `clipLevel`: what an overdriven input or recorder leaves (NaN is not counted).
    @inlinable
    public static func clipped<S: Sequence>(_ x: S) -> Int where S.Element == Float {
        x.withContiguousStorageIfAvailable { clipped($0) } ?? x.reduce(0) { $0 + (abs($1) >= clipLevel ? 1 : 0) }
    }

    /// Contiguous form of `clipped` (a branch-free count that vectorises).
    public static func clipped(_ x: UnsafeBufferPointer<Float>) -> Int {
        var n = 0
        for v in x { n &+= abs(v) >= clipLevel ? 1 : 0 }
        return n
    }

    /// A peak in dBFS (1.0 = 0 dBFS): 20·log10(peak), −∞ for digital silence.
    public static func dBFS(_ peak: Float) -> Double { 20 * log10(Double(peak)) }
}
