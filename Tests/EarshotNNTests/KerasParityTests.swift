import Foundation
import Testing
@testable import EarshotDSP
@testable import EarshotNN

/// The reference CNN against Keras/TensorFlow (shared fixture), like llm.c's test_gpt2: a `max diff` line per tensor.
@Suite struct KerasParityTests {
    static let fixture = TestPaths.fixtures.appendingPathComponent("cnn_reference.safetensors")

    static func loadReference() throws -> (Network, Safetensors) {
        let st = try Safetensors(contentsOf: fixture)
        let eps = Float(st.metadata["bn_epsilon"] ?? "0.001")!
        let net = try Network(specs: LayerSpec.reference(bnEps: eps), inputShape: Shape3(1, 64, 96))
        for p in net.parameters { p.value = try st.floats(p.name) }
        return (net, st)
    }

    static func maxAbs(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) } }

    @Test func referenceArchitectureHas62818Parameters() throws {
        let net = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        #expect(net.parameterCount == 62_818)
        // its three batchnorm → relu → maxpool2 runs are fused (the parity tests below check the fused path
        // against Keras)
        #expect(net.fusedSteps == [[String]](repeating: ["BatchNorm", "ReLU", "MaxPool2"], count: 3))
    }

    @Test func inferenceLogitsMatchKeras() throws {
        let (net, st) = try Self.loadReference()
        let x = try st.floats("input")
        let expected = try st.floats("logits")
        let ours = x.withUnsafeBufferPointer { Array(net.forward($0.baseAddress!, n: 4, training: false)) }
        let d = Self.maxAbs(ours, expected)
        print("inference logits max diff (unfolded BN): \(d)")
        #expect(d <= 1e-4)
        // the serving path folds BN into the convolutions: same logits and probabilities
        let session = try InferenceSession(source: net, maxBatch: 4)
        let folded = x.withUnsafeBufferPointer { Array(session.logits($0.baseAddress!, n: 4)) }
        let df = Self.maxAbs(folded, expected)
        print("inference logits max diff (folded BN): \(df)")
        #expect(df <= 1e-4)
        let probs = try st.floats("probs")
        for i in 0..<4 {
            let p = x.withUnsafeBufferPointer { session.gunshotProbability($0.baseAddress! + i * 64 * 96) }
            #expect(abs(p - probs[i * 2 + 1]) <= 1e-5)
        }
    }

    @Test func trainingLossAndEveryGradientMatchTensorFlow() throws {
        let (net, st) = try Self.loadReference()
        let x = try st.floats("train.input")
        let labels = try st.int64s("train.labels").map { Int32($0) }
        let session = TrainingSession(network: net, optimizer: SGD(learningRate: 0), maxBatch: 4)
        let (loss, logits) = x.withUnsafeBufferPointer { session.lossAndGradients(inputs: $0.baseAddress!, labels: labels) }
        let refLoss = try st.floats("train.loss")[0]
        print("train loss ours \(loss) tf \(refLoss) diff \(abs(loss - refLoss))")
        #expect(abs(loss - refLoss) <= 1e-3 * max(1, abs(refLoss)))
        let dl = Self.maxAbs(logits, try st.floats("train.logits"))
        print("train logits max diff: \(dl)")
        #expect(dl <= 1e-3)
        var checked = 0
        for p in net.parameters where p.trainable {
            let ref = try st.floats("grad." + p.name)
            let scale = ref.reduce(Float(0)) { max($0, abs($1)) }
            let d = Self.maxAbs(p.grad, ref)
            // A conv bias followed by batch norm has a true gradient of exactly 0 (BN subtracts the mean), so
            // both frameworks return rounding noise there (~1e-7): the scale gets an absolute floor of 1e-3.
            let rel = d / max(scale, 1e-3)
            print(String(format: "grad %-12@ max diff %.3e  (rel to max |g| %.3e)", p.name, d, rel))
            #expect(rel <= 1e-3, "\(p.name): relative diff \(rel)")
            checked += 1
        }
        #expect(checked == 18) // 4 conv × (w, b) + 3 BN × (γ, β) + 2 dense × (w, b)
    }
}
