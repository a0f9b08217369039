/// Where a detector's windows lie in time: the frame grid it scores on. A window is named by the absolute index
/// of its first feature frame; `window(first:onset:score:)` is the one place its times are computed (the
/// `Detector` builds every `ScoredWindow` through it), so a window stored as (first frame, onset frame, score)
/// — earshotd's score log — comes back bit for bit, and `EventTracker` counts exactly the events it counted live.
public struct WindowGrid: Sendable, Equatable, Codable {
    /// Seconds between feature frames (the STFT hop, e.g. 0.01).
    public var secondsPerFrame: Double
    /// Seconds one frame spans (nFFT samples, e.g. 0.032).
    public var frameSeconds: Double
    /// Frames per CNN window (96).
    public var windowFrames: Int
    /// Frames between scored windows (the decision rule's hop in frames, e.g. 10).
    public var hopFrames: Int
    /// Subtracted from every time: see `Detector.reset(timeOrigin:)`.
    public var timeOrigin: Double

    public init(secondsPerFrame: Double, frameSeconds: Double, windowFrames: Int, hopFrames: Int, timeOrigin: Double) {
        self.secondsPerFrame = secondsPerFrame; self.frameSeconds = frameSeconds
        self.windowFrames = windowFrames; self.hopFrames = hopFrames; self.timeOrigin = timeOrigin
    }

    /// Seconds between scored windows.
    public var hopSeconds: Double { Double(hopFrames) * secondsPerFrame }

    /// The window whose first frame has absolute index `first`, with its steepest rise at frame `onset`.
    public func window(first: Int, onset: Int, score: Float) -> ScoredWindow {
        ScoredWindow(start: Double(first) * secondsPerFrame - timeOrigin,
                     end: Double(first + windowFrames - 1) * secondsPerFrame + frameSeconds - timeOrigin,
                     onset: Double(onset) * secondsPerFrame - timeOrigin, score: score)
    }

    /// The absolute index of the frame starting at `time` (a window's start or onset on this grid).
    public func frame(at time: Double) -> Int { Int(((time + timeOrigin) / secondsPerFrame).rounded()) }
}
