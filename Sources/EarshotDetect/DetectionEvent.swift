/// One detected gunshot event, in seconds from the start of the stream.
public struct DetectionEvent: Sendable, Equatable {
    /// Sequence number within the stream (1, 2, …).
    public var id: Int
    /// Estimated onset: the strongest energy onset inside the first above-threshold window.
    public var start: Double
    /// End of the last above-threshold window.
    public var end: Double
    public var peakScore: Float
    /// Centre of the highest-scoring window.
    public var peakTime: Double
}

/// What the detector reports: `.started` as soon as `minConsecutive` windows confirm an event (alerts fire
/// on it), `.ended` when it closes, with its final end and peak.
public enum DetectorOutput: Sendable, Equatable {
    case started(DetectionEvent)
    case ended(DetectionEvent)
}
