import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing
@testable import EarshotTrain

/// The evaluation's scores are `earshot detect`'s: the same windows with the same scores and times, short
/// clips included; hours count the clips' own audio.
@Suite struct StreamScoresTests {
    @Test func clipsAreScoredExactlyAsFilesAreShortOnesToo() throws {
        let net = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        net.initialize(seed: 3)
        let detector = try Detector(model: Model(network: net, features: FeatureConfig(), threshold: 0.5), rule: DecisionRule(threshold: 0.5))
        var rng = SeededRNG(seed: 8)
        let clips = [6400, 40_000].map { n in
            (0..<n).map { i in Float(rng.uniform(-0.01, 0.01)) + (i >= 100 && i < 900 ? Float(rng.uniform(-0.6, 0.6)) : 0) }
        }
        let s = StreamScores.collect(clips, detector: detector)
        #expect(abs(s.seconds - 46_400.0 / 16_000) < 1e-9, "own audio only, not the padding")
        for (k, c) in clips.enumerated() {
            var trace: [(Double, Float)] = []
            detector.onScore = { trace.append(($0, $1)) }
            let r = FileAnalyzer.analyze(samples: c, detector: detector)
            detector.onScore = nil
            #expect(s.streams[k].count == r.windows && r.windows >= 2, "clip \(k): \(s.streams[k].count) vs \(r.windows) windows")
            // Scores agree to float rounding, not bit for bit: OpenBLAS's thread count is process-wide and
            // tests training in parallel change it, which changes how a GEMM is split and so its rounding
            // (seen on an AVX-512 CI machine: 2 windows differed in the last bits).
            for (w, t) in zip(s.streams[k], trace) {
                #expect(abs((w.start + w.end) / 2 - t.0) < 1e-9 && abs(w.score - t.1) <= 1e-5, "clip \(k) at \(t.0) s: \(w.score) vs \(t.1)")
            }
        }
    }

    /// The streams with an event under a rule, by index: what a model "found" when the streams are shots.
    @Test func streamsWithEventsAreTheOnesWhoseScoresConfirmAnEvent() {
        var s = StreamScores()
        func stream(_ scores: [Float]) -> [ScoredWindow] {
            scores.enumerated().map { ScoredWindow(start: 0.1 * Double($0.offset), end: 0.1 * Double($0.offset) + 0.96, onset: 0.1 * Double($0.offset), score: $0.element) }
        }
        for scores: [Float] in [[0.2, 0.9, 0.95, 0.3], [0.9, 0.2, 0.9, 0.2], [0.1, 0.1], [0.99, 0.99, 0.99]] { s.add(stream(scores), seconds: 1) }
        let rule = DecisionRule(threshold: 0.8)   // two consecutive windows above it confirm an event
        #expect(s.streamsWithEvents(rule: rule) == [0, 3], "the second stream never has two in a row")
        #expect(s.fractionWithEvents(rule: rule) == 0.5)
        var strict = rule; strict.threshold = 0.96
        #expect(s.streamsWithEvents(rule: strict) == [3] && s.fractionWithEvents(rule: strict) == 0.25)
    }
}
