import EarshotDSP
import EarshotNN
import Testing
@testable import EarshotTrain

/// The trainer's batches: prepared on several threads, they must be exactly the batches of one thread
/// (each window has its own seeded generator), alternate gunshot/other labels, and follow the generator.
@Suite struct BatchBuilderTests {
    static func data() -> TrainingData {
        var rng = SeededRNG(seed: 3)
        // two sources per class, so source balancing has a choice to make
        let clip = { (label: String, i: Int, s: [Float]) in TinyTrainingTests.clip(label, i, s, source: "gen\(label)\(i % 2)") }
        var clips: [Clip] = []
        for i in 0..<4 { clips.append(clip("gunshot", i, TinyTrainingTests.burst(at: 6000 + 900 * i, in: 24000, rng: &rng))) }
        for i in 0..<4 { clips.append(clip("negative", i, TinyTrainingTests.tone(400 + 200 * Double(i), n: 24000, rng: &rng))) }
        return TrainingData(clips: clips)
    }

    static func batch(lanes: Int, count: Int, settings: TrainSettings, hard: [HardNegatives.Window] = [], seed: UInt64) throws -> ([Float], [Int32]) {
        let shape = Shape3(1, 64, 96)
        let builder = try BatchBuilder(features: FeatureConfig(), lanes: lanes)
        var x = [Float](repeating: .nan, count: count * shape.count)
        var labels = [Int32](repeating: -1, count: count)
        var rng = SeededRNG(seed: seed)
        let d = data()
        x.withUnsafeMutableBufferPointer { builder.fill($0.baseAddress!, labels: &labels, count: count, shape: shape, data: d, settings: settings, hard: hard, rng: &rng) }
        return (x, labels)
    }

    @Test(arguments: [2, 3, 8])
    func lanesGiveTheSameBatchAsOneThread(lanes: Int) throws {
        var s = TrainSettings()
        s.augment = .allMasked; s.balanceSources = true; s.hardNegativeFraction = 0.5
        let hard = [HardNegatives.Window(clip: 1, start: 3000, score: 0.9), HardNegatives.Window(clip: 3, start: 9000, score: 0.8)]
        let (one, l1) = try Self.batch(lanes: 1, count: 7, settings: s, hard: hard, seed: 11)
        let (many, lm) = try Self.batch(lanes: lanes, count: 7, settings: s, hard: hard, seed: 11)
        #expect(!one.contains { $0.isNaN }, "every input written")
        #expect(one == many)
        #expect(l1 == lm)
        #expect(l1 == [1, 0, 1, 0, 1, 0, 1])
    }

    @Test func theSeedChoosesTheWindows() throws {
        var s = TrainSettings()
        s.augment = .all
        let (a, _) = try Self.batch(lanes: 2, count: 4, settings: s, seed: 1)
        let (b, _) = try Self.batch(lanes: 2, count: 4, settings: s, seed: 2)
        let (a2, _) = try Self.batch(lanes: 2, count: 4, settings: s, seed: 1)
        #expect(a != b)
        #expect(a == a2)
    }
}
