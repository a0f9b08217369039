import Foundation

/// One layer of an architecture, as data: the model file stores the list as JSON (`layers` metadata), so a
/// better model needs no code change. Input shapes are inferred from the previous layer.
public struct LayerSpec: Codable, Equatable, Sendable {
    /// conv2d | batchnorm | relu | maxpool2 | gap | mean_max_pool | dense | input_norm
    public var type: String
    /// Tensor-name prefix for layers with parameters ("conv1" → conv1.weight, conv1.bias).
    public var name: String?
    /// conv2d: output channels; dense: output features.
    public var out: Int?
    /// conv2d: kernel size (odd).
    public var kernel: Int?
    /// batchnorm: epsilon and running-average momentum.
    public var eps: Float?
    public var momentum: Float?
    /// input_norm: "global" or "band".
    public var mode: String?

    public init(type: String, name: String? = nil, out: Int? = nil, kernel: Int? = nil, eps: Float? = nil, momentum: Float? = nil, mode: String? = nil) {
        self.type = type; self.name = name; self.out = out; self.kernel = kernel; self.eps = eps; self.momentum = momentum; self.mode = mode
    }

    public static func conv(_ name: String, _ out: Int) -> LayerSpec { LayerSpec(type: "conv2d", name: name, out: out, kernel: 3) }
    public static func bn(_ name: String, eps: Float = 1e-3) -> LayerSpec { LayerSpec(type: "batchnorm", name: name, eps: eps, momentum: 0.99) }
    public static let relu = LayerSpec(type: "relu")
    public static let maxpool = LayerSpec(type: "maxpool2")
    public static let gap = LayerSpec(type: "gap")
    public static let meanMaxPool = LayerSpec(type: "mean_max_pool")
    public static func dense(_ name: String, _ out: Int) -> LayerSpec { LayerSpec(type: "dense", name: name, out: out) }
    public static func inputNorm(_ mode: InputNorm.Mode) -> LayerSpec { LayerSpec(type: "input_norm", mode: mode.rawValue) }

    /// The reference CNN of the shared fixtures and peers: conv3x3(1→16)+BN+ReLU+pool → (16→32)+BN+ReLU+pool →
    /// (32→64)+BN+ReLU+pool → conv3x3(64→64)+ReLU → GAP → dense 64→32 ReLU → dense 32→2.
    /// 62,818 parameters including BN running statistics.
    /// `pool`: `.gap` (the reference) or `.meanMaxPool` (same parameters; a short shot is not averaged away
    /// by the rest of the window).
    public static func reference(inputNorm: InputNorm.Mode? = nil, bnEps: Float = 1e-3, pool: LayerSpec = .gap) -> [LayerSpec] {
        var l: [LayerSpec] = inputNorm.map { [.inputNorm($0)] } ?? []
        l += [.conv("conv1", 16), .bn("bn1", eps: bnEps), .relu, .maxpool,
              .conv("conv2", 32), .bn("bn2", eps: bnEps), .relu, .maxpool,
              .conv("conv3", 64), .bn("bn3", eps: bnEps), .relu, .maxpool,
              .conv("conv4", 64), .relu, pool, .dense("fc1", 32), .relu, .dense("fc2", 2)]
        return l
    }

    public static func encode(_ specs: [LayerSpec]) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(specs)) ?? Data("[]".utf8), as: UTF8.self)
    }

    public static func decode(_ json: String) throws -> [LayerSpec] {
        try JSONDecoder().decode([LayerSpec].self, from: Data(json.utf8))
    }
}

public struct ArchitectureError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
