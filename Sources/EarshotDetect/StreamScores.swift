/// Window scores of audio streamed through the `Detector` (exactly the daemon's/CLI's path), kept so that
/// event counts can be recomputed for any threshold without re-running the CNN: the trainer's evaluation and
/// calibration (`StreamScores.collect` in EarshotTrain) and `earshot calibrate` on a site's own recordings.
public struct StreamScores: Sendable {
    /// Per stream (a clip or a file), its windows in order.
    public var streams: [[ScoredWindow]] = []
    /// Seconds of audio the streams cover (the clips' or files' own audio, not padding).
    public var seconds = 0.0

    public init() {}

    /// Adds one stream's windows and the seconds of audio they cover.
    public mutating func add(_ windows: [ScoredWindow], seconds: Double) {
        streams.append(windows)
        self.seconds += seconds
    }

    /// Events per stream under `rule` (recomputed from the stored scores).
    public func events(rule: DecisionRule) -> [Int] { confirmations(rule: rule).map(\.count) }

    /// The events themselves, per stream, under `rule` (closed at each stream's end), times as stored.
    public func detections(rule: DecisionRule) -> [[DetectionEvent]] {
        streams.map { s in
            var t = EventTracker(rule: rule)
            var out: [DetectionEvent] = []
            func keep(_ o: DetectorOutput) { if case let .ended(e) = o { out.append(e) } }
            for w in s { t.observe(score: w.score, windowStart: w.start, windowEnd: w.end, onset: w.onset, keep) }
            t.finish(keep)
            return out
        }
    }

    /// Gunshot events heard per stream under `rule`, as earshotd counts them into an incident: the events and
    /// those the cooldown held back (`heardInCooldown`), an event that goes on with a held-back one counted once.
    public func gunshotEvents(rule: DecisionRule) -> [Int] {
        streams.map { s in
            var t = EventTracker(rule: rule)
            var n = 0
            func count(_ o: DetectorOutput) {
                switch o {
                case let .started(e): if !e.continuesHeard { n += 1 }
                case .heardInCooldown: n += 1
                case .ended: break
                }
            }
            for w in s { t.observe(score: w.score, windowStart: w.start, windowEnd: w.end, onset: w.onset, count) }
            t.finish(count)
            return n
        }
    }

    /// When each event was confirmed, per stream, under `rule`: the end time of the window that completed the
    /// count (the alert fires once the detector has heard that window).
    public func confirmations(rule: DecisionRule) -> [[Double]] {
        streams.map { s in
            var t = EventTracker(rule: rule)
            var out: [Double] = []
            for w in s { t.observe(score: w.score, windowStart: w.start, windowEnd: w.end, onset: w.onset) { if case let .started(e) = $0 { out.append(e.end) } } }
            return out
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
        Double(streamsWithEvents(rule: rule).count) / Double(max(1, streams.count))
    }

    /// Indices of the streams with at least one event under `rule` (which gunshot clips a model found: two
    /// models scored on the same clips are compared clip by clip from these).
    public func streamsWithEvents(rule: DecisionRule) -> [Int] {
        events(rule: rule).enumerated().compactMap { $0.element > 0 ? $0.offset : nil }
    }

    public func maxScores() -> [Float] { streams.map { $0.map(\.score).max() ?? 0 } }

    /// False alarms per hour at `rule` when every stream is negative audio.
    public func falseAlarmsPerHour(rule: DecisionRule) -> Double {
        Double(events(rule: rule).reduce(0, +)) / max(1e-9, seconds / 3600)
    }

    /// Lowest threshold whose false-alarm rate is ≤ `target` per hour (searching the stored scores ≥ `minimum`:
    /// windows cut below a floor count exactly only above it, `ScoreLog.scores(floor:keepBelow:)`).
    public func threshold(forFalseAlarmsPerHour target: Double, base: DecisionRule, minimum: Float = 0) -> Float {
        // every distinct score is a candidate: the thresholds for 1–10 FA/h sit in the top few hundred of
        // tens of thousands of windows, so a subsampled grid would merge them all into one step
        let candidates = Array(Set(streams.flatMap { $0.map(\.score) }.filter { $0 >= minimum })).sorted()
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
