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
                let r0 = src + 2 * oy * w, r1 = r0 + w
                for ox in 0..<ow {
                    dst[oy * ow + ox] = max(max(r0[2 * ox], r0[2 * ox + 1]), max(r1[2 * ox], r1[2 * ox + 1]))
                }
            }
        }
    }

    // in: x (N, C, H, W), y, dy (N, C, H/2, W/2) → dx (N, C, H, W)
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        let (h, w, oh, ow) = (inShape.h, inShape.w, outShape.h, outShape.w)
        dx.update(repeating: 0, count: n * inShape.count)
        for p in 0..<(n * inShape.c) {
            let src = x + p * h * w, out = y + p * oh * ow, d = dy + p * oh * ow, g = dx + p * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let m = out[oy * ow + ox]
                    let i0 = 2 * oy * w + 2 * ox
                    let idx = src[i0] == m ? i0 : src[i0 + 1] == m ? i0 + 1 : src[i0 + w] == m ? i0 + w : i0 + w + 1
                    g[idx] += d[oy * ow + ox]
                }
            }
        }
    }
}
