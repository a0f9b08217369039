/// Samples of a (floating-point) audio file that cannot be sound: NaN, ±∞, or beyond ±`limit` — what a
/// float file whose data was overwritten with garbage holds. `AudioFileStream` replaces them with 0 before
/// mixing and resampling and counts them here. Left in, one of them spread through the features of every
/// CNN window over it, which all got the same score whatever the audio (a 2 s float file with a NaN at 1 s
/// and an ∞ at 1.25 s: 12 of its 19 windows scored 0.4891; a single 1e20 sample: 9 windows).
public struct DamagedSamples: Sendable, Equatable, CustomStringConvertible {
    /// Largest magnitude taken for sound: 1e10 (200 dB above full scale) leaves room for floats written on
    /// an integer scale by mistake (±2³¹ ≈ 2.1e9) and stays far from where the power spectrum overflows
    /// (≈ 1e16 per sample).
    public static let limit: Float = 1e10

    /// How many samples (over all channels) were damaged.
    public var count: Int
    /// Where the first one is, in seconds from the start of the file.
    public var firstSeconds: Double

    public init(count: Int, firstSeconds: Double) {
        self.count = count; self.firstSeconds = firstSeconds
    }

    /// Whether a sample is one of these.
    @inline(__always) public static func isDamaged(_ x: Float) -> Bool { !(abs(x) <= limit) }   // NaN compares false

    /// The warning line a program prints about `file`, whose damaged samples it `handled` (e.g. "analysed
    /// as silence"): "PROGRAM: warning: FILE: N samples are …; HANDLED: the file is damaged — re-export or
    /// re-record it". One wording for `earshot detect`/`calibrate`/`features` and `earshotd --replay`.
    public func warning(program: String = "earshot", file: String, handled: String) -> String {
        "\(program): warning: \(file): \(self); \(handled): the file is damaged — re-export or re-record it"
    }

    public var description: String {
        "\(count) sample\(count == 1 ? " is" : "s are") NaN, infinite or beyond ±1e10 (the first at \(String(format: "%.3f", firstSeconds)) s)"
    }
}
