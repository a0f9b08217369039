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
        try analyze(url, detectors: [detector])
    }

    /// `detectors`: built from one model and rule; with more than one, the file's windows are scored in
    /// parallel (`stream(samples:detectors:_:)`) and the result is the same as with the first alone.
    public static func analyze(_ url: URL, detectors: [Detector]) throws -> FileResult {
        let clip = try AudioFile.read(url, sampleRate: detectors[0].sampleRate)
        return analyze(samples: clip.samples, detectors: detectors)
    }

    public static func analyze(samples: [Float], detector: Detector) -> FileResult {
        analyze(samples: samples, detectors: [detector])
    }

    /// Events, duration, peak score and window count of `samples`; the first detector's `onScore` (if set)
    /// sees every window in order.
    public static func analyze(samples: [Float], detectors: [Detector]) -> FileResult {
        let detector = detectors[0]
        var events: [DetectionEvent] = []
        var maxScore: Float = 0
        let previous = detector.onScore
        detector.onScore = { t, s in maxScore = max(maxScore, s); previous?(t, s) }
        defer { detector.onScore = previous }
        let duration = Double(samples.count) / Double(detector.sampleRate)
        stream(samples: samples, detectors: detectors) { out in
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
        stream(samples: samples, detectors: [detector], emit)
    }

    /// Windows a worker scores at least (≈ 6 s at the default hop): shorter files stay on one detector.
    public static let minWindowsPerWorker = 64

    /// `stream(samples:detector:_:)` on several cores: the padded stream's windows are cut into contiguous
    /// stretches (starting at multiples of `Detector.windowPeriod`), one per detector; each worker resets
    /// its detector to the stretch's first frame and feeds it the stretch's samples only (a window depends
    /// on its own frames, and a frame on its own samples), collecting the scored windows. Then the first
    /// detector replays all windows, in order, through its decision rule — the same windows, scores and
    /// events as one detector streaming the whole file (`FileAnalyzerTests`). All detectors must come from
    /// the same model and rule.
    public static func stream(samples: [Float], detectors: [Detector], _ emit: (DetectorOutput) -> Void) {
        let detector = detectors[0]
        let (lead, tail) = padding(samples: samples.count, detector: detector)
        let amplitude = NoiseFloor.amplitude(samples)
        var rng = SeededRNG(seed: UInt64(samples.count))
        let parts = [NoiseFloor.noise(count: lead, amplitude: amplitude, rng: &rng), samples,
                     NoiseFloor.noise(count: tail, amplitude: amplitude, rng: &rng)]
        let origin = Double(lead) / Double(detector.sampleRate)
        let stretches = split(samples: lead + samples.count + tail, detector: detector, parts: detectors.count)
        if stretches.count <= 1 {
            detector.reset(timeOrigin: origin)
            feed(parts, from: 0, to: Int.max, detector, emit)
            detector.finish(emit)
            return
        }
        let f = detector.model.features
        let scored = ScoredStretches(count: stretches.count)
        DispatchQueue.concurrentPerform(iterations: stretches.count) { p in
            let d = detectors[p], w = stretches[p]
            let frame = w.lowerBound * d.hopFrames
            var out: [ScoredWindow] = []
            out.reserveCapacity(w.count)
            d.reset(timeOrigin: origin, firstFrame: frame)
            d.collect = { out.append($0) }
            // the stretch's samples: its first window's first frame … its last window's last frame
            let end = ((w.upperBound - 1) * d.hopFrames + f.windowFrames - 1) * f.hop + f.nFFT
            feed(parts, from: frame * f.hop, to: end, d) { _ in }
            d.collect = nil
            scored.set(p, out)
        }
        detector.reset(timeOrigin: origin)
        for windows in scored.all { for w in windows { detector.replay(w, emit) } }
        detector.finish(emit)
    }

    /// Contiguous window ranges, one per part, of the windows a stream of `samples` samples gives; each
    /// starts at a multiple of `windowPeriod` and has at least `minWindowsPerWorker` windows (so fewer
    /// ranges than `parts` for short streams).
    public static func split(samples: Int, detector: Detector, parts: Int) -> [Range<Int>] {
        let f = detector.model.features
        let frames = LogMel.frameCount(samples: samples, config: f)
        let windows = frames >= f.windowFrames ? (frames - f.windowFrames) / detector.hopFrames + 1 : 0
        let period = detector.windowPeriod
        let n = max(1, min(parts, windows / minWindowsPerWorker))
        var bounds = [0]
        for i in 1..<n { bounds.append((windows * i / n) / period * period) }
        bounds.append(windows)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }.filter { !$0.isEmpty }
    }

    /// Streams samples [from, to) of the concatenation of `parts` through `detector` in `chunk` blocks.
    private static func feed(_ parts: [[Float]], from: Int, to: Int, _ detector: Detector, _ emit: (DetectorOutput) -> Void) {
        var offset = 0
        for part in parts {
            let lo = max(from - offset, 0), hi = min(to - offset, part.count)
            offset += part.count
            guard lo < hi else { continue }
            part.withUnsafeBufferPointer { all in
                var i = lo
                while i < hi {
                    let n = min(chunk, hi - i)
                    detector.process(UnsafeBufferPointer(rebasing: all[i..<(i + n)]), emit)
                    i += n
                }
            }
        }
    }
}

/// The workers' scored windows, one slot per stretch (each written by one worker).
private final class ScoredStretches: @unchecked Sendable {
    private(set) var all: [[ScoredWindow]]
    private let lock = NSLock()
    init(count: Int) { all = Array(repeating: [], count: count) }
    func set(_ i: Int, _ w: [ScoredWindow]) { lock.lock(); all[i] = w; lock.unlock() }
}
