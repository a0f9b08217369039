import Synchronization

/// Where the captured stream is not continuous: ring indices (`SampleRing.totalWritten` at that moment) before
/// which audio was lost — an ALSA overrun, a device reopened after a loss. The capture thread records a gap
/// before it writes the first sample after it; the detection loop's `CaptureReader`, after a ring read, asks which
/// of the block's samples start a new stretch, so nothing downstream (a site recording, an evidence clip) joins
/// two stretches as if they were one. Keeps the last `capacity` gaps: older ones lie far behind any reader —
/// unless the reader is held up between its ring read and its question for as many gaps as that: 64 by
/// default, 6.4 s of an overrun in every 100 ms period while the detection loop stands between two statements.
/// (8 were too few for `CaptureReaderTests`' producer, which records a gap every ≈ 6,400 samples flat out: on a
/// loaded CI box a reader descheduled there for ≈ 10 ms found the gap in what it had read already gone, and
/// joined two stretches.)
///
/// Ordering: `record` happens before the ring publishes the samples after the gap, and the reader asks after
/// its ring read (which acquired them), so a reader that has a gap's following samples also sees the gap.
public final class CaptureGaps: Sendable {
    public static let defaultCapacity = 64
    /// How many gaps are kept.
    public let capacity: Int
    private let gaps: Mutex<[Int]>

    public init(capacity: Int = CaptureGaps.defaultCapacity) {
        self.capacity = max(1, capacity)
        var a: [Int] = []
        a.reserveCapacity(self.capacity)
        gaps = Mutex(a)
    }

    /// Capture thread: the sample at ring index `index` (the ring's `totalWritten` now) starts a new stretch.
    public func record(_ index: Int) {
        gaps.withLock { g in
            if g.last == index { return }
            if g.count == capacity { g.removeFirst() }
            g.append(index)
        }
    }

    /// Detection loop: the first recorded gap in `range` (ring indices), if any. No allocation.
    public func first(in range: Range<Int>) -> Int? {
        gaps.withLock { g in g.first { range.contains($0) } }
    }
}
