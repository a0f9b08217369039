import Foundation
import Testing
@testable import EarshotDSP
@testable import EarshotNN

@Suite struct ModelFileTests {
    static func makeModel(seed: UInt64 = 1) throws -> Model {
        let net = try Network(specs: LayerSpec.reference(inputNorm: .global), inputShape: Shape3(1, 64, 96))
        net.initialize(seed: seed)
        return Model(network: net, features: FeatureConfig(), threshold: 0.8, thresholds: ["1": 0.9, "10": 0.7],
                     provenance: ["train.seed": "\(seed)", "train.data": "test"])
    }

    static func window(seed: UInt64) -> [Float] {
        var r = GradientCheckTests.RNG(s: seed)
        return (0..<(64 * 96)).map { _ in r.next() * 4 - 8 }
    }

    @Test func roundTripGivesIdenticalOutputs() throws {
        let dir = TestPaths.tempDir("model"); defer { try? FileManager.default.removeItem(at: dir) }
        let m = try Self.makeModel()
        let url = dir.appendingPathComponent("m.safetensors")
        try m.save(to: url)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        #expect(size < 400_000, "model file is \(size) bytes")
        let back = try Model.load(url)
        #expect(back.features == m.features)
        #expect(back.threshold == 0.8 && back.thresholds == ["1": 0.9, "10": 0.7])
        #expect(back.provenance["train.seed"] == "1")
        #expect(back.melFilterbank == m.melFilterbank)
        #expect(back.network.specs == m.network.specs)
        let a = try m.makeInference(), b = try back.makeInference()
        for s in 1...3 as ClosedRange<UInt64> {
            let w = Self.window(seed: s)
            let pa = w.withUnsafeBufferPointer { a.gunshotProbability($0.baseAddress!) }
            let pb = w.withUnsafeBufferPointer { b.gunshotProbability($0.baseAddress!) }
            #expect(pa == pb)
        }
        // the file loads as plain safetensors, e.g. in numpy/PyTorch
        let raw = try Safetensors(contentsOf: url)
        #expect(raw.metadata["format"] == "earshot-model" && raw.tensors["conv1.weight"]?.shape == [16, 1, 3, 3])
    }

    /// A mean+max-pooled network (Model 9's) is described by its layer list in the file and scores the same
    /// after loading; it differs from the same weights pooled by average only.
    @Test func meanMaxPoolingRoundTrips() throws {
        let dir = TestPaths.tempDir("model-meanmax"); defer { try? FileManager.default.removeItem(at: dir) }
        let net = try Network(specs: LayerSpec.reference(pool: .meanMaxPool), inputShape: Shape3(1, 64, 96))
        net.initialize(seed: 4)
        let m = Model(network: net, features: FeatureConfig())
        let url = dir.appendingPathComponent("m.safetensors")
        try m.save(to: url)
        let back = try Model.load(url)
        #expect(back.network.layers.contains { $0 is MeanMaxPool })
        let gap = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        gap.restore(net.snapshot())
        let a = try m.makeInference(), b = try back.makeInference(), c = try Model(network: gap, features: FeatureConfig()).makeInference()
        let w = Self.window(seed: 5)
        let (pa, pb, pc) = w.withUnsafeBufferPointer { (a.gunshotProbability($0.baseAddress!), b.gunshotProbability($0.baseAddress!), c.gunshotProbability($0.baseAddress!)) }
        #expect(pa == pb)
        #expect(pa != pc)
    }

    static func expectRejected(_ bytes: [UInt8], _ dir: URL, _ name: String, contains: String? = nil) {
        let url = dir.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        do {
            _ = try Model.load(url)
            Issue.record("\(name): loaded but should have been rejected")
        } catch let e as ModelFileError {
            #expect(e.description.contains(url.path), "\(e)")
            if let contains { #expect(e.description.contains(contains), "\(e)") }
        } catch { Issue.record("\(name): untyped error \(error)") }
    }

    @Test func truncatedAndBitFlippedFilesAreRejectedCleanly() throws {
        let dir = TestPaths.tempDir("bad"); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("good.safetensors")
        try Self.makeModel().save(to: url)
        let good = [UInt8](try Data(contentsOf: url))
        for cut in [0, 4, 8, 9, 100, 1000, good.count / 2, good.count - 1] {
            Self.expectRejected(Array(good[0..<cut]), dir, "cut\(cut).safetensors")
        }
        // random bit flips in the header: must never crash; either rejected with a typed error or (if the flip
        // hit a harmless byte such as JSON whitespace) loaded
        let headerLen = Int(good[0]) | Int(good[1]) << 8 | Int(good[2]) << 16
        var rng = GradientCheckTests.RNG(s: 11)
        var rejected = 0
        for t in 0..<200 {
            var b = good
            let pos = 8 + Int((rng.next() + 1) / 2 * Float(headerLen - 1))
            b[pos] ^= UInt8(1 << (t % 8))
            let u = dir.appendingPathComponent("flip.safetensors")
            _ = FileManager.default.createFile(atPath: u.path, contents: Data(b))
            do { _ = try Model.load(u) } catch is ModelFileError { rejected += 1 } catch { Issue.record("untyped \(error)") }
        }
        #expect(rejected > 100, "only \(rejected)/200 header flips were detected")
        // absurd header length
        var absurd = good; for i in 0..<8 { absurd[i] = 0xff }
        Self.expectRejected(absurd, dir, "absurd.safetensors")
    }

    /// Rewrites metadata / tensors of a valid model and checks each specific rejection.
    @Test func semanticProblemsGetSpecificMessages() throws {
        let dir = TestPaths.tempDir("sem"); defer { try? FileManager.default.removeItem(at: dir) }
        let m = try Self.makeModel()
        func variant(_ name: String, meta: (inout [String: String]) -> Void = { _ in }, skip: String? = nil, reshape: String? = nil) throws -> [UInt8] {
            var md = m.metadata(); meta(&md)
            var w = SafetensorsWriter(metadata: md)
            for p in m.network.parameters where p.name != skip {
                if p.name == reshape { w.add(p.name, shape: [p.value.count], floats: p.value) } else { w.add(p.name, shape: p.shape, floats: p.value) }
            }
            w.add("mel_filterbank", shape: [64, 257], floats: m.melFilterbank)
            return try w.bytes()
        }
        Self.expectRejected(try variant("fmt", meta: { $0["format"] = "something-else" }), dir, "fmt", contains: "not an Earshot model")
        Self.expectRejected(try variant("ver", meta: { $0["format_version"] = "2" }), dir, "ver", contains: "newer than this earshot")
        Self.expectRejected(try variant("hop", meta: { $0["feature.hop"] = "abc" }), dir, "hop", contains: "feature.hop")
        Self.expectRejected(try variant("layers", meta: { $0["layers"] = "[{\"type\":\"transformer\"}]" }), dir, "layers", contains: "unknown layer type")
        Self.expectRejected(try variant("huge", meta: { $0["layers"] = "[{\"type\":\"conv2d\",\"name\":\"c\",\"out\":4096,\"kernel\":7},{\"type\":\"conv2d\",\"name\":\"d\",\"out\":4096,\"kernel\":7}]" }), dir, "huge", contains: "architecture")
        Self.expectRejected(try variant("thr", meta: { $0["threshold"] = "1.5" }), dir, "thr", contains: "threshold")
        Self.expectRejected(try variant("miss", skip: "fc2.bias"), dir, "miss", contains: "fc2.bias")
        Self.expectRejected(try variant("shape", reshape: "conv2.weight"), dir, "shape", contains: "conv2.weight")
    }

    @Test func featureMismatchNamesParameterAndFix() throws {
        let m = try Self.makeModel()
        var other = FeatureConfig(); other.hop = 128
        do {
            try m.checkCompatible(with: other)
            Issue.record("expected a mismatch")
        } catch let e as ModelFileError {
            #expect(e.description.contains("hop 160 vs 128") && e.description.contains("retrain"))
        }
        try m.checkCompatible(with: FeatureConfig())
    }

    /// An operating point is picked by its false-alarm rate; a rate the file has no threshold for names the
    /// rates it has (none for a model without calibration).
    @Test func thresholdForAFalseAlarmRateIsTheCalibratedOne() throws {
        let m = try Self.makeModel()
        #expect(try m.threshold(falseAlarmsPerHour: 1) == 0.9 && m.threshold(falseAlarmsPerHour: 10) == 0.7)
        do {
            _ = try m.threshold(falseAlarmsPerHour: 5)
            Issue.record("expected no operating point for 5 FA/h")
        } catch let e as ModelFileError {
            #expect(e.description.contains("5 false alarm(s)/hour") && e.description.contains("has: 1, 10"), "\(e)")
        }
        m.thresholds = [:]
        #expect(throws: ModelFileError.self) { try m.threshold(falseAlarmsPerHour: 1) }
        do { _ = try m.threshold(falseAlarmsPerHour: 0.5) } catch { #expect("\(error)".contains("0.5 false alarm(s)/hour") && "\(error)".contains("none")) }
    }

    /// A rate is printed as a whole number when it is one, and as a Double when it is too large for an integer
    /// (a typo of a few extra zeros once trapped converting it), infinite or tiny.
    @Test func aRateKeyIsPrintedWhateverItsSize() throws {
        #expect(Model.rateKey(1) == "1" && Model.rateKey(10) == "10" && Model.rateKey(0.5) == "0.5")
        #expect(Model.rateKey(1e19) == "1e+19" && Model.rateKey(9.3e18) == "9.3e+18" && Model.rateKey(1e300) == "1e+300")
        #expect(Model.rateKey(.infinity) == "inf" && Model.rateKey(1e-19) == "1e-19")
        let m = try Self.makeModel()
        #expect { try m.threshold(falseAlarmsPerHour: 1e19) } throws: { "\($0)".contains("no threshold calibrated for 1e+19 false alarm(s)/hour") }
    }

    @Test func inputNormMakesTheModelGainInvariant() throws {
        let s = try Self.makeModel().makeInference()
        let w = Self.window(seed: 4)
        let louder = w.map { $0 + Float(log(100.0)) } // +20 dB in power = +ln(100) on log-mel
        let a = w.withUnsafeBufferPointer { s.gunshotProbability($0.baseAddress!) }
        let b = louder.withUnsafeBufferPointer { s.gunshotProbability($0.baseAddress!) }
        #expect(abs(a - b) < 1e-4)
    }
}
