import Dispatch

/// n items split into contiguous, non-empty shares for up to `parts` threads — how a batch is divided
/// between training workers (`TrainingSession`) and between the trainer's batch-preparation threads.
public struct Shares: Sendable {
    public let count: Int
    /// Items per share (the last may hold fewer) and shares used (≤ parts, all non-empty).
    public let per: Int, used: Int

    public init(_ n: Int, parts: Int) {
        count = max(0, n)
        let p = max(1, min(parts, count))
        per = max(1, (count + p - 1) / p)
        used = count == 0 ? 0 : (count + per - 1) / per
    }

    /// Items of share j.
    public func range(_ j: Int) -> Range<Int> { (j * per)..<min(count, (j + 1) * per) }

    /// Share j's fraction of the items.
    public func fraction(_ j: Int) -> Float { Float(range(j).count) / Float(count) }

    /// Runs body(j) for every share: inline for one, on `used` concurrent threads otherwise.
    public func run(_ body: (Int) -> Void) {
        if used == 1 { body(0) } else if used > 1 { DispatchQueue.concurrentPerform(iterations: used, execute: body) }
    }
}
