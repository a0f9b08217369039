import EarshotDSP
import EarshotNN
import Foundation

/// The result of running the detector over one file.
public struct FileResult: Sendable {
    public var events: [DetectionEvent]
    public var duration: Double
    public var maxScore: Float
    public var windows: Int
}

/// `earshot detect` on one file: decode (any format/rate → the model's rate, mono), then stream through
/// `Detector` in 4096-sample chunks — exactly as the daemon feeds it from the capture ring.
public enum FileAnalyzer {
    public static let chunk = 4096

    /// One-shot convenience: builds a `Detector` for `model` and `rule` (use the `detector:` form for many files).
    public static func analyze(_ url: URL, model: Model, rule: DecisionRule) throws -> FileResult {
        try analyze(url, detector: Detector(model: model, rule: rule))
    }

    public static func analyze(_ url: URL, detector: Detector) throws -> FileResult {
        let clip = try AudioFile.read(url, sampleRate: detector.sampleRate)
        return analyze(samples: clip.samples, detector: detector)
    }

    public static func analyze(samples: [Float], detector: Detector) -> FileResult {
        detector.reset()
        var events: [DetectionEvent] = []
        var maxScore: Float = 0
        let previous = detector.onScore
        detector.onScore = { t, s in maxScore = max(maxScore, s); previous?(t, s) }
        defer { detector.onScore = previous }
        let collect: (DetectorOutput) -> Void = { if case let .ended(e) = $0 { events.append(e) } }
        samples.withUnsafeBufferPointer { all in
            var i = 0
            while i < all.count {
                let n = min(chunk, all.count - i)
                detector.process(UnsafeBufferPointer(rebasing: all[i..<(i + n)]), collect)
                i += n
            }
        }
        detector.finish(collect)
        return FileResult(events: events, duration: Double(samples.count) / Double(detector.sampleRate), maxScore: maxScore, windows: detector.windowsScored)
    }
}
