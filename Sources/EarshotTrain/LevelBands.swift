import EarshotDSP
import Foundation

/// Clips of one peak-level band and how many of them raised an event.
public struct LevelBand: Codable, Sendable, Equatable {
    /// The band's loudest peak level in dBFS (0, −10, …, −50): the band is (loudest − 10, loudest], the
    /// last one everything quieter (digital silence included).
    public var loudest: Double
    public var clips: Int
    public var withEvent: Int
    public var fraction: Double { clips == 0 ? 0 : Double(withEvent) / Double(clips) }
}

/// "Recall by level": clips grouped by their peak sample level. A model without input normalisation (the
/// shipped Model 9) sees a clip's level in its features; and the log floor (ln(mel + ε), ε = 1e-6)
/// clamps the quiet cells of a spectrogram: measured on five kaggle and us8k shots scaled to a −50 dBFS peak,
/// only 9–50 % of the mel cells stay more than 3 dB above the floor (the loudest 21–28 dB above it), at
/// −40 dBFS 19–79 %. The bands tell "the model misses quiet shots" apart from "it misses loud ones".
public enum LevelBands {
    /// Upper edges of the bands in dBFS, loud to quiet; the last band is open below.
    public static let edges: [Double] = [0, -10, -20, -30, -40, -50]

    /// Peak |sample| in dBFS (−∞ for digital silence).
    public static func peakDBFS(_ x: [Float]) -> Double {
        PeakLevel.dBFS(PeakLevel.peak(x))
    }

    /// Index in `edges` of the band a peak level falls into: the quietest edge at or above it.
    static func band(of db: Double) -> Int {
        edges.lastIndex { db <= $0 } ?? 0   // louder than 0 dBFS (a float file) counts as the loudest band
    }

    /// Tallies clips (with `hits[i]` = clip i raised an event) per band, loud to quiet, empty bands left out.
    public static func tally(_ clips: [[Float]], hits: [Bool]) -> [LevelBand] {
        precondition(clips.count == hits.count, "one hit flag per clip")
        var bands = edges.map { LevelBand(loudest: $0, clips: 0, withEvent: 0) }
        for (x, hit) in zip(clips, hits) {
            let b = band(of: peakDBFS(x))
            bands[b].clips += 1
            if hit { bands[b].withEvent += 1 }
        }
        return bands.filter { $0.clips > 0 }
    }

    /// "0 to −10 dBFS", …, "below −50 dBFS".
    public static func label(_ b: LevelBand) -> String {
        func f(_ v: Double) -> String { v == 0 ? "0" : String(format: "−%.0f", -v) }
        return b.loudest == edges.last ? "below \(f(b.loudest)) dBFS" : "\(f(b.loudest)) to \(f(b.loudest - 10)) dBFS"
    }
}
