/// Global average pooling: y[c] = mean_{h,w} x[c, h, w];  dx[c, h, w] = dy[c] / (H·W).
/// ref: Lin, Chen, Yan 2014, "Network In Network", §3.2.
public final class GlobalAvgPool: Layer {
    public let inShape: Shape3
    public let outShape: Shape3
    public init(shape: Shape3) {
        inShape = shape
        outShape = Shape3(shape.c, 1, 1)
    }

    // in: x (N, C, H, W) → out: y (N, C)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        let hw = inShape.h * inShape.w
        let inv = 1 / Float(hw)
        for p in 0..<(n * inShape.c) {
            var s: Float = 0
            let src = x + p * hw
            for j in 0..<hw { s += src[j] }
            y[p] = s * inv
        }
    }

    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        let hw = inShape.h * inShape.w
        let inv = 1 / Float(hw)
        for p in 0..<(n * inShape.c) { (dx + p * hw).update(repeating: dy[p] * inv, count: hw) }
    }
}
