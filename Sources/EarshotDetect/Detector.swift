import EarshotDSP
import EarshotNN

/// The streaming detector: samples → log-mel frames (the MODEL's feature parameters and filterbank) → every
/// hop the CNN scores the last `windowFrames` frames → `EventTracker` → events. One implementation for
/// `earshot detect`, `earshotd` and the trainer's evaluation. No allocation per frame or per window.
public final class Detector {
    public let model: Model
    public private(set) var rule: DecisionRule
    public let hopFrames: Int
    private let extractor: LogMelExtractor
    private let session: InferenceSession
    /// Incremental scoring of overlapping windows (nil if the network cannot be streamed, or if disabled).
    private let stream: StreamingInference?
    private var tracker: EventTracker
    private let nMels: Int, frames: Int
    private let ring: UnsafeMutablePointer<Float>    // (frames, nMels): the last `frames` log-mel frames, circular
    private let energy: UnsafeMutablePointer<Float>  // (frames): mean log-mel per frame, same circular index
    private let window: UnsafeMutablePointer<Float>  // (1, nMels, frames) = (C, H = mel, W = time) for the CNN
    private var frameIndex = 0
    private let secondsPerFrame: Double
    private let frameSeconds: Double
    private var timeOrigin = 0.0
    private var firstFrame = 0                       // absolute index of the first frame since the restart

    /// Score of the most recent window (0 before the first).
    public private(set) var lastScore: Float = 0
    public private(set) var windowsScored = 0
    /// Called for every scored window with (window centre time, score) — for traces and evaluation.
    public var onScore: ((Double, Float) -> Void)?
    /// Called for every scored window with all of it (span, onset, score) — `earshot calibrate`.
    public var onWindow: ((ScoredWindow) -> Void)?
    /// When set, scored windows go here instead of to the decision rule (and `onScore`): a worker scoring
    /// a stretch of a file for `FileAnalyzer`, which replays them in order through one detector's rule.
    public var collect: ((ScoredWindow) -> Void)?

    /// - Parameter streaming: score windows incrementally (`StreamingInference`, same scores up to float
    ///   rounding, several times fewer FLOPs); false forces a full forward pass per window.
    public init(model: Model, rule: DecisionRule, threads: Int = 1, streaming: Bool = true) throws {
        try rule.validate()
        let f = model.features
        let want = Shape3(1, f.nMels, f.windowFrames)
        guard model.network.inputShape == want else {
            throw DetectorError.inputShape(model: model.name, network: model.network.inputShape.description, features: want.description)
        }
        guard model.melFilterbank.count == f.nMels * f.nBins else {
            throw DetectorError.filterbank(model: model.name, count: model.melFilterbank.count, expected: f.nMels * f.nBins)
        }
        self.model = model
        self.rule = rule
        extractor = try LogMelExtractor(config: f, filterbank: model.melFilterbank)
        session = try model.makeInference(threads: threads)
        stream = streaming ? StreamingInference(session: session) : nil
        tracker = EventTracker(rule: rule)
        nMels = f.nMels
        frames = f.windowFrames
        secondsPerFrame = Double(f.hop) / Double(f.sampleRate)
        frameSeconds = Double(f.nFFT) / Double(f.sampleRate)
        hopFrames = Self.frames(rule.hopSeconds, secondsPerFrame: secondsPerFrame)
        ring = .allocate(capacity: frames * nMels)
        energy = .allocate(capacity: frames)
        window = .allocate(capacity: frames * nMels)
    }

    deinit { ring.deallocate(); energy.deallocate(); window.deallocate() }

    /// Whether `update(rule:)` can take `rule`: it scores windows at the same hop (in whole feature frames).
    public func canUpdate(to rule: DecisionRule) -> Bool {
        Self.frames(rule.hopSeconds, secondsPerFrame: secondsPerFrame) == hopFrames
    }

    /// A hop in whole feature frames (at least one).
    private static func frames(_ hopSeconds: Double, secondsPerFrame: Double) -> Int { max(1, Int((hopSeconds / secondsPerFrame).rounded())) }

    /// Decides by `rule` from the next window on, keeping the features, the network's stream and the decision
    /// state (`EventTracker.update(rule:)`): no warm-up, nothing in progress lost — earshotd on a reload that
    /// changes the threshold, `min_consecutive`, `merge_gap` or `cooldown`.
    /// - Precondition: `canUpdate(to: rule)` (a new hop needs a new detector).
    public func update(rule new: DecisionRule) throws {
        try new.validate()
        precondition(canUpdate(to: new), "update(rule:) keeps the hop: \(rule.hopSeconds) s, not \(new.hopSeconds) s")
        rule = new
        tracker.update(rule: new)
    }

    /// True when windows are scored incrementally.
    public var isStreaming: Bool { stream != nil }

    /// Sample rate the detector expects (the model's).
    public var sampleRate: Int { model.features.sampleRate }

    /// Feeds mono samples at `sampleRate`; emits events as they are confirmed and closed.
    public func process(_ samples: UnsafeBufferPointer<Float>, _ emit: (DetectorOutput) -> Void) {
        extractor.push(samples) { frame in self.consume(frame, emit) }
    }

    public func process(_ samples: [Float], _ emit: (DetectorOutput) -> Void) {
        samples.withUnsafeBufferPointer { process($0, emit) }
    }

    /// Closes any open event (end of file or stream).
    public func finish(_ emit: (DetectorOutput) -> Void) { tracker.finish(emit) }

    /// The audio ended at `time` (stream seconds) and was scored to its end (`EventTracker.endOfAudio`).
    public func endOfAudio(at time: Double, _ emit: (DetectorOutput) -> Void) { tracker.endOfAudio(at: time, emit) }

    /// `seconds` of real time passed with no audio: the cooldown runs on through them (`EventTracker.passWithoutAudio`).
    public func passWithoutAudio(seconds: Double) { tracker.passWithoutAudio(seconds: seconds) }

    /// Forgets all state, e.g. after a capture gap. Times reported from then on (events, `onScore`) are
    /// seconds since the reset minus `timeOrigin`: `FileAnalyzer` streams `timeOrigin` seconds of padding
    /// before a file, so its times stay seconds into the file; earshotd, replacing its detector on a reload,
    /// passes minus the seconds it has heard, so its times stay seconds into the stream.
    public func reset(timeOrigin: Double = 0) {
        restartScoring(timeOrigin: timeOrigin, firstFrame: 0)
        tracker = EventTracker(rule: rule)
        lastScore = 0
        windowsScored = 0
    }

    /// Takes over `old`'s decision state — a run being confirmed, an open event, the cooldown, the event count —
    /// under this detector's rule: earshotd replacing its detector on a reload (a new model), so a shot the old
    /// one was confirming is not dropped and one it just reported is not reported again. Times must be on the
    /// same base (`reset(timeOrigin:)`).
    /// `scores: false` takes the decision state only, keeping this detector's `lastScore` and `windowsScored`.
    public func continueDecisions(from old: Detector, scores: Bool = true) {
        tracker = old.tracker
        tracker.update(rule: rule)
        guard scores else { return }
        lastScore = old.lastScore
        windowsScored = old.windowsScored
    }

    /// `reset` of the features and scoring only: the decision rule's state, `lastScore` and `windowsScored`
    /// stay (a detector that scores a stretch of a file for `FileAnalyzer` and also replays the file's
    /// windows). `firstFrame`: the absolute index of the next frame, so a worker that starts at frame f of
    /// a longer stream reports that stream's times.
    public func restartScoring(timeOrigin: Double, firstFrame: Int) {
        self.timeOrigin = timeOrigin
        self.firstFrame = firstFrame
        extractor.reset()
        stream?.reset()
        frameIndex = 0
    }

    /// The frame grid this detector's windows lie on (until the next `reset`/`restartScoring`): every
    /// `ScoredWindow` it scores is `windowGrid.window(first:onset:score:)`.
    public var windowGrid: WindowGrid {
        WindowGrid(secondsPerFrame: secondsPerFrame, frameSeconds: frameSeconds, windowFrames: frames, hopFrames: hopFrames, timeOrigin: timeOrigin)
    }

    /// Samples from the reset to the end of the first window: its last frame ends there.
    public var firstWindowSamples: Int { (frames - 1) * model.features.hop + model.features.nFFT }
    /// Samples between the ends of two scored windows.
    public var hopSamples: Int { hopFrames * model.features.hop }

    /// Samples to hold back from a detector started (or reset) at ring index `next` so that its windows end
    /// where capture blocks of `block` samples end (`blockEnd`: the ring index after a block), not just after:
    /// a window is scored when the block holding its last sample arrives, so a window that ends 82 ms into a
    /// 100 ms block (the 96-frame window's last 512-sample frame ends 352 samples after a hop) waits 18 ms for
    /// the rest of the block. Every window is aligned when `block` divides `hopSamples`
    /// (the default 100 ms period and hop), the first one otherwise. 0 when `block` is unknown (≤ 0).
    public func alignmentSkip(next: Int, blockEnd: Int, block: Int) -> Int {
        guard block > 0 else { return 0 }
        let d = (blockEnd - next - firstWindowSamples) % block
        return d < 0 ? d + block : d
    }

    /// Windows per alignment period: a stream started at a multiple of this many windows scores them
    /// exactly as a stream from the start does (incremental scoring pairs pooled columns by frame index).
    public var windowPeriod: Int {
        let p = stream?.columnPeriod ?? 1
        var w = 1
        while (w * hopFrames) % p != 0 { w += 1 }
        return w
    }

    /// Feeds one scored window to the decision rule (and `onScore`), as if this detector had scored it.
    public func replay(_ w: ScoredWindow, _ emit: (DetectorOutput) -> Void) {
        lastScore = w.score
        windowsScored += 1
        onScore?(w.centre, w.score)
        onWindow?(w)
        tracker.observe(score: w.score, windowStart: w.start, windowEnd: w.end, onset: w.onset, emit)
    }

    private func consume(_ frame: UnsafeBufferPointer<Float>, _ emit: (DetectorOutput) -> Void) {
        let slot = frameIndex % frames
        if let stream { stream.push(frame.baseAddress!) } else { (ring + slot * nMels).update(from: frame.baseAddress!, count: nMels) }
        var e: Float = 0
        for m in 0..<nMels { e += frame[m] }
        energy[slot] = e / Float(nMels)
        frameIndex += 1
        guard frameIndex >= frames, (frameIndex - frames) % hopFrames == 0 else { return }
        scoreWindow(emit)
    }

    /// Scores the window — incrementally, or by assembling it for a full forward pass (frames arrive as
    /// (frame, mel) rows; the CNN wants (mel, time)) — and finds its onset (steepest rise of mean log-mel).
    private func scoreWindow(_ emit: (DetectorOutput) -> Void) {
        let first = frameIndex - frames           // absolute index of the oldest frame
        var bestRise: Float = -.infinity, onsetFrame = first
        var prev = energy[first % frames]
        for t in 0..<frames {
            let slot = (first + t) % frames
            if stream == nil {
                let src = ring + slot * nMels
                for m in 0..<nMels { window[m * frames + t] = src[m] }
            }
            let cur = energy[slot]
            if t > 0, cur - prev > bestRise { bestRise = cur - prev; onsetFrame = first + t }
            prev = cur
        }
        let score = stream?.gunshotProbability() ?? session.gunshotProbability(window)
        let w = windowGrid.window(first: firstFrame + first, onset: firstFrame + onsetFrame, score: score)
        if let collect { collect(w) } else { replay(w, emit) }
    }
}
