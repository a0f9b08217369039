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
/// `Detector` in 4096-sample chunks — exactly as the daemon feeds it from the capture ring — between two
/// stretches of noise at the file's own floor (`FileAnalyzer.padding`), as if the file were a slice of a
/// microphone stream: a shot in a file's first or last tenth of a second, or a file shorter than one CNN
/// window (a 0.4 s clip of a door slam or a shot), is scored the way the daemon would score it mid-stream.
/// Times stay seconds into the file; events are clipped to the file.
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
        var events: [DetectionEvent] = []
        var maxScore: Float = 0
        let previous = detector.onScore
        detector.onScore = { t, s in maxScore = max(maxScore, s); previous?(t, s) }
        defer { detector.onScore = previous }
        let duration = Double(samples.count) / Double(detector.sampleRate)
        stream(samples: samples, detector: detector) { out in
            guard case var .ended(e) = out else { return }
            e.start = min(max(0, e.start), duration)
            e.end = min(max(e.start, e.end), duration)
            e.peakTime = min(max(0, e.peakTime), duration)
            events.append(e)
        }
        return FileResult(events: events, duration: duration, maxScore: maxScore, windows: detector.windowsScored)
    }

    /// Samples of floor noise streamed before (`lead`) and after (`tail`) a file of `count` samples: half a
    /// window, rounded down to whole hops so the windows over the file are the ones an unpadded stream
    /// would score (the same frames, so the same scores), plus the windows that see the file's edges in
    /// their middle; the tail also makes up a file shorter than a window to `minConsecutive` windows.
    public static func padding(samples count: Int, detector: Detector) -> (lead: Int, tail: Int) {
        let f = detector.model.features
        let hopSamples = detector.hopFrames * f.hop
        let lead = hopSamples * max(1, (f.windowFrames / 2) / detector.hopFrames)
        let window = (f.windowFrames - 1) * f.hop + f.nFFT
        let needed = window + (detector.rule.minConsecutive - 1) * hopSamples
        return (lead, max(lead, needed - lead - count))
    }

    /// Resets `detector` and streams lead padding, `samples` and tail padding through it in `chunk`-sample
    /// blocks, then closes any open event; window and event times are seconds into `samples` (events may
    /// reach into the padding: `analyze` clips them). The padding is seeded noise at the file's floor
    /// (`NoiseFloor`), the filler the trainer uses where a window leaves its clip.
    public static func stream(samples: [Float], detector: Detector, _ emit: (DetectorOutput) -> Void) {
        let (lead, tail) = padding(samples: samples.count, detector: detector)
        let amplitude = NoiseFloor.amplitude(samples)
        var rng = SeededRNG(seed: UInt64(samples.count))
        detector.reset(timeOrigin: Double(lead) / Double(detector.sampleRate))
        for part in [NoiseFloor.noise(count: lead, amplitude: amplitude, rng: &rng), samples,
                     NoiseFloor.noise(count: tail, amplitude: amplitude, rng: &rng)] {
            part.withUnsafeBufferPointer { all in
                var i = 0
                while i < all.count {
                    let n = min(chunk, all.count - i)
                    detector.process(UnsafeBufferPointer(rebasing: all[i..<(i + n)]), emit)
                    i += n
                }
            }
        }
        detector.finish(emit)
    }
}
