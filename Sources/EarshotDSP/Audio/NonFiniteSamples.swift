/// Samples of a (floating-point) audio file that were NaN or infinite: a damaged file. `AudioFileStream`
/// replaces them with 0 before mixing and resampling and counts them here. Left in, one NaN spread through
/// the features of every CNN window over it, which all got the same score whatever the audio (a 2 s float
/// file with a NaN at 1 s and an ∞ at 1.25 s: 12 of its 19 windows scored 0.4891).
public struct NonFiniteSamples: Sendable, Equatable, CustomStringConvertible {
    /// How many samples (over all channels) were NaN or ±∞.
    public var count: Int
    /// Where the first one is, in seconds from the start of the file.
    public var firstSeconds: Double

    public init(count: Int, firstSeconds: Double) {
        self.count = count; self.firstSeconds = firstSeconds
    }

    public var description: String {
        "\(count) sample\(count == 1 ? " is" : "s are") NaN or infinite (the first at \(String(format: "%.3f", firstSeconds)) s)"
    }
}
