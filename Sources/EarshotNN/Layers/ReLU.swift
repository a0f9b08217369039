/// y = max(0, x);  dx = dy · [y > 0].  ref: Nair & Hinton 2010.
public final class ReLU: Layer {
    public let inShape: Shape3
    public var outShape: Shape3 { inShape }
    public init(shape: Shape3) { inShape = shape }

    // in: x (N, C, H, W) → out: y (same)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        Kernels.relu(x, y, count: n * inShape.count)
    }

    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        Kernels.reluBackward(y, dy, dx, count: n * inShape.count)
    }
}
