/// 2×2 max pooling, stride 2, floor (odd trailing rows/columns dropped, as Keras "valid").
/// Backward routes dy to the arg-max of each window (first maximum on ties).
/// ref: cs231n notes "Convolutional Networks", Pooling Layer.
public final class MaxPool2: Layer {
    public let inShape: Shape3
    public let outShape: Shape3
    public init(shape: Shape3) {
        inShape = shape
        outShape = Shape3(shape.c, shape.h / 2, shape.w / 2)
    }

    // in: x (N, C, H, W) → out: y (N, C, H/2, W/2)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        let (h, w, oh, ow) = (inShape.h, inShape.w, outShape.h, outShape.w)
        for p in 0..<(n * inShape.c) {
            let src = x + p * h * w, dst = y + p * oh * ow
            for oy in 0..<oh {
                let r0 = src + 2 * oy * w
                Kernels.maxPoolRow(r0, r0 + w, dst + oy * ow, ow: ow)
            }
        }
    }

    // in: x (N, C, H, W), y, dy (N, C, H/2, W/2) → dx (N, C, H, W)
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        let (h, w, oh, ow) = (inShape.h, inShape.w, outShape.h, outShape.w)
        // The row kernel writes every position of the pooled rows; only the rows/columns an odd H or W drops need
        // zeros. (Skipping the full memset saves one pass over dx, ≈ 1 % of a training step: within the noise of
        // an A/B on 2026-12-02.)
        if h % 2 == 1 || w % 2 == 1 { dx.update(repeating: 0, count: n * inShape.count) }
        for p in 0..<(n * inShape.c) {
            let src = x + p * h * w, out = y + p * oh * ow, d = dy + p * oh * ow, g = dx + p * h * w
            for oy in 0..<oh {
                let r0 = src + 2 * oy * w
                Kernels.maxPoolBackwardRow(r0, r0 + w, out + oy * ow, d + oy * ow, g + 2 * oy * w, g + (2 * oy + 1) * w, ow: ow)
            }
        }
    }
}
