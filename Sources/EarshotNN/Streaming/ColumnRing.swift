/// A ring of time columns of one feature map, channel-last: column k is (H, C) floats, `rowLength = H·C`.
/// Columns are addressed by absolute index; `[start, end)` are the valid ones (at most `capacity`).
/// Used by `StreamingInference` to keep each layer's activations of the stream, so overlapping windows
/// reuse them instead of recomputing.
final class ColumnRing {
    let rowLength: Int
    let capacity: Int
    private let data: UnsafeMutablePointer<Float>
    private(set) var start = 0
    private(set) var end = 0

    init(rowLength: Int, capacity: Int) {
        precondition(rowLength > 0 && capacity > 0)
        self.rowLength = rowLength
        self.capacity = capacity
        data = .allocate(capacity: rowLength * capacity)
        data.initialize(repeating: 0, count: rowLength * capacity)
    }

    deinit { data.deallocate() }

    func contains(_ k: Int) -> Bool { k >= start && k < end }

    /// Column k (must be valid).
    func column(_ k: Int) -> UnsafeMutablePointer<Float> {
        precondition(contains(k), "column \(k) outside [\(start), \(end))")
        return data + slot(k) * rowLength
    }

    /// Makes room for column `end` (or for `k` after a gap: the ring then restarts at k) and returns it.
    func append(at k: Int) -> UnsafeMutablePointer<Float> {
        precondition(k >= end || end == start, "columns are appended in order")
        if k != end || end == start { start = k; end = k }
        end += 1
        if end - start > capacity { start = end - capacity }
        return data + slot(k) * rowLength
    }

    private func slot(_ k: Int) -> Int { ((k % capacity) + capacity) % capacity }

    func reset() { start = 0; end = 0 }
}
