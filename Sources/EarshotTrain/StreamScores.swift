import EarshotDSP
import EarshotDetect
import EarshotNN
import Foundation

/// Window scores of audio streamed through the `Detector` (exactly the daemon's/CLI's path), kept so that
/// event counts can be recomputed for any threshold without re-running the CNN.
public struct StreamScores {
    /// Per stream: (window start, window end, onset, score).
    public var streams: [[(start: Double, end: Double, onset: Double, score: Float)]] = []
    public var seconds = 0.0

    /// Streams each clip through the detector exactly as `earshot detect` reads a file
    /// (`FileAnalyzer.stream`: between stretches of noise at the clip's own floor, so clips shorter than a
    /// window — door slams, drum hits, key drops — are scored too, and sounds at clip edges are seen in the
    /// middle of some window). (Padding with digital near-silence, as an earlier version did, puts a
    /// silence→ambience step at every clip's start that no microphone stream has; 10 of the shipped
    /// model's 11 test false alarms came from it. An unpadded stream never scored the 212 negative clips
    /// shorter than a window.) `seconds` counts the clips' own audio only.
    public static func collect(_ clips: [[Float]], detector: Detector, progress: ProgressBar? = nil) -> StreamScores {
        var out = StreamScores()
        let winSec = Double((detector.model.features.windowFrames - 1) * detector.model.features.hop + detector.model.features.nFFT) / Double(detector.sampleRate)
        for (i, c) in clips.enumerated() {
            var s: [(Double, Double, Double, Float)] = []
            detector.onScore = { centre, score in s.append((centre - winSec / 2, centre + winSec / 2, centre, score)) }
            FileAnalyzer.stream(samples: c, detector: detector) { _ in }
            detector.onScore = nil
            out.streams.append(s)
            out.seconds += Double(c.count) / Double(detector.sampleRate)
            progress?.update(i + 1)
        }
        progress?.finish()
        return out
    }

    /// Events per stream under `rule` (recomputed from the stored scores).
    public func events(rule: DecisionRule) -> [Int] {
        streams.map { s in
            var t = EventTracker(rule: rule)
            var n = 0
            for w in s { t.observe(score: w.score, windowStart: w.start, windowEnd: w.end, onset: w.onset) { if case .started = $0 { n += 1 } } }
            return n
        }
    }

    /// Adds another set's streams (pooling, e.g. over folds).
    public mutating func append(_ other: StreamScores) {
        streams += other.streams
        seconds += other.seconds
    }

    /// Fraction of streams with at least one event under `rule` (recall when the streams are gunshot clips,
    /// the false-alarm clip rate when they are negatives).
    public func fractionWithEvents(rule: DecisionRule) -> Double {
        let e = events(rule: rule)
        return Double(e.filter { $0 > 0 }.count) / Double(max(1, e.count))
    }

    public func maxScores() -> [Float] { streams.map { $0.map(\.score).max() ?? 0 } }

    /// False alarms per hour at `rule` when every stream is negative audio.
    public func falseAlarmsPerHour(rule: DecisionRule) -> Double {
        Double(events(rule: rule).reduce(0, +)) / max(1e-9, seconds / 3600)
    }

    /// Lowest threshold whose false-alarm rate is ≤ `target` per hour (searching the stored scores).
    public func threshold(forFalseAlarmsPerHour target: Double, base: DecisionRule) -> Float {
        // every distinct score is a candidate: the thresholds for 1–10 FA/h sit in the top few hundred of
        // tens of thousands of windows, so a subsampled grid would merge them all into one step
        let candidates = Array(Set(streams.flatMap { $0.map(\.score) })).sorted()
        var lo = 0, hi = candidates.count - 1
        var rule = base
        // FA/h falls as the threshold rises: binary search for the first candidate meeting the target
        while lo < hi {
            let mid = (lo + hi) / 2
            rule.threshold = candidates[mid]
            if falseAlarmsPerHour(rule: rule) <= target { hi = mid } else { lo = mid + 1 }
        }
        rule.threshold = candidates.isEmpty ? 0.5 : candidates[lo]
        if falseAlarmsPerHour(rule: rule) > target { return min(1, (candidates.last ?? 0.5) + 1e-6) }
        return rule.threshold
    }
}
