/// Global mean-plus-max pooling over time: the map is averaged over frequency, then the time profile's mean
/// and its maximum are added,
///   m[c, w] = mean_h x[c, h, w];   y[c] = mean_w m[c, w] + max_w m[c, w]
///   dx[c, h, w] = dy[c] / (H·W) + dy[c] / H · [w = argmax_w m[c, w]]   (first maximum on ties).
/// The average alone (`GlobalAvgPool`) measures how much of the window looks like a shot, so a 50 ms
/// transient is diluted by a window of crowd or music around it; the max term keeps its strongest moment.
/// ref: Kong et al. 2020, "PANNs: Large-Scale Pretrained Audio Neural Networks for Audio Pattern
/// Recognition", §III-A (CNN14: "averaged over the frequency axis … max and average pooling over time are
/// summed"); McFee, Salamon, Bello 2018, "Adaptive pooling operators for weakly labeled sound event detection".
public final class MeanMaxPool: Layer {
    public let inShape: Shape3
    public let outShape: Shape3
    /// Time profile m (N, C, W) of the last forward pass, and its arg-max per (N, C), which `backward` routes
    /// to (the network calls backward right after its training forward pass). Sized by `reserve(batch:)`,
    /// which `Network.reserve` calls for the largest batch; `forward` only grows them for a larger one.
    private var profile: [Float] = []
    private var argmax: [Int] = []

    public init(shape: Shape3) {
        inShape = shape
        outShape = Shape3(shape.c, 1, 1)
    }

    public func reserve(batch n: Int) {
        if profile.count < n * inShape.c * inShape.w { profile = [Float](repeating: 0, count: n * inShape.c * inShape.w) }
        if argmax.count < n * inShape.c { argmax = [Int](repeating: 0, count: n * inShape.c) }
    }

    // in: x (N, C, H, W) → out: y (N, C)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        let (h, w) = (inShape.h, inShape.w)
        reserve(batch: n)
        let invH = 1 / Float(h), invW = 1 / Float(w)
        profile.withUnsafeMutableBufferPointer { m in
            for p in 0..<(n * inShape.c) {
                let src = x + p * h * w, row = m.baseAddress! + p * w
                row.update(repeating: 0, count: w)
                for r in 0..<h { for j in 0..<w { row[j] += src[r * w + j] } }        // m: (W) of channel p
                var sum: Float = 0, best = -Float.infinity, at = 0
                for j in 0..<w {
                    row[j] *= invH
                    sum += row[j]
                    if row[j] > best { best = row[j]; at = j }
                }
                argmax[p] = at
                y[p] = sum * invW + best
            }
        }
    }

    // in: dy (N, C) → dx (N, C, H, W); uses the arg-max of the forward pass on the same x.
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        let (h, w) = (inShape.h, inShape.w)
        let invHW = 1 / Float(h * w), invH = 1 / Float(h)
        for p in 0..<(n * inShape.c) {
            let g = dx + p * h * w
            g.update(repeating: dy[p] * invHW, count: h * w)
            let at = argmax[p]
            for r in 0..<h { g[r * w + at] += dy[p] * invH }
        }
    }
}
