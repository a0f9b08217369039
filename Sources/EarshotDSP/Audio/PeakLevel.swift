import Foundation

/// The peak sample level of audio: what the trainer's limiter keeps below full scale, what its level bands
/// group test clips by, and what `earshot detect` warns about when a file is too quiet for the model.
public enum PeakLevel {
    /// Largest |sample| (0 for an empty or silent signal).
    public static func peak<S: Sequence>(_ x: S) -> Float where S.Element == Float {
        x.reduce(Float(0)) { max($0, abs($1)) }
    }

    /// A peak in dBFS (1.0 = 0 dBFS): 20·log10(peak), −∞ for digital silence.
    public static func dBFS(_ peak: Float) -> Double { 20 * log10(Double(peak)) }
}
