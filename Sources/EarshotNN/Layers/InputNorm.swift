/// Per-window mean subtraction of the log-mel input, so a gain (an additive constant on log-mel) cannot
/// change the output: y = x − mean(x), the mean over all of (H, W) ("global") or over W per row ("band").
/// Backward: dx = dy − mean(dy) over the same set (the projection is symmetric).
/// ref: cepstral mean normalisation (Atal 1974); applied per window as in Earshot's issue 4 lesson 2.
public final class InputNorm: Layer {
    public enum Mode: String, Codable, Sendable { case global, band }
    public let inShape: Shape3
    public var outShape: Shape3 { inShape }
    public let mode: Mode
    public init(shape: Shape3, mode: Mode) { inShape = shape; self.mode = mode }

    /// Subtracts the mean of each group of `len` consecutive values (`groups` of them).
    private static func center(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, groups: Int, len: Int) {
        for g in 0..<groups {
            let p = x + g * len, q = y + g * len
            var s: Float = 0
            for j in 0..<len { s += p[j] }
            let m = s / Float(len)
            for j in 0..<len { q[j] = p[j] - m }
        }
    }

    private var group: (count: Int, len: Int) {
        mode == .global ? (inShape.c, inShape.h * inShape.w) : (inShape.c * inShape.h, inShape.w)
    }

    // in: x (N, C, H, W) → out: y (same)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        Self.center(x, y, groups: n * group.count, len: group.len)
    }

    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        Self.center(dy, dx, groups: n * group.count, len: group.len)
    }
}
