import EarshotDetect

/// Lines a fresh detector's windows up with the capture blocks, so each window is scored the moment the block
/// holding its last sample arrives: the detector skips the first `Detector.alignmentSkip` samples (< one
/// block) of its stream, and its times stay on the stream's time base. The clip recorder, the site recording
/// and the liveness monitor get every sample. With the default 100 ms period and hop this takes the 18 ms a
/// window otherwise waits for the rest of its block off every alert.
///
/// Aligned when a detector starts: at start-up and when a reload makes a new one, once capture is open. A
/// kept detector keeps its grid (a device re-opened after a loss starts its blocks elsewhere: up to one block
/// of wait again until the next new detector).
struct WindowAlignment {
    /// True until the current detector has been aligned.
    private(set) var pending = true
    /// Samples still to hold back from the detector.
    private(set) var skip = 0

    /// A new detector (a reload): align it before it gets any sample.
    mutating func detectorReplaced() { pending = true; skip = 0 }

    /// Aligns `detector` — reset, nothing fed to it yet — if capture is open (`block` > 0): the detector will
    /// start at ring index `next` (stream position `consumed`); `blockEnd` is a ring index where a block ends
    /// (the ring's `totalWritten`). Returns the samples it will skip, or nil while capture is not open.
    mutating func align(_ detector: Detector, next: Int, blockEnd: Int, block: Int, consumed: Int) -> Int? {
        guard pending, block > 0 else { return nil }
        pending = false
        skip = detector.alignmentSkip(next: next, blockEnd: blockEnd, block: block)
        detector.reset(timeOrigin: -Double(consumed + skip) / Double(detector.sampleRate))
        return skip
    }

    /// The part of `block` the detector gets: all of it once the skip is used up.
    mutating func detectorPart(of block: UnsafeBufferPointer<Float>) -> UnsafeBufferPointer<Float> {
        guard skip > 0 else { return block }
        let k = min(skip, block.count)
        skip -= k
        return UnsafeBufferPointer(rebasing: block[k...])
    }
}
