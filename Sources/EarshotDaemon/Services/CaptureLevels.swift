import EarshotDSP
import Synchronization

/// The microphone's `LevelBlock`s, counted by the capture thread at the device's own rate (before libsoxr) and
/// handed to the detection loop's `LivenessMonitor` in step with the audio: each block is tagged with the ring
/// index where the samples of the read it ended in end, and the loop takes a block once it has read them.
/// (Untagged, a capture running ahead of the loop — unpaced tests, `--replay` — handed a warning and its recovery
/// over at once.)
/// Holds as many blocks as the ring holds audio (and two more): a loop that falls further behind misses the oldest,
/// as it misses the ring's oldest samples.
///
/// Ordering: the capture thread pushes a block before it writes its read's samples to the ring, so a loop that
/// has read those samples finds the block too (and at `--exit-at-end`, the last one).
public final class CaptureLevels: Sendable {
    /// A fixed circular queue: pushing never allocates, nor shifts what it holds.
    private struct Queue {
        var items: [(index: Int, block: LevelBlock)]
        var head = 0, count = 0
        subscript(k: Int) -> (index: Int, block: LevelBlock) { items[(head + k) % items.count] }
    }
    /// The blocks it holds at most.
    public let capacity: Int
    private let queue: Mutex<Queue>
    private let clipLevelBits: Atomic<UInt32>

    /// Room for `seconds` of 100 ms blocks (the ring's length), and two more.
    public init(seconds: Double, clipLevel: Float = PeakLevel.clipLevel) {
        capacity = Int((seconds * 10).rounded(.up)) + 2
        let empty = LevelBlock(seconds: 0, silent: false, constant: nil, clipped: 0, samples: 0)
        queue = Mutex(Queue(items: Array(repeating: (0, empty), count: capacity)))
        clipLevelBits = Atomic(clipLevel.bitPattern)
    }

    /// `liveness.clip_level`: set by the detection loop (at start and reload), read by the capture thread.
    public var clipLevel: Float {
        get { Float(bitPattern: clipLevelBits.load(ordering: .relaxed)) }
        set { clipLevelBits.store(newValue.bitPattern, ordering: .relaxed) }
    }

    /// Capture thread: one block counted, which ended in the read whose samples go to the ring up to `index`
    /// (before they are written). No allocation (the oldest unread block makes room).
    public func push(_ b: LevelBlock, at index: Int) {
        queue.withLock { q in
            if q.count == q.items.count { q.head = (q.head + 1) % q.items.count; q.count -= 1 }
            q.items[(q.head + q.count) % q.items.count] = (index, b)
            q.count += 1
        }
    }

    /// Detection loop: the blocks pushed at ring indices up to `index` (where its reading has reached), oldest
    /// first, each once (`body` runs under the lock: keep it short and never push from it). No allocation.
    public func drain(upTo index: Int = .max, _ body: (LevelBlock) -> Void) {
        queue.withLock { q in
            while q.count > 0 && q[0].index <= index {
                body(q[0].block)
                q.head = (q.head + 1) % q.items.count; q.count -= 1
            }
        }
    }
}
