import EarshotDetect

/// Lines a fresh detector's windows up with the capture blocks, so each window is scored the moment the block
/// holding its last sample arrives, and starts a detector that replaces another in mid-stream (a reload with a
/// new model) warm, from the audio just heard, so it scores from the next block on instead of a window later.
///
/// - Cold (at start-up, or without enough audio heard): the detector skips the first `Detector.alignmentSkip`
///   samples (< one block) of its stream. With the default 100 ms period and hop this takes the 18 ms a window
///   otherwise waits for the rest of its block off every alert.
/// - Warm: the detector is first fed the last `firstWindowSamples − d` samples heard, d being the distance to the
///   next block end, so its first window ends there — the window after the old detector's last one, no window
///   scored twice.
///
/// Either way its times stay on the stream's time base, and the clip recorder, the site recording and the
/// liveness monitor get every sample.
///
/// A kept detector is lined up again when the device's blocks start afresh (`reopened`: the device re-opened after
/// a loss, or a reload that made a new capture thread): a resampled device's first block is its lag short, so the
/// new blocks end that far (244 samples at 48 kHz) before the old grid's window ends, and every window after would
/// wait most of a block (85 ms at 48 kHz). It starts warm, its decision state kept.
///
/// The decision rule counts windows, so a grid lined up again never scores a window less than a hop after the old
/// grid's last one: its first window ends at the first block end at or after where the old grid's next window
/// would have ended (`notBefore`).
struct WindowAlignment {
    enum Start: Equatable {
        /// Samples held back from the detector.
        case skip(Int)
        /// Samples of the audio already heard fed to it first.
        case warm(Int)
        /// A kept detector left on its grid: too little audio heard to start it warm.
        case kept
    }

    /// True until the current detector has been aligned.
    private(set) var pending = true
    /// Samples still to hold back from the detector.
    private(set) var skip = 0
    /// The stream position (`consumed`'s count) where the old grid's next window would end: the new grid's first
    /// window ends no earlier. Nil for a first grid.
    private(set) var notBefore: Int?
    /// The detector to align is the one already running (`reopened`): it is never restarted cold.
    private(set) var keepsDetector = false

    /// A new detector (a reload): align it before it gets any sample. `notBefore`: where the replaced detector's next
    /// window would have ended (`nextWindowEnd`), nil if it had no grid yet or the stream's rate changed.
    mutating func detectorReplaced(notBefore: Int? = nil) { pending = true; skip = 0; self.notBefore = notBefore; keepsDetector = false }

    /// The device's blocks start afresh (`CaptureThread.openNumber` changed): line the running detector up with
    /// them, from the open's first block on. `notBefore`: where its next window would have ended (`nextWindowEnd`).
    mutating func reopened(notBefore: Int) { pending = true; skip = 0; self.notBefore = notBefore; keepsDetector = true }

    /// Where the next window of a grid whose windows start every `hop` from stream position `origin` ends, first
    /// window `firstWindow` samples long, after `consumed` samples of the stream (a window ending there is scored).
    static func nextWindowEnd(origin: Int, firstWindow: Int, hop: Int, consumed: Int) -> Int {
        let first = origin + firstWindow
        guard consumed >= first, hop > 0 else { return first }
        return first + ((consumed - first) / hop + 1) * hop
    }

    /// Aligns `detector` — its scoring restarted, nothing fed to it yet; its decision state is kept — if capture
    /// is open (`block` > 0): the detector starts at ring index `next` (stream position `consumed`); `blockEnd` is
    /// a ring index where a block ends (`CaptureThread.lastBlockEnd`: not the ring's end before the open's first
    /// block, which for a resampled device is no block end); `heard`: samples of the stream before `next`
    /// that can be fed to it (0: start cold). Returns how it starts (for `.warm(n)` the caller feeds it the last
    /// n samples heard), or nil while capture is not open.
    mutating func align(_ detector: Detector, next: Int, blockEnd: Int, block: Int, consumed: Int, heard: Int = 0) -> Start? {
        guard pending, block > 0 else { return nil }
        pending = false
        // the first block end after `next`, and at or after `notBefore` (mapped from the stream to the ring)
        let target = next + max(1, (notBefore ?? consumed) - consumed)
        var toTarget = (blockEnd - target) % block
        if toTarget < 0 { toTarget += block }
        let toBlockEnd = target - next + toTarget
        let warm = detector.firstWindowSamples - toBlockEnd
        if warm >= 0 && warm <= heard && warm <= consumed {
            skip = 0
            detector.restartScoring(timeOrigin: -Double(consumed - warm) / Double(detector.sampleRate), firstFrame: 0)
            return .warm(warm)
        }
        if keepsDetector { return .kept }   // restarted cold it would score nothing for a window: a late block is better
        skip = detector.alignmentSkip(next: next, blockEnd: blockEnd, block: block)
        detector.restartScoring(timeOrigin: -Double(consumed + skip) / Double(detector.sampleRate), firstFrame: 0)
        return .skip(skip)
    }

    /// The part of `block` the detector gets: all of it once the skip is used up.
    mutating func detectorPart(of block: UnsafeBufferPointer<Float>) -> UnsafeBufferPointer<Float> {
        guard skip > 0 else { return block }
        let k = min(skip, block.count)
        skip -= k
        return UnsafeBufferPointer(rebasing: block[k...])
    }
}
