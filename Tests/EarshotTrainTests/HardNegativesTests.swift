import EarshotDSP
import EarshotNN
import Foundation
import Testing
@testable import EarshotTrain

@Suite struct HardNegativesTests {
    /// A network whose gunshot score rises with a window's mean log-mel energy: GAP → dense with
    /// logit₁ − logit₀ = mean log-mel + 9. The loudest windows are then the "hardest" negatives.
    static func energyNetwork() throws -> Network {
        let net = try Network(specs: [.gap, .dense("fc", 2)], inputShape: Shape3(1, 64, 96))
        for p in net.parameters {
            if p.name == "fc.weight" { p.value = [0, 1] }
            if p.name == "fc.bias" { p.value = [0, 9] }
        }
        return net
    }

    @Test func minesTheLoudestWindowsFirstAndScoresEveryStart() throws {
        var rng = SeededRNG(seed: 4)
        let quiet = (0..<48000).map { _ in Float(rng.uniform(-0.002, 0.002)) }
        var loud = quiet
        for i in 30000..<31000 { loud[i] += Float(rng.uniform(-0.7, 0.7)) } // a slam at 1.875 s
        let clips = [quiet, loud].enumerated().map { Clip(info: ClipInfo(file: "n\($0.offset)", label: "negative", source: "n", group: "n\($0.offset)", seconds: 3, licence: ""), samples: $0.element) }
        let net = try Self.energyNetwork()
        let session = TrainingSession(network: net, optimizer: AdamW(learningRate: 0), maxBatch: 8)
        let source = try WindowSource()
        var h = HardNegatives()
        h.mine(session: session, clips: clips, source: source, featurizer: try Featurizer(), hop: 4000, keep: 5, batch: 3)
        #expect(h.windows.count == 5)
        #expect(zip(h.windows, h.windows.dropFirst()).allSatisfy { $0.score >= $1.score }, "highest first")
        let top = h.windows[0]
        #expect(top.clip == 1 && top.start <= 30000 && top.start + source.length >= 31000, "top window \(top) must hold the slam")
        // starts −length/2, −length/2 + 4000, … while the window's centre is in the clip (every sample seen
        // mid-window): 48000 samples → 12 windows per clip
        var all = HardNegatives()
        all.mine(session: session, clips: clips, source: source, featurizer: try Featurizer(), hop: 4000, keep: 1000, batch: 3)
        let perClip = (48000 - 1) / 4000 + 1
        #expect(all.windows.count == 2 * perClip && perClip == 12)
        #expect(Set(all.windows.map(\.start)) == Set(source.scanStarts(count: 48000, hop: 4000)))
        // the scores are the network's own: re-score the top window directly
        var x = [Float](repeating: 0, count: 64 * 96)
        var r2 = SeededRNG(seed: 0)
        try Featurizer().input(source.cut(clips[top.clip].samples, start: top.start, rng: &r2), into: &x)
        let p = session.predict(inputs: x, n: 1)
        #expect(abs(p[1] - top.score) < 1e-5)
    }

    @Test func trainerDrawsHardNegativesAndRunsFixedEpochsWithoutValidation() throws {
        var rng = SeededRNG(seed: 6)
        func clip(_ label: String, _ i: Int, _ s: [Float]) -> Clip {
            Clip(info: ClipInfo(file: "\(label)/\(i)", label: label, source: label, group: "\(label)\(i)", seconds: 2, licence: ""), samples: s)
        }
        var clips = (0..<4).map { clip("gunshot", $0, TinyTrainingTests.burst(at: 10000, in: 32000, rng: &rng)) }
        clips += (0..<4).map { clip("negative", $0, TinyTrainingTests.tone(400 + 100 * Double($0), n: 32000, rng: &rng)) }
        let trainer = try ModelTrainer(data: TrainingData(clips: clips))
        var lines: [String] = []
        trainer.log = { lines.append($0) }
        let net = try Network(specs: TinyTrainingTests.tinySpecs, inputShape: Shape3(1, 64, 96))
        net.initialize(seed: 1)
        var s = TrainSettings()
        s.epochs = 5; s.windowsPerEpoch = 64; s.batch = 16; s.hardNegativeFraction = 0.5; s.mineEvery = 2
        s.augment.specMask = SpecMask(probability: 1)
        let h = trainer.train(net, settings: s, validation: .empty, name: "t")
        #expect(h.count == 5, "no validation: exactly the epochs asked for")
        #expect(lines.filter { $0.contains("mined") }.count == 2, "mined before epochs 3 and 5: \(lines)")
        #expect(!lines.contains { $0.contains("early stop") })
    }
}

@Suite struct SpecMaskTests {
    @Test func masksAtMostTheConfiguredBandsAndFramesWithTheMean() {
        var rng = SeededRNG(seed: 9)
        for _ in 0..<50 {
            let orig = (0..<(64 * 96)).map { _ in Float(rng.uniform(-10, 0)) }
            var x = orig
            let mean = Float(orig.reduce(0.0) { $0 + Double($1) } / Double(orig.count))
            SpecMask(probability: 1, maxBands: 8, maxFrames: 12).apply(&x, nMels: 64, frames: 96, rng: &rng)
            let changed = (0..<x.count).filter { x[$0] != orig[$0] }
            #expect(changed.allSatisfy { abs(x[$0] - mean) < 1e-4 })
            func masked(_ i: Int) -> Bool { x[i] != orig[i] }
            let bands = (0..<64).filter { m in (0..<96).allSatisfy { t in masked(m * 96 + t) } }
            let frames = (0..<96).filter { t in (0..<64).allSatisfy { m in masked(m * 96 + t) } }
            #expect(bands.count <= 8 && frames.count <= 12, "bands \(bands.count) frames \(frames.count)")
            // every changed cell lies in a fully masked band or a fully masked frame
            #expect(changed.allSatisfy { (i: Int) -> Bool in bands.contains(i / 96) || frames.contains(i % 96) })
        }
        var y = [Float](repeating: 1, count: 64 * 96)
        SpecMask(probability: 0).apply(&y, nMels: 64, frames: 96, rng: &rng)
        #expect(y.allSatisfy { $0 == 1 })
    }
}
