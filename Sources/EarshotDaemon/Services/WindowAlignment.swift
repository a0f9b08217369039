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
/// liveness monitor get every sample. A kept detector keeps its grid (a device re-opened after a loss starts its
/// blocks elsewhere: up to one block of wait again until the next new detector).
struct WindowAlignment {
    enum Start: Equatable {
        /// Samples held back from the detector.
        case skip(Int)
        /// Samples of the audio already heard fed to it first.
        case warm(Int)
    }

    /// True until the current detector has been aligned.
    private(set) var pending = true
    /// Samples still to hold back from the detector.
    private(set) var skip = 0

    /// A new detector (a reload): align it before it gets any sample.
    mutating func detectorReplaced() { pending = true; skip = 0 }

    /// Aligns `detector` — its scoring restarted, nothing fed to it yet; its decision state is kept — if capture
    /// is open (`block` > 0): the detector starts at ring index `next` (stream position `consumed`); `blockEnd` is
    /// a ring index where a block ends (`CaptureThread.lastBlockEnd`: not the ring's end before the open's first
    /// block, which for a resampled device is no block end); `heard`: samples of the stream before `next`
    /// that can be fed to it (0: start cold). Returns how it starts (for `.warm(n)` the caller feeds it the last
    /// n samples heard), or nil while capture is not open.
    mutating func align(_ detector: Detector, next: Int, blockEnd: Int, block: Int, consumed: Int, heard: Int = 0) -> Start? {
        guard pending, block > 0 else { return nil }
        pending = false
        var toBlockEnd = (blockEnd - next) % block
        if toBlockEnd <= 0 { toBlockEnd += block }
        let warm = detector.firstWindowSamples - toBlockEnd
        if warm >= 0 && warm <= heard && warm <= consumed {
            skip = 0
            detector.restartScoring(timeOrigin: -Double(consumed - warm) / Double(detector.sampleRate), firstFrame: 0)
            return .warm(warm)
        }
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
