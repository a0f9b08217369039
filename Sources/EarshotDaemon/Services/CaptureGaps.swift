import Synchronization

/// Where the captured stream is not continuous: ring indices (`SampleRing.totalWritten` at that moment) before
/// which audio was lost — an ALSA overrun, a device reopened after a loss. The capture thread records a gap
/// before it writes the first sample after it; the detection loop's `CaptureReader`, after a ring read, asks which
/// of the block's samples start a new stretch, so nothing downstream (a site recording, an evidence clip) joins
/// two stretches as if they were one. Keeps the last `capacity` gaps: older ones lie far behind any reader.
///
/// Ordering: `record` happens before the ring publishes the samples after the gap, and the reader asks after
/// its ring read (which acquired them), so a reader that has a gap's following samples also sees the gap.
public final class CaptureGaps: Sendable {
    public static let capacity = 8
    private let gaps: Mutex<[Int]>

    public init() {
        var a: [Int] = []
        a.reserveCapacity(Self.capacity)
        gaps = Mutex(a)
    }

    /// Capture thread: the sample at ring index `index` (the ring's `totalWritten` now) starts a new stretch.
    public func record(_ index: Int) {
        gaps.withLock { g in
            if g.last == index { return }
            if g.count == Self.capacity { g.removeFirst() }
            g.append(index)
        }
    }

    /// Detection loop: the first recorded gap in `range` (ring indices), if any. No allocation.
    public func first(in range: Range<Int>) -> Int? {
        gaps.withLock { g in g.first { range.contains($0) } }
    }
}
