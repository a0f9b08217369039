import Foundation

/// How soon after a shot the decision rule confirms it, over the gunshot clips it found: from the clip's
/// loudest 10 ms (`WindowSource.peakIndex`; a shot's blast rises to it within a few ms) to the end of the window
/// whose score confirmed the event — the audio the detector must have heard before it can alert. earshotd scores a
/// window when the capture block holding its last sample arrives, and its windows end where blocks end whenever
/// `period_ms` divides the hop (the default 100 ms both: `WindowAlignment`), so its alert follows this by the
/// scoring time, a few ms; a longer period adds its wait. The evaluator streams each clip after a window of
/// noise at its floor for this, so that windows sweep across the shot's arrival as in a continuous stream. A
/// clip whose first event was confirmed before its loudest moment (an earlier, quieter shot in it set it off)
/// is not counted: `clips` says how many were.
public struct ConfirmationLatency: Codable, Sendable, Equatable {
    public var clips: Int
    /// Seconds.
    public var median: Double, p90: Double, max: Double
    /// Share of the counted shots confirmed within `target` (nil in reports written before it was measured).
    public var withinTarget: Double?

    /// The alert-latency target (BENCHMARKS.md: ≤ 300 ms from the shot to the journal).
    public static let target = 0.3

    /// Latencies of each stream's first confirmation (`confirmations[i]`, window end times) after `shotTimes[i]`
    /// (seconds in the same clock); nil when no stream qualifies.
    public static func measure(confirmations: [[Double]], shotTimes: [Double]) -> ConfirmationLatency? {
        let ds = zip(confirmations, shotTimes).compactMap { c, t in c.first.flatMap { $0 >= t ? $0 - t : nil } }.sorted()
        guard !ds.isEmpty else { return nil }
        // nearest-rank percentiles: values that occurred, not interpolations between two shots
        func rank(_ p: Double) -> Double { ds[Swift.max(0, Int((p * Double(ds.count)).rounded(.up)) - 1)] }
        let within = Double(ds.count { $0 <= target + 1e-9 }) / Double(ds.count)
        return ConfirmationLatency(clips: ds.count, median: rank(0.5), p90: rank(0.9), max: ds[ds.count - 1], withinTarget: within)
    }

    /// "260 / 350 / 420 ms (236 shots, 58 % within 300 ms)".
    public var summary: String {
        let within = withinTarget.map { String(format: ", %.0f %% within %.0f ms", $0 * 100, Self.target * 1000) } ?? ""
        return String(format: "%.0f / %.0f / %.0f ms (%d shots%@)", median * 1000, p90 * 1000, max * 1000, clips, within)
    }
}
