/// ReLU and 2×2 max pooling run as one layer: out = maxpool(max(0, x)). A `Network` runs this for each relu →
/// maxpool2 on a map of even height and width that no batchnorm precedes — in practice the batch-norm-folded
/// networks `InferenceSession` serves (conv → relu → pool), where it saves the ReLU's full-size output and the
/// pass that wrote it. It is `BatchNormReLUPool`'s kernels with scale 1 and shift 0 (x·1 + 0 = x, and −0 turns
/// into +0 as the ReLU makes it), so the output and the gradient are bit for bit those of ReLU then MaxPool2.
/// Backward: dy goes to each window's first maximum if that maximum is > 0, and nowhere else.
/// ref: Nair & Hinton 2010; cs231n notes "Convolutional Networks", Pooling Layer.
public final class ReLUPool: Layer {
    public let inShape: Shape3
    public let outShape: Shape3

    public init(shape: Shape3) {
        precondition(shape.h % 2 == 0 && shape.w % 2 == 0, "ReLUPool needs an even height and width, got \(shape)")
        inShape = shape
        outShape = Shape3(shape.c, shape.h / 2, shape.w / 2)
    }

    // in: x (N, C, H, W) → out: y = maxpool2(max(0, x)) (N, C, H/2, W/2)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        let (h, w, oh, ow) = (inShape.h, inShape.w, outShape.h, outShape.w)
        for p in 0..<(n * inShape.c) {
            let src = x + p * h * w, dst = y + p * oh * ow
            for oy in 0..<oh {
                let r0 = src + 2 * oy * w
                Kernels.scaleShiftReLUPoolRow(r0, r0 + w, dst + oy * ow, scale: 1, shift: 0, ow: ow)
            }
        }
    }

    // in: x (N, C, H, W), y, dy (N, C, H/2, W/2) → dx (N, C, H, W), every position written
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        let (h, w, oh, ow) = (inShape.h, inShape.w, outShape.h, outShape.w)
        for p in 0..<(n * inShape.c) {
            let src = x + p * h * w, q = p * oh * ow, g = dx + p * h * w
            for oy in 0..<oh {
                let r0 = src + 2 * oy * w
                Kernels.reluPoolRouteRow(r0, r0 + w, y + q + oy * ow, dy + q + oy * ow, g + 2 * oy * w, g + (2 * oy + 1) * w,
                                         scale: 1, shift: 0, ow: ow)
            }
        }
    }
}
