import EarshotDSP
import Synchronization

/// The microphone's `LevelBlock`s, counted by the capture thread at the device's own rate (before libsoxr) and
/// handed to the detection loop's `LivenessMonitor` in step with the audio: each block is tagged with the ring
/// index where the samples of the read it ended in end, and the loop takes a block once it has read them. (Untagged, a capture
/// running ahead of the loop — unpaced tests, `--replay` — handed a warning and its recovery over at once.)
/// Holds the last `capacity` blocks (6.4 s): a loop that falls further behind misses the oldest, as it misses the
/// ring's oldest samples.
///
/// Ordering: the capture thread pushes a block before it writes its read's samples to the ring, so a loop that
/// has read those samples finds the block too (and at `--exit-at-end`, the last one).
public final class CaptureLevels: Sendable {
    public static let capacity = 64
    private let blocks: Mutex<[(index: Int, block: LevelBlock)]>
    private let clipLevelBits: Atomic<UInt32>
    private let droppedCount = Atomic<Int>(0)

    public init(clipLevel: Float = PeakLevel.clipLevel) {
        var a: [(index: Int, block: LevelBlock)] = []
        a.reserveCapacity(Self.capacity)
        blocks = Mutex(a)
        clipLevelBits = Atomic(clipLevel.bitPattern)
    }

    /// `liveness.clip_level`: set by the detection loop (at start and reload), read by the capture thread.
    public var clipLevel: Float {
        get { Float(bitPattern: clipLevelBits.load(ordering: .relaxed)) }
        set { clipLevelBits.store(newValue.bitPattern, ordering: .relaxed) }
    }

    /// Blocks pushed out unread because the loop was more than `capacity` blocks behind.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Capture thread: one block counted, which ended in the read whose samples go to the ring up to `index`
    /// (before they are written). No allocation (the oldest unread block makes room).
    public func push(_ b: LevelBlock, at index: Int) {
        blocks.withLock { q in
            if q.count == Self.capacity { q.removeFirst(); droppedCount.add(1, ordering: .relaxed) }
            q.append((index, b))
        }
    }

    /// Detection loop: the blocks pushed at ring indices up to `index` (where its reading has reached), oldest
    /// first, each once (`body` runs under the lock: keep it short and never push from it). No allocation.
    public func drain(upTo index: Int = .max, _ body: (LevelBlock) -> Void) {
        blocks.withLock { q in
            var k = 0
            while k < q.count && q[k].index <= index { body(q[k].block); k += 1 }
            if k == q.count { q.removeAll(keepingCapacity: true) } else if k > 0 { q.removeFirst(k) }
        }
    }
}
