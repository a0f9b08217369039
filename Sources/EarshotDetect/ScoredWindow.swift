/// One CNN window as the detector scored it: its span and onset estimate (seconds, on the detector's
/// clock: see `Detector.restartScoring(timeOrigin:firstFrame:)`) and its gunshot probability. `Detector.collect`
/// hands these out instead of deciding; `Detector.replay` feeds them to the decision rule in order.
public struct ScoredWindow: Sendable, Equatable {
    public var start: Double
    public var end: Double
    /// The steepest rise of mean log-mel inside the window (where an event starting here begins).
    public var onset: Double
    public var score: Float

    public init(start: Double, end: Double, onset: Double, score: Float) {
        self.start = start; self.end = end; self.onset = onset; self.score = score
    }

    /// Centre of the window (the time `Detector.onScore` reports).
    public var centre: Double { (start + end) / 2 }
}
