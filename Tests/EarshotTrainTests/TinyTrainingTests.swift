import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing
@testable import EarshotTrain

/// End to end on generated audio: a tiny CNN learns impulsive bursts vs tones in a few steps, is saved as a
/// model file, reloaded, and the detector finds the bursts in a file it never saw.
@Suite struct TinyTrainingTests {
    static func burst(at: Int, in n: Int, rng: inout SeededRNG) -> [Float] {
        var x = (0..<n).map { _ in Float(rng.uniform(-0.003, 0.003)) }
        for i in 0..<1200 where at + i < n { x[at + i] += Float(rng.uniform(-0.8, 0.8)) * Float(exp(-Double(i) / 250)) }
        return x
    }

    static func tone(_ f: Double, n: Int, rng: inout SeededRNG) -> [Float] {
        (0..<n).map { Float(0.2 * sin(2 * Double.pi * f * Double($0) / 16000) + rng.uniform(-0.003, 0.003)) }
    }

    static let tinySpecs: [LayerSpec] = [.inputNorm(.global), .conv("conv1", 4), LayerSpec(type: "batchnorm", name: "bn1", eps: 1e-3, momentum: 0.9), .relu, .maxpool, .maxpool, .conv("conv2", 8), .relu, .gap, .dense("fc1", 2)]

    /// A generated clip `label`/`i` of its own recording group, from source `source` (default "gen<label>").
    static func clip(_ label: String, _ i: Int, _ s: [Float], source: String? = nil) -> Clip {
        Clip(info: ClipInfo(file: "\(label)/\(i).wav", label: label, source: source ?? "gen\(label)", group: "\(label)\(i)", seconds: Double(s.count) / 16000, licence: "generated"), samples: s)
    }

    /// A generated corpus folder (no manifest): 7 groups of 2 bursts (gunshot), 7 groups of 2 tones
    /// (negative), 4 clips of babble (crowd), 2 s each.
    static func writeCorpus(_ root: URL, rng: inout SeededRNG) throws {
        func write(_ label: String, _ name: String, _ x: [Float]) throws {
            let d = root.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try AudioFileWriter.writeWAV16(x, sampleRate: 16000, to: d.appendingPathComponent(name + ".wav"))
        }
        for g in 0..<7 { for k in 0..<2 { try write("gunshot", "shot\(g)__\(k)", burst(at: 12000 + 900 * k, in: 32000, rng: &rng)) } }
        for g in 0..<7 { for k in 0..<2 { try write("negative", "tone\(g)__\(k)", tone(250 + 140 * Double(g) + 30 * Double(k), n: 32000, rng: &rng)) } }
        for g in 0..<4 { try write("crowd", "babble\(g)__0", (0..<32000).map { _ in Float(rng.uniform(-0.02, 0.02)) }) }
    }

    @Test func tinyModelLearnsSavesAndDetects() throws {
        var rng = SeededRNG(seed: 5)
        let clip = { (label: String, i: Int, s: [Float]) in Self.clip(label, i, s) }
        var clips: [Clip] = []
        for i in 0..<8 { clips.append(clip("gunshot", i, Self.burst(at: 8000 + 700 * i, in: 32000, rng: &rng))) }
        for i in 0..<8 { clips.append(clip("negative", i, Self.tone(300 + 150 * Double(i), n: 32000, rng: &rng))) }
        // background alone is negative too (a stream is mostly background)
        for i in 8..<14 { clips.append(clip("negative", i, (0..<32000).map { _ in Float(rng.uniform(-0.003, 0.003)) })) }
        let data = TrainingData(clips: clips)
        let trainer = try ModelTrainer(data: data)
        trainer.log = { _ in }
        let val = WindowSet(data: data, source: trainer.source, featurizer: trainer.featurizer, seed: 1)
        let net = try Network(specs: Self.tinySpecs, inputShape: Shape3(1, 64, 96))
        net.initialize(seed: 2)
        var s = TrainSettings()
        s.epochs = 8; s.windowsPerEpoch = 256; s.batch = 16; s.learningRate = 5e-3; s.patience = 20
        let history = trainer.train(net, settings: s, validation: val, name: "tiny")
        #expect(history.count == 8)
        #expect(history.last!.trainLoss < history.first!.trainLoss, "loss \(history.map(\.trainLoss))")
        #expect(history.map(\.valAUC).max()! > 0.9, "val AUC \(history.map(\.valAUC))")

        let dir = TestPaths.tempDir("tiny"); defer { try? FileManager.default.removeItem(at: dir) }
        let model = Model(network: net, features: FeatureConfig(), threshold: 0.5, provenance: ["train.data": "generated"])
        let url = dir.appendingPathComponent("tiny.safetensors")
        try model.save(to: url)
        let back = try Model.load(url)
        // a new file: bursts at 1.5 s and 4.5 s in 6 s of faint noise
        var test = Self.burst(at: 24000, in: 96000, rng: &rng)
        let second = Self.burst(at: 72000, in: 96000, rng: &rng)
        for i in test.indices { test[i] += second[i] }
        let wav = dir.appendingPathComponent("two-shots.wav")
        try AudioFileWriter.writeWAV16(test, sampleRate: 16000, to: wav)
        let detector = try Detector(model: back, rule: DecisionRule(threshold: 0.5, minConsecutive: 2, cooldown: 0.5))
        let r = try FileAnalyzer.analyze(wav, detector: detector)
        #expect(r.events.count == 2, "events \(r.events), max score \(r.maxScore), windows \(r.windows)")
        if r.events.count == 2 {
            #expect(abs(r.events[0].start - 1.5) < 0.1 && abs(r.events[1].start - 4.5) < 0.1, "onsets \(r.events.map(\.start))")
        }
    }
}
