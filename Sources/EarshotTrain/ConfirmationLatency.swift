import Foundation

/// How soon after a shot the decision rule confirms it, over the gunshot clips it found: from the clip's
/// loudest 10 ms (`WindowSource.peakIndex`; a shot's blast rises to it within a few ms) to the end of the window
/// whose score confirmed the event — the audio the detector must have heard before it can alert. earshotd adds
/// the wait for the sound card's block and the scoring time. The evaluator streams each clip after a window of
/// noise at its floor for this, so that windows sweep across the shot's arrival as in a continuous stream. A
/// clip whose first event was confirmed before its loudest moment (an earlier, quieter shot in it set it off)
/// is not counted: `clips` says how many were.
public struct ConfirmationLatency: Codable, Sendable, Equatable {
    public var clips: Int
    /// Seconds.
    public var median: Double, p90: Double, max: Double

    /// Latencies of each stream's first confirmation (`confirmations[i]`, window end times) after `shotTimes[i]`
    /// (seconds in the same clock); nil when no stream qualifies.
    public static func measure(confirmations: [[Double]], shotTimes: [Double]) -> ConfirmationLatency? {
        let ds = zip(confirmations, shotTimes).compactMap { c, t in c.first.flatMap { $0 >= t ? $0 - t : nil } }.sorted()
        guard !ds.isEmpty else { return nil }
        // nearest-rank percentiles: values that occurred, not interpolations between two shots
        func rank(_ p: Double) -> Double { ds[Swift.max(0, Int((p * Double(ds.count)).rounded(.up)) - 1)] }
        return ConfirmationLatency(clips: ds.count, median: rank(0.5), p90: rank(0.9), max: ds[ds.count - 1])
    }

    /// "260 / 350 / 420 ms (236 shots)".
    public var summary: String { String(format: "%.0f / %.0f / %.0f ms (%d shots)", median * 1000, p90 * 1000, max * 1000, clips) }
}
