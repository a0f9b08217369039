import EarshotDSP
import EarshotNN
import Foundation

/// The result of running the detector over one file.
public struct FileResult: Sendable {
    public var events: [DetectionEvent]
    /// Gunshot events the cooldown held back (`DetectorOutput.heardInCooldown`): earshotd journals them and
    /// counts them into the incident, and pages nobody. Times clipped to the file, as the events'.
    public var heard: [DetectionEvent] = []
    public var duration: Double
    public var maxScore: Float
    public var windows: Int
    /// Largest |sample| of the file, decoded and mixed to mono at its own rate (`AudioFileStream.peak`: the
    /// resampled signal can ripple past a clipped integer file's full scale); of the samples, when they are handed
    /// over directly. The padding is not counted, nor `gain`. `PeakLevel.dBFS` turns it into dBFS.
    public var peak: Float
    /// Gain the file was amplified by before detection (`PeakNormalization`; 1 if it was not).
    public var gain: Float = 1
    /// Samples at full scale as the detector heard them (`PeakLevel.clipped`, after any `gain`): the
    /// recording clips.
    public var clippedSamples = 0
    /// Damaged samples (NaN, ±∞, beyond ±1e10), analysed as 0 (`AudioFileStream.damaged`).
    public var damaged: DamagedSamples? = nil
    /// The rate the detector heard the file at (the model's), and the file's own (0: samples handed over
    /// directly). A file recorded at a lower rate has nothing above half of its rate.
    public var sampleRate = 0
    public var sourceSampleRate = 0
}

/// `earshot detect` on one file: decode (any format/rate → the model's rate, mono), then stream through
/// `Detector` in 4096-sample chunks — exactly as the daemon feeds it from the capture ring — after noise at
/// the file's own floor and before its end mirrored (`FileAnalyzer.padding`, `EdgePadding`), as if the file
/// were a slice of a microphone stream: a shot in a file's first or last tenth of a second, or a file shorter than one CNN
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
    /// parallel (`stream(samples:detectors:_:)`) and the result is the same as with the first alone. A file
    /// longer than `segmentSeconds` is decoded and analysed segment by segment (`SegmentedFile`): memory
    /// stays bounded (≈ one segment) whatever its length, with the same windows, scores and events.
    ///
    /// `normalize`: amplify the file first (`PeakNormalization`); a long file is then decoded twice, once
    /// for its peak. The result's `peak` is the file's own, its `gain` the one applied.
    /// `progress`: told the seconds of the file analysed so far — after each segment of a long file, and
    /// its whole duration at the end.
    /// `start`: analyse only the file's samples from this one on (at the model's rate), as if they were the
    /// whole file (`AudioFileStream(from:)`: times, duration and peak are the part's).
    public static func analyze(_ url: URL, detectors: [Detector], normalize: PeakNormalization? = nil,
                               segmentSeconds: Double = FileAnalyzer.segmentSeconds, from start: Int = 0,
                               progress: ((Double) -> Void)? = nil) throws -> FileResult {
        let stream = try AudioFileStream(url, sampleRate: detectors[0].sampleRate, from: start)
        let segment = Int(min(segmentSeconds, 1e7) * Double(stream.sampleRate))
        var head: [Float] = []
        head.reserveCapacity(stream.expectedSamples <= segment ? stream.expectedSamples + AudioFile.blockFrames : SegmentedFile.capacity(segment: segment))
        var more = true
        while more, head.count < segment { more = try stream.read(appendingTo: &head) }
        let peak = normalize == nil ? nil : more ? try filePeak(url, sampleRate: stream.sampleRate, from: start) : stream.peak
        let gain = peak.map { normalize!.gain(peak: $0) } ?? 1
        if gain != 1 { Self.scale(&head, by: gain) }
        var r: FileResult
        if !more {
            r = analyze(samples: head, detectors: detectors)
        } else {
            let file = SegmentedFile(head: head, rest: stream, segment: segment, detectors: detectors, gain: gain, progress: progress)
            head = []   // the segmented file holds the only reference
            r = try result(detectors[0]) { emit in try file.stream(emit) }
        }
        // the file's own loudest sample (`AudioFileStream.peak`), not the resampled one's
        r.peak = peak ?? stream.peak
        r.gain = gain
        r.damaged = stream.damaged
        r.sourceSampleRate = stream.sourceSampleRate
        progress?(r.duration)
        return r
    }

    /// Largest |sample| of the whole file at its own rate (`AudioFileStream.peak`), decoded block by block
    /// (bounded memory) as `analyze` decodes it.
    static func filePeak(_ url: URL, sampleRate: Int, from start: Int = 0) throws -> Float {
        let s = try AudioFileStream(url, sampleRate: sampleRate, from: start)
        var block: [Float] = [], more = true
        while more {
            block.removeAll(keepingCapacity: true)
            more = try s.read(appendingTo: &block)
        }
        return s.peak
    }

    /// x[from...] *= gain, in place.
    static func scale(_ x: inout [Float], from: Int = 0, by gain: Float) {
        x.withUnsafeMutableBufferPointer { b in for i in from..<b.count { b[i] *= gain } }
    }

    /// Files longer than this (seconds) are analysed segment by segment.
    public static let segmentSeconds = 600.0

    public static func analyze(samples: [Float], detector: Detector) -> FileResult {
        analyze(samples: samples, detectors: [detector])
    }

    /// Events, duration, peak score and window count of `samples`; the first detector's `onScore` (if set)
    /// sees every window in order.
    public static func analyze(samples: [Float], detectors: [Detector]) -> FileResult {
        result(detectors[0]) { emit in
            stream(samples: samples, detectors: detectors, emit)
            return (samples.count, PeakLevel.peak(samples), PeakLevel.clipped(samples))
        }
    }

    /// Runs `body` (which streams a file through `detector`, reporting to `emit`, and returns the file's
    /// sample count, peak sample and clipped samples) and collects the events, clipped to the file, its peak
    /// score and window count.
    private static func result(_ detector: Detector, _ body: ((DetectorOutput) -> Void) throws -> (count: Int, peak: Float, clipped: Int)) rethrows -> FileResult {
        var events: [DetectionEvent] = [], heard: [DetectionEvent] = []
        var maxScore: Float = 0
        let previous = detector.onScore
        detector.onScore = { t, s in maxScore = max(maxScore, s); previous?(t, s) }
        defer { detector.onScore = previous }
        let (count, peak, clipped) = try body { out in
            switch out {
            case let .ended(e): events.append(e)
            case let .heardInCooldown(e): heard.append(e)
            case .started: break
            }
        }
        let duration = Double(count) / Double(detector.sampleRate)
        return FileResult(events: events.map { $0.clipped(to: duration) }, heard: heard.map { $0.clipped(to: duration) }, duration: duration, maxScore: maxScore, windows: detector.windowsScored, peak: peak,
                          clippedSamples: clipped, sampleRate: detector.sampleRate)
    }

    /// Samples of padding streamed before (`lead`) and after (`tail`) a file of `count` samples: half a
    /// window, rounded down to whole hops so the windows over the file are the ones an unpadded stream
    /// would score (the same frames, so the same scores), plus the windows that see the file's edges in
    /// their middle; the tail also makes up a file shorter than a window to `minConsecutive` windows.
    public static func padding(samples count: Int, detector: Detector) -> (lead: Int, tail: Int) {
        let f = detector.model.features
        let hopSamples = detector.hopFrames * f.hop
        let lead = hopSamples * max(1, (f.windowFrames / 2) / detector.hopFrames)
        let window = f.windowSamples
        let needed = window + (detector.rule.minConsecutive - 1) * hopSamples
        return (lead, max(lead, needed - lead - count))
    }

    /// Resets `detector` and streams lead padding, `samples` and tail padding through it in `chunk`-sample
    /// blocks, then closes any open event; window and event times are seconds into `samples` (events may
    /// reach into the padding: `analyze` clips them). The lead is seeded noise at the file's floor
    /// (`NoiseFloor`, the filler the trainer uses where a window leaves its clip); the tail is the file's
    /// end mirrored (`EdgePadding`; floor noise after a clip shorter than the tail), so a file that ends on a
    /// loud sound does not end on a step.
    public static func stream(samples: [Float], detector: Detector, _ emit: (DetectorOutput) -> Void) {
        stream(samples: samples, detectors: [detector], emit)
    }

    /// Windows a worker scores at least: shorter files stay on one detector.
    public static let minWindowsPerWorker = StretchScorer.minWindows

    /// `stream(samples:detector:_:)` on several cores (`StretchScorer`): the padded stream's windows are cut
    /// into contiguous stretches, one per detector, scored in parallel; then the first detector replays
    /// all windows, in order, through its decision rule — the same windows, scores and events as one
    /// detector streaming the whole file (`FileAnalyzerTests`). All detectors must come from the same
    /// model and rule.
    public static func stream(samples: [Float], detectors: [Detector], _ emit: (DetectorOutput) -> Void) {
        let detector = detectors[0]
        let (lead, tail) = padding(samples: samples.count, detector: detector)
        let amplitude = NoiseFloor.amplitude(samples)
        var rng = SeededRNG(seed: UInt64(samples.count))
        let parts = [NoiseFloor.noise(count: lead, amplitude: amplitude, rng: &rng), samples,
                     EdgePadding.tail(samples[...], count: tail, amplitude: amplitude, rng: &rng)]
        let origin = Double(lead) / Double(detector.sampleRate)
        let windows = windowCount(samples: lead + samples.count + tail, detector: detector)
        detector.reset(timeOrigin: origin)
        if detectors.count == 1 || windows < 2 * minWindowsPerWorker {
            feed(parts, from: 0, to: Int.max, detector, emit)
        } else {
            let scorer = StretchScorer(detectors: detectors, origin: origin)
            for w in scorer.score(0..<windows, feed: { from, to, d in feed(parts, from: from, to: to, d) { _ in } }) { detector.replay(w, emit) }
        }
        detector.finish(emit)
    }

    /// Windows a stream of `samples` samples gives `detector` (one per hop once a window's frames are there).
    public static func windowCount(samples: Int, detector: Detector) -> Int {
        let f = detector.model.features
        let frames = LogMel.frameCount(samples: samples, config: f)
        return frames >= f.windowFrames ? (frames - f.windowFrames) / detector.hopFrames + 1 : 0
    }

    /// The stretches `stream(samples:detectors:_:)` scores on `parts` detectors, for a padded stream of
    /// `samples` samples.
    public static func split(samples: Int, detector: Detector, parts: Int) -> [Range<Int>] {
        StretchScorer.split(0..<windowCount(samples: samples, detector: detector), detector: detector, parts: parts)
    }

    /// Streams samples [from, to) of the concatenation of `parts` through `detector` in `chunk` blocks.
    static func feed(_ parts: [[Float]], from: Int, to: Int, _ detector: Detector, _ emit: (DetectorOutput) -> Void) {
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
