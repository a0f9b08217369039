import EarshotDSP

/// The detection loop's side of the capture ring: reads blocks and hands them on as pieces of contiguous
/// audio, each marked when it starts a new stretch, so nothing downstream (a site recording, an evidence clip)
/// joins two stretches as if they were one. A new stretch starts
/// - where samples were lost since the last sample this reader returned: the ring lapped the loop, or a read
///   found that what it copied had been overwritten meanwhile (`SampleRing.read`'s discard-after-copy) — which
///   can be everything it copied, so that read returns nothing yet skips samples;
/// - at a gap the capture thread recorded (`CaptureGaps`: an overrun, the device reopened).
/// Continuity is judged against the ring index after the last sample returned (`next`), never against the
/// ring's read position before a read: after a read that returned nothing, the two differ.
struct CaptureReader {
    let ring: SampleRing
    let gaps: CaptureGaps
    /// Ring index of the sample that continues the stretch read so far.
    private(set) var next: Int

    init(ring: SampleRing, gaps: CaptureGaps) {
        self.ring = ring; self.gaps = gaps
        next = ring.readPosition
    }

    /// Reads up to `buffer.count` samples (`SampleRing.read`) and calls `piece` for each contiguous part of
    /// them, in order, with whether it starts a new stretch. Returns the samples read and those lost before
    /// them since the previous read (0 when the stream is continuous).
    mutating func read(into buffer: UnsafeMutableBufferPointer<Float>,
                       _ piece: (UnsafeBufferPointer<Float>, _ startsStretch: Bool) -> Void) -> (read: Int, lost: Int) {
        let n = ring.read(into: buffer)
        guard n > 0, let base = buffer.baseAddress else { return (0, 0) }
        let start = ring.readPosition - n   // the returned samples are the n before the read position
        let lost = start - next
        var i = 0
        while i < n {
            let fresh = (i == 0 && lost != 0) || gaps.first(in: (start + i)..<(start + i + 1)) != nil
            let end = gaps.first(in: (start + i + 1)..<(start + n)).map { $0 - start } ?? n
            piece(UnsafeBufferPointer(start: base + i, count: end - i), fresh)
            i = end
        }
        next = start + n
        return (n, lost)
    }
}
