import EarshotDSP
import Foundation

/// A feed-forward stack of layers built from a `LayerSpec` list, with activation and gradient buffers
/// preallocated for a maximum batch size (`reserve(batch:)`); forward and backward never allocate.
public final class Network {
    public let specs: [LayerSpec]
    public let inputShape: Shape3
    public let layers: [Layer]
    public let parameters: [Parameter]
    /// Index of the first layer with a trainable parameter (layers.count if none): where backpropagation stops.
    private let firstTrainable: Int
    /// What forward and backward run: each layer on its own, except the runs that `fusion` fuses into one layer
    /// (layers first…last, output in acts[last]; acts of the layers inside are not written).
    private let steps: [Step]
    /// Which layer runs run fused (`init(fusion:)`).
    public let fusion: Fusion
    /// Layer runs a network may execute as one layer. Fusing changes no parameter and no model file, only how
    /// many passes over the activations a step makes.
    public enum Fusion: String, Sendable, CaseIterable {
        /// Every layer on its own: the reference the fused network is tested and benchmarked against.
        case off
        /// batchnorm → relu as one `BatchNormReLU`.
        case batchNormReLU = "bn-relu"
        /// batchnorm → relu → maxpool2 (even height and width) as one `BatchNormReLUPool`, other
        /// batchnorm → relu pairs as `BatchNormReLU`, and relu → maxpool2 with no batchnorm before it (the
        /// folded networks of `InferenceSession`) as `ReLUPool`.
        case batchNormReLUPool = "bn-relu-pool"
    }
    private struct Step {
        let layer: Layer
        let first: Int, last: Int
    }
    public private(set) var batchCapacity = 0
    private var acts: [UnsafeMutablePointer<Float>] = []  // acts[i] = output of layer i: (N, outShape_i); empty inside a fused step
    private var grads: [UnsafeMutablePointer<Float>] = [] // grads[i] = dL/d input of layer i: (N, inShape_i); empty inside a fused step

    public var outputCount: Int { layers.last?.outShape.count ?? inputShape.count }

    /// Builds the layers; throws if the list is inconsistent (unknown type, missing sizes, dense on a map…).
    /// `fusion` chooses which layer runs execute as one layer (all that can, by default).
    public init(specs: [LayerSpec], inputShape: Shape3, fusion: Fusion = .batchNormReLUPool) throws {
        self.specs = specs
        self.inputShape = inputShape
        try Self.checkSize(specs, inputShape)
        var shape = inputShape
        var layers: [Layer] = []
        for (i, s) in specs.enumerated() {
            func need<T>(_ v: T?, _ what: String) throws -> T {
                guard let v else { throw ArchitectureError(message: "layer \(i) (\(s.type)) lacks '\(what)'") }
                return v
            }
            let layer: Layer
            switch s.type {
            case "conv2d":
                let k = s.kernel ?? 3
                guard k % 2 == 1, k <= 7 else { throw ArchitectureError(message: "layer \(i): kernel \(k) must be odd and ≤ 7") }
                layer = Conv2D(name: try need(s.name, "name"), inChannels: shape.c, outChannels: try need(s.out, "out"), k: k, h: shape.h, w: shape.w)
            case "batchnorm":
                layer = BatchNorm(name: try need(s.name, "name"), shape: shape, eps: s.eps ?? 1e-3, momentum: s.momentum ?? 0.99)
            case "relu": layer = ReLU(shape: shape)
            case "maxpool2":
                guard shape.h >= 2, shape.w >= 2 else { throw ArchitectureError(message: "layer \(i): maxpool2 on a \(shape) map") }
                layer = MaxPool2(shape: shape)
            case "gap": layer = GlobalAvgPool(shape: shape)
            case "mean_max_pool": layer = MeanMaxPool(shape: shape)
            case "dense":
                guard shape.h == 1, shape.w == 1 else { throw ArchitectureError(message: "layer \(i): dense needs a vector input, got \(shape) (add gap or mean_max_pool)") }
                layer = Dense(name: try need(s.name, "name"), inFeatures: shape.c, outFeatures: try need(s.out, "out"))
            case "input_norm":
                guard let m = InputNorm.Mode(rawValue: s.mode ?? "global") else { throw ArchitectureError(message: "layer \(i): input_norm mode '\(s.mode ?? "")'") }
                layer = InputNorm(shape: shape, mode: m)
            default:
                throw ArchitectureError(message: "layer \(i): unknown layer type '\(s.type)' (this earshot knows conv2d, batchnorm, relu, maxpool2, gap, mean_max_pool, dense, input_norm)")
            }
            guard (s.out ?? 1) > 0, (s.out ?? 1) <= 4096 else { throw ArchitectureError(message: "layer \(i): size \(s.out!) out of range") }
            layers.append(layer)
            shape = layer.outShape
        }
        self.layers = layers
        parameters = layers.flatMap(\.parameters)
        firstTrainable = layers.firstIndex { $0.parameters.contains(where: \.trainable) } ?? layers.count
        steps = Self.fuse(layers, fusion)
        self.fusion = fusion
    }

    /// The layers as steps, with the runs `fusion` covers fused.
    private static func fuse(_ layers: [Layer], _ fusion: Fusion) -> [Step] {
        var steps: [Step] = []
        var i = 0
        while i < layers.count {
            if fusion != .off, let bn = layers[i] as? BatchNorm, i + 1 < layers.count, layers[i + 1] is ReLU {
                if fusion == .batchNormReLUPool, i + 2 < layers.count, layers[i + 2] is MaxPool2, bn.inShape.h % 2 == 0, bn.inShape.w % 2 == 0 {
                    steps.append(Step(layer: BatchNormReLUPool(bn), first: i, last: i + 2))
                    i += 3
                    continue
                }
                steps.append(Step(layer: BatchNormReLU(bn), first: i, last: i + 1))
                i += 2
            } else if fusion == .batchNormReLUPool, let relu = layers[i] as? ReLU, i + 1 < layers.count, layers[i + 1] is MaxPool2,
                      relu.inShape.h % 2 == 0, relu.inShape.w % 2 == 0 {
                steps.append(Step(layer: ReLUPool(shape: relu.inShape), first: i, last: i + 1))
                i += 2
            } else {
                steps.append(Step(layer: layers[i], first: i, last: i))
                i += 1
            }
        }
        return steps
    }

    /// The fused steps, by the types of the layers each runs (e.g. ["BatchNorm", "ReLU", "MaxPool2"]).
    public var fusedSteps: [[String]] {
        steps.filter { $0.first != $0.last }.map { s in layers[s.first...s.last].map { String(describing: type(of: $0)) } }
    }

    deinit { release() }

    /// Largest network (parameters + per-sample scratch, in floats) a layer list may describe: a damaged or
    /// hostile model file is rejected before anything is allocated for it.
    public static let maxFloats = 1 << 26

    static func checkSize(_ specs: [LayerSpec], _ input: Shape3) throws {
        guard specs.count <= 256, input.count > 0, input.count <= maxFloats else { throw ArchitectureError(message: "network too large") }
        var (c, h, w) = (input.c, input.h, input.w)
        var total = c * h * w
        for s in specs {
            let out = s.out ?? c
            guard out > 0, out <= 4096 else { throw ArchitectureError(message: "layer size \(out) out of range") }
            switch s.type {
            case "conv2d":
                let k = max(1, s.kernel ?? 3)
                total += out * c * k * k + c * k * k * h * w + out * h * w
                c = out
            case "dense": total += out * c * h * w; c = out; h = 1; w = 1
            case "maxpool2": h /= 2; w /= 2
            case "gap", "mean_max_pool": h = 1; w = 1
            default: total += c * h * w
            }
            guard total <= maxFloats else { throw ArchitectureError(message: "layer list describes more than \(maxFloats) floats") }
        }
    }

    private func release() {
        acts.forEach { $0.deallocate() }
        grads.forEach { $0.deallocate() }
        acts = []; grads = []
    }

    /// Allocates buffers for batches of up to `n` samples (only grows).
    public func reserve(batch n: Int) {
        guard n > batchCapacity else { return }
        release()
        // the layers inside a fused step neither write an output nor receive a gradient: no buffer for them
        let outputs = Set(steps.map(\.last)), inputs = Set(steps.map(\.first))
        acts = layers.indices.map { .allocate(capacity: outputs.contains($0) ? n * layers[$0].outShape.count : 0) }
        grads = layers.indices.map { .allocate(capacity: inputs.contains($0) ? n * layers[$0].inShape.count : 0) }
        layers.forEach { $0.reserve(batch: n) }
        steps.forEach { $0.layer.reserve(batch: n) } // a fused step's own scratch
        batchCapacity = n
    }

    /// He-normal weights (fan-in), zero biases; seeded and reproducible. ref: He et al. 2015, §2.2.
    public func initialize(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        for l in layers {
            if let c = l as? Conv2D {
                let std = (2.0 / Double(c.inShape.c * c.k * c.k)).squareRoot()
                for i in c.weight.value.indices { c.weight.value[i] = Float(rng.normal() * std) }
            } else if let d = l as? Dense {
                let std = (2.0 / Double(d.inShape.c)).squareRoot()
                for i in d.weight.value.indices { d.weight.value[i] = Float(rng.normal() * std) }
            }
        }
    }

    /// Runs all layers. in: x (N, inputShape) → logits (N, outputCount), valid until the next call.
    @discardableResult
    public func forward(_ x: UnsafePointer<Float>, n: Int, training: Bool) -> UnsafeBufferPointer<Float> {
        reserve(batch: n)
        var input = x
        for s in steps {
            s.layer.forward(input, acts[s.last], n: n, training: training)
            input = UnsafePointer(acts[s.last])
        }
        return UnsafeBufferPointer(start: input, count: n * outputCount)
    }

    /// Backpropagates dL/dlogits (N, outputCount) through the last `forward(training: true)`,
    /// accumulating parameter gradients. Nothing below the first layer with trainable parameters needs a
    /// gradient, and that layer only its parameters' (nobody reads the input's): backpropagation stops
    /// there, and a first convolution skips its dcol GEMM and col2im.
    public func backward(_ x: UnsafePointer<Float>, dlogits: UnsafePointer<Float>, n: Int) {
        var dy = dlogits
        for s in steps.reversed() where s.last >= firstTrainable {
            let input = s.first == 0 ? x : UnsafePointer(acts[s.first - 1])
            if s.first == firstTrainable, let conv = s.layer as? Conv2D {
                conv.backwardParameters(input, dy, n: n)
                return
            }
            s.layer.backward(input, acts[s.last], dy, grads[s.first], n: n)
            dy = UnsafePointer(grads[s.first])
        }
    }

    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// Copies of all parameter values (an early-stopping snapshot).
    public func snapshot() -> [[Float]] { parameters.map(\.value) }

    public func restore(_ s: [[Float]]) {
        precondition(s.count == parameters.count)
        for (p, v) in zip(parameters, s) { p.value = v }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
