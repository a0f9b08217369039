/// Kernels of the fused batchnorm → ReLU (`BatchNormReLU`): the ReLU's forward and backward done inside the
/// batchnorm's own passes, so neither needs a pass of its own over the activations. Branch-free scalar loops
/// that LLVM vectorises (see `Kernels`); the pre-activation x·g + b is computed with the same two float
/// operations (multiply, then add: the build emits no FMA — `objdump -d` finds no vfmadd) in both, so the
/// backward's mask is exactly the forward's. ref: Ioffe & Szegedy 2015 (batchnorm), Nair & Hinton 2010 (ReLU).
extension Kernels {
    /// v = max(0, x·g + b): the one definition of the fused activation, which every fused kernel recomputes.
    @inline(__always) static func reluAffine(_ x: Float, _ g: Float, _ b: Float) -> Float {
        let v = x * g + b
        return v > 0 ? v : 0
    }

    /// y = max(0, x·g + b).
    static func scaleShiftReLU(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, scale g: Float, shift b: Float, count: Int) {
        for i in 0..<count { y[i] = reluAffine(x[i], g, b) }
    }

    /// dx = dy · [x·g + b > 0]: the ReLU's backward, its mask recomputed from the batchnorm's input.
    static func reluBackwardRecomputed(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                       scale g: Float, shift b: Float, count: Int) {
        for i in 0..<count { let d = dy[i]; dx[i] = reluAffine(x[i], g, b) > 0 ? d : 0 }
    }
}
