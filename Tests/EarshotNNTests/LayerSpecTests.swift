import Foundation
import Testing
@testable import EarshotNN

/// The architecture is data: the layer list must survive JSON, describe the reference net exactly and reject
/// inconsistent lists with a message naming the layer.
@Suite struct LayerSpecTests {
    @Test func referenceListRoundTripsThroughJSON() throws {
        for norm in [nil, InputNorm.Mode.global, .band] {
            let specs = LayerSpec.reference(inputNorm: norm)
            let back = try LayerSpec.decode(LayerSpec.encode(specs))
            #expect(back == specs)
        }
    }

    @Test func referenceShapesAndParameterCountsPerLayer() throws {
        // ref: issue 3 / peers common.py: 62,818 parameters (incl. BN running statistics), output 2 logits
        let net = try Network(specs: LayerSpec.reference(inputNorm: .band), inputShape: Shape3(1, 64, 96))
        #expect(net.parameterCount == 62_818) // input_norm adds none
        #expect(net.outputCount == 2)
        let convs = net.layers.compactMap { $0 as? Conv2D }
        #expect(convs.map(\.outShape) == [Shape3(16, 64, 96), Shape3(32, 32, 48), Shape3(64, 16, 24), Shape3(64, 8, 12)])
        #expect(convs.map { $0.weight.shape } == [[16, 1, 3, 3], [32, 16, 3, 3], [64, 32, 3, 3], [64, 64, 3, 3]])
        let trainable = net.parameters.filter(\.trainable).reduce(0) { $0 + $1.value.count }
        #expect(trainable == 62_818 - 2 * (16 + 32 + 64))
        let names = Set(net.parameters.map(\.name))
        for n in ["conv1.weight", "bn1.gamma", "bn1.beta", "bn1.running_mean", "bn1.running_var", "fc2.bias"] {
            #expect(names.contains(n), "missing \(n)")
        }
    }

    @Test func inconsistentListsAreRejectedWithTheLayer() {
        func message(_ specs: [LayerSpec]) -> String? {
            do { _ = try Network(specs: specs, inputShape: Shape3(1, 8, 8)); return nil } catch { return "\(error)" }
        }
        #expect(message([.dense("fc", 2)])?.contains("add gap") == true)
        #expect(message([LayerSpec(type: "lstm")])?.contains("unknown layer type 'lstm'") == true)
        #expect(message([LayerSpec(type: "conv2d", out: 4)])?.contains("lacks 'name'") == true)
        #expect(message([LayerSpec(type: "conv2d", name: "c", out: 4, kernel: 4)])?.contains("odd") == true)
        #expect(message([.maxpool, .maxpool, .maxpool, .maxpool])?.contains("maxpool2") == true)
        #expect(message([.conv("c", 0)]) != nil)
        #expect(message([LayerSpec(type: "input_norm", mode: "median")])?.contains("median") == true)
        #expect(message([.conv("c", 4), .gap, .dense("fc", 2)]) == nil)
    }

    @Test func seededInitialisationIsReproducibleAndHeScaled() throws {
        let a = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        let b = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        let c = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        a.initialize(seed: 42); b.initialize(seed: 42); c.initialize(seed: 43)
        #expect(a.snapshot() == b.snapshot())
        #expect(a.snapshot() != c.snapshot())
        // He normal: std = sqrt(2 / fan_in); conv4 has fan_in 64·9 and 36,864 weights
        let w = a.parameter(named: "conv4.weight")!.value
        let mean = w.reduce(0.0) { $0 + Double($1) } / Double(w.count)
        let std = (w.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(w.count)).squareRoot()
        let expected = (2.0 / 576).squareRoot()
        #expect(abs(mean) < 0.05 * expected)
        #expect(abs(std / expected - 1) < 0.03, "std \(std) vs \(expected)")
        #expect(a.parameter(named: "conv4.bias")!.value.allSatisfy { $0 == 0 })
    }
}
