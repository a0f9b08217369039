import Foundation
import Testing
@testable import EarshotDSP
@testable import EarshotNN

/// Temperature scaling: scores are softmax(logits / T), T travels in the model file.
@Suite struct TemperatureTests {
    @Test func scoreIsSigmoidOfMarginOverTAndRoundTrips() throws {
        let net = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        net.initialize(seed: 9)
        let m = Model(network: net, features: FeatureConfig())
        m.scoreTemperature = 3
        var rng = GradientCheckTests.RNG(s: 2)
        let w = (0..<(64 * 96)).map { _ in rng.next() * 5 }
        let s1 = try InferenceSession(source: net, maxBatch: 1)
        let z = w.withUnsafeBufferPointer { Array(s1.logits($0.baseAddress!)) }
        let expected = 1 / (1 + exp(-Double(z[1] - z[0]) / 3))
        let p = w.withUnsafeBufferPointer { try! m.makeInference().gunshotProbability($0.baseAddress!) }
        #expect(abs(Double(p) - expected) < 1e-6)
        let dir = TestPaths.tempDir("temp"); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("t.safetensors")
        try m.save(to: url)
        #expect(try Model.load(url).scoreTemperature == 3)
        // a damaged temperature is refused by name
        var md = m.metadata(); md["score_temperature"] = "-1"
        var wr = SafetensorsWriter(metadata: md)
        for p in net.parameters { wr.add(p.name, shape: p.shape, floats: p.value) }
        wr.add("mel_filterbank", shape: [64, 257], floats: m.melFilterbank)
        let bad = dir.appendingPathComponent("bad.safetensors")
        try wr.write(to: bad)
        #expect(throws: ModelFileError.self) { try Model.load(bad) }
        // one too large, as a diverged training writes it (the trainer's black-box test, D3): said as such
        md["score_temperature"] = "33081.543"
        var big = SafetensorsWriter(metadata: md)
        for p in net.parameters { big.add(p.name, shape: p.shape, floats: p.value) }
        big.add("mel_filterbank", shape: [64, 257], floats: m.melFilterbank)
        try big.write(to: bad)
        do { _ = try Model.load(bad); Issue.record("loaded") } catch {
            #expect("\(error)".contains("'33081.543' is not a number in (0, 1000]") && "\(error)".contains("lower learning rate"), "\(error)")
        }
    }
}
