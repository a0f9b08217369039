/// Shape of one sample's activation: (C, H, W). Dense outputs are (C, 1, 1).
public struct Shape3: Equatable, Sendable, CustomStringConvertible {
    public var c: Int, h: Int, w: Int
    public init(_ c: Int, _ h: Int, _ w: Int) { self.c = c; self.h = h; self.w = w }
    public var count: Int { c * h * w }
    public var description: String { "(\(c), \(h), \(w))" }
}

/// A named parameter tensor with its gradient, flat row-major storage.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    public var grad: [Float]
    /// False for BN running statistics: saved in the model file, updated by forward, never by the optimiser.
    public let trainable: Bool

    public init(name: String, shape: [Int], value: [Float], trainable: Bool = true) {
        precondition(shape.reduce(1, *) == value.count, "\(name): shape \(shape) vs \(value.count) values")
        self.name = name; self.shape = shape; self.value = value; self.trainable = trainable
        grad = [Float](repeating: 0, count: value.count)
    }

    public func zeroGrad() { for i in grad.indices { grad[i] = 0 } }
}

/// One layer of the network. Buffers are flat (N, C, H, W); forward and backward of each layer live side
/// by side in its file. `backward` ACCUMULATES parameter gradients and WRITES dx.
public protocol Layer: AnyObject {
    var inShape: Shape3 { get }
    var outShape: Shape3 { get }
    var parameters: [Parameter] { get }
    /// Prepares scratch for batches of up to `n` samples (called outside the hot path).
    func reserve(batch n: Int)
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, training: Bool)
    func backward(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, n: Int)
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public func reserve(batch n: Int) {}
}
