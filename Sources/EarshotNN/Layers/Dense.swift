/// Fully connected layer: y = x · Wᵀ + b with W: (out, in) (PyTorch/fixture layout), b: (out).
/// Backward: dx = dy · W;  dW += dyᵀ · x;  db += Σ_n dy.   ref: cs231n "Backpropagation, intuitions".
public final class Dense: Layer {
    public let inShape: Shape3
    public let outShape: Shape3
    public let weight: Parameter // (out, in)
    public let bias: Parameter   // (out)
    public var parameters: [Parameter] { [weight, bias] }

    public init(name: String, inFeatures: Int, outFeatures: Int) {
        inShape = Shape3(inFeatures, 1, 1)
        outShape = Shape3(outFeatures, 1, 1)
        weight = Parameter(name: name + ".weight", shape: [outFeatures, inFeatures], value: [Float](repeating: 0, count: outFeatures * inFeatures))
        bias = Parameter(name: name + ".bias", shape: [outFeatures], value: [Float](repeating: 0, count: outFeatures))
    }

    // in: x (N, in) → out: y (N, out)
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool) {
        let (i, o) = (inShape.c, outShape.c)
        bias.value.withUnsafeBufferPointer { b in
            for s in 0..<n { (y + s * o).update(from: b.baseAddress!, count: o) }
        }
        weight.value.withUnsafeBufferPointer { w in
            BLAS.gemm(transB: true, m: n, n: o, k: i, a: x, lda: i, b: w.baseAddress!, ldb: i, beta: 1, c: y, ldc: o)
        }
    }

    // in: x (N, in), dy (N, out) → dx (N, in)
    public func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int) {
        let (i, o) = (inShape.c, outShape.c)
        weight.value.withUnsafeBufferPointer { w in
            BLAS.gemm(m: n, n: i, k: o, a: dy, lda: o, b: w.baseAddress!, ldb: i, beta: 0, c: dx, ldc: i)
        }
        weight.grad.withUnsafeMutableBufferPointer { dw in
            BLAS.gemm(transA: true, m: o, n: i, k: n, a: dy, lda: o, b: x, ldb: i, beta: 1, c: dw.baseAddress!, ldc: i)
        }
        for s in 0..<n { for j in 0..<o { bias.grad[j] += dy[s * o + j] } }
    }
}
