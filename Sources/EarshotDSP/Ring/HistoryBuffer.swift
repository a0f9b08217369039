/// Single-thread circular buffer of the most recent `capacity` samples, preallocated — e.g. the evidence-clip
/// writer's pre-roll. `append` and `copyLast` never allocate (the storage is uniquely owned; do not copy the
/// buffer around on a hot path, or the first append after a copy duplicates the storage).
public struct HistoryBuffer: Sendable {
    /// Samples kept.
    public let capacity: Int
    private var storage: [Float] // (capacity), circular
    private var next = 0         // slot of the next append
    /// Samples appended since creation or `reset()`.
    public private(set) var totalAppended = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "HistoryBuffer capacity must be positive, got \(capacity)")
        self.capacity = capacity
        storage = [Float](repeating: 0, count: capacity)
    }

    /// Samples currently held: min(totalAppended, capacity).
    public var count: Int { min(totalAppended, capacity) }

    /// Forgets everything (keeps the storage).
    public mutating func reset() {
        next = 0
        totalAppended = 0
    }

    public mutating func append(_ sample: Float) {
        storage[next] = sample
        next = next + 1 == capacity ? 0 : next + 1
        totalAppended += 1
    }

    /// Appends a chunk; a chunk longer than `capacity` keeps only its last `capacity` samples.
    public mutating func append(_ samples: UnsafeBufferPointer<Float>) {
        guard let base = samples.baseAddress, samples.count > 0 else { return }
        let keep = min(samples.count, capacity)
        var src = base + (samples.count - keep)
        var left = keep
        let cap = capacity
        var slot = next
        storage.withUnsafeMutableBufferPointer { s in
            while left > 0 {
                let run = min(left, cap - slot)
                (s.baseAddress! + slot).update(from: src, count: run)
                src += run; left -= run
                slot = slot + run == cap ? 0 : slot + run
            }
        }
        next = slot
        totalAppended += samples.count
    }

    public mutating func append(_ samples: [Float]) {
        samples.withUnsafeBufferPointer { append($0) }
    }

    /// Copies the last `n` samples (oldest first) to the front of `destination`.
    /// - Precondition: n ≤ count and n ≤ destination.count.
    public func copyLast(_ n: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(n >= 0 && n <= count, "copyLast(\(n)): only \(count) samples held")
        precondition(n <= destination.count, "copyLast(\(n)): destination holds only \(destination.count)")
        guard n > 0, let dst = destination.baseAddress else { return }
        var slot = next - n
        if slot < 0 { slot += capacity }
        let first = min(n, capacity - slot)
        storage.withUnsafeBufferPointer { s in
            dst.update(from: s.baseAddress! + slot, count: first)
            if n > first { (dst + first).update(from: s.baseAddress!, count: n - first) }
        }
    }

    /// The last `n` samples (oldest first) as a new array — allocates; not for hot paths.
    public func last(_ n: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            copyLast(n, into: buf)
            initialized = n
        }
    }
}
