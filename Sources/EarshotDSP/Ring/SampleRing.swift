import Synchronization

/// Lock-free single-producer single-consumer ring of Float samples (the capture thread → detector hand-off).
///
/// Preallocated, power-of-two capacity, overwrite-oldest: the producer never waits and never blocks; when the
/// consumer falls more than `capacity` samples behind, the oldest unread samples are lost and counted in
/// `overrunSamples`.
///
/// Design (ref: Lamport SPSC queue with monotonically increasing indices; seqlock-style validation after the
/// copy as in Boehm, "Can seqlocks get along with programming language memory models?", MSPC 2012):
/// - indices are total sample counts that never wrap (Int is 64-bit); slot of index i is `i & mask`.
/// - the producer owns `claimed` and `published`, the consumer owns `readIndex`; the producer never touches
///   the consumer's index, so overwrite-oldest needs no compare-and-swap.
/// - write: `claimed = w + n`, release fence, copy, `published = w + n` (release).
/// - read: `w = published` (acquire); if `w − r > capacity` the consumer was lapped and skips forward; copy;
///   acquire fence; `c = claimed`. Any sample with index < c − capacity may have been overwritten during the
///   copy, so it is discarded and counted as overrun. A returned sample is therefore never one the producer was
///   overwriting at the same time.
///
/// Exactly one thread may call `write`, and exactly one (other) thread `read`; `available`, `overrunSamples`
/// and `totalWritten` may be read from anywhere.
public final class SampleRing: @unchecked Sendable {
    /// Number of samples the ring holds (a power of two).
    public let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Float> // (capacity)
    /// Producer: end of the write in progress (≥ published).
    private let claimed = Atomic<Int>(0)
    /// Producer: every index below this is written and visible.
    private let published = Atomic<Int>(0)
    /// Consumer: next index to return.
    private let readIndex = Atomic<Int>(0)
    /// Consumer: samples the consumer found overwritten and skipped.
    private let dropped = Atomic<Int>(0)
    /// Consumer: of those, samples copied but discarded by the post-copy re-check (for tests).
    let staleDiscarded = Atomic<Int>(0)

    /// - Parameter capacity: minimum number of samples; rounded up to a power of two (at least 2).
    public init(capacity: Int) {
        precondition(capacity > 0 && capacity <= 1 << 40, "SampleRing capacity must be in 1...2^40, got \(capacity)")
        var c = 2
        while c < capacity { c <<= 1 }
        self.capacity = c
        mask = c - 1
        storage = .allocate(capacity: c)
        storage.initialize(repeating: 0, count: c)
    }

    deinit { storage.deallocate() }

    /// Samples written since creation (producer's count).
    public var totalWritten: Int { published.load(ordering: .acquiring) }

    /// Consumer: index of the next sample `read` returns, unless the producer laps the consumer first (the
    /// samples a `read` returned are the `count` before its value after the read).
    public var readPosition: Int { readIndex.load(ordering: .relaxed) }

    /// Samples the consumer can read now (at most `capacity`).
    public var available: Int {
        let r = readIndex.load(ordering: .acquiring)
        return min(published.load(ordering: .acquiring) - r, capacity)
    }

    /// Total samples lost to overwrite-oldest so far: those the consumer skipped plus those it has been lapped by
    /// and not yet skipped. After the consumer drains the ring, `samples read + overrunSamples == totalWritten`.
    /// Exact on the consumer thread; from another thread it may be off while a `read` is in progress.
    public var overrunSamples: Int {
        let r = readIndex.load(ordering: .acquiring)
        let d = dropped.load(ordering: .acquiring)
        return d + max(0, published.load(ordering: .acquiring) - r - capacity)
    }

    /// Producer: appends `samples`, overwriting the oldest unread samples when the ring is full. Never blocks,
    /// never allocates. A chunk longer than `capacity` keeps only its last `capacity` samples.
    public func write(_ samples: UnsafeBufferPointer<Float>) {
        let n = samples.count
        guard n > 0, let base = samples.baseAddress else { return }
        let w = published.load(ordering: .relaxed) // own index
        let end = w + n
        claimed.store(end, ordering: .relaxed)
        // Orders the claim before the data stores below (seqlock writer: the release fence after the
        // sequence store).
        atomicMemoryFence(ordering: .releasing)
        let keep = min(n, capacity)
        var src = base + (n - keep)
        var i = end - keep
        var left = keep
        while left > 0 {
            let slot = i & mask
            let run = min(left, capacity - slot)
            (storage + slot).update(from: src, count: run)
            src += run; i += run; left -= run
        }
        published.store(end, ordering: .releasing)
    }

    /// Producer convenience for arrays.
    public func write(_ samples: [Float]) {
        samples.withUnsafeBufferPointer { write($0) }
    }

    /// Consumer: copies up to `destination.count` of the oldest unread samples to the front of `destination`
    /// and returns how many. Returns 0 when the ring is empty — or when the producer overwrote everything this
    /// read copied: those samples are skipped all the same (counted in `overrunSamples`), so a consumer that
    /// needs to know where the stream breaks compares the returned samples' first index (`readPosition` minus
    /// the count) with the index after the last sample it got, not with `readPosition` before the read.
    /// Never blocks, never allocates.
    public func read(into destination: UnsafeMutableBufferPointer<Float>) -> Int {
        guard let dst = destination.baseAddress, destination.count > 0 else { return 0 }
        var r = readIndex.load(ordering: .relaxed) // own index
        let w = published.load(ordering: .acquiring)
        var lost = 0
        if w - r > capacity { // lapped: the oldest samples are gone
            lost = w - capacity - r
            r = w - capacity
        }
        let k = min(w - r, destination.count)
        var i = r, out = dst, left = k
        while left > 0 {
            let slot = i & mask
            let run = min(left, capacity - slot)
            out.update(from: storage + slot, count: run)
            out += run; i += run; left -= run
        }
        // Seqlock reader: the copy above happens before the re-check of the producer's claim.
        atomicMemoryFence(ordering: .acquiring)
        let c = claimed.load(ordering: .relaxed)
        // Indices below c − capacity may have been overwritten while we copied.
        let stale = min(k, max(0, c - capacity - r))
        if stale > 0, k > stale { dst.update(from: dst + stale, count: k - stale) }
        lost += stale
        if stale > 0 { staleDiscarded.store(staleDiscarded.load(ordering: .relaxed) + stale, ordering: .relaxed) }
        if lost > 0 { dropped.store(dropped.load(ordering: .relaxed) + lost, ordering: .releasing) }
        readIndex.store(r + k, ordering: .releasing)
        return k - stale
    }
}
