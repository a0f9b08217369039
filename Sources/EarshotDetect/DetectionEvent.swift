/// One detected gunshot event, in seconds from the start of the stream.
public struct DetectionEvent: Sendable, Equatable {
    /// Sequence number within the stream (1, 2, …). An event heard during a cooldown (`heardInCooldown`)
    /// carries the number of the event whose cooldown it fell in: it is not a new paged event.
    public var id: Int
    /// Estimated onset: the strongest energy onset inside the first above-threshold window.
    public var start: Double
    /// End of the last above-threshold window.
    public var end: Double
    public var peakScore: Float
    /// Centre of the highest-scoring window.
    public var peakTime: Double
    /// This event's sound began during the cooldown, was reported then (`heardInCooldown`), and went on past
    /// the cooldown's end, where the rule confirmed it as a new event: the same sound, paged now. Counting
    /// gunshot events, count it once.
    public var continuesHeard = false

    public init(id: Int, start: Double, end: Double, peakScore: Float, peakTime: Double, continuesHeard: Bool = false) {
        self.id = id; self.start = start; self.end = end; self.peakScore = peakScore; self.peakTime = peakTime
        self.continuesHeard = continuesHeard
    }

    /// The event with its times clipped to a file of `duration` seconds: a file is scored with padding on either
    /// side (`FileAnalyzer`), and a window over the padding would otherwise put an end past the file's own.
    public func clipped(to duration: Double) -> DetectionEvent {
        var e = self
        e.start = min(max(0, start), duration)
        e.end = min(max(e.start, end), duration)
        e.peakTime = min(max(0, peakTime), duration)
        return e
    }
}

/// What the detector reports: `.started` as soon as `minConsecutive` windows confirm an event (alerts fire
/// on it), `.ended` when it closes, with its final end and peak. `.heardInCooldown` when the rule confirms
/// a run of windows during the cooldown after an event: no new event (nothing is paged, and the evaluation's
/// false-alarm counts, which count `.started`/`.ended`, are as without it), but a shooting goes on, and
/// earshotd counts it into the incident and says so in the journal. It is reported once, at confirmation
/// (its end is then that window's end); windows above threshold within `mergeGap` of it belong to it.
public enum DetectorOutput: Sendable, Equatable {
    case started(DetectionEvent)
    case ended(DetectionEvent)
    case heardInCooldown(DetectionEvent)
}
