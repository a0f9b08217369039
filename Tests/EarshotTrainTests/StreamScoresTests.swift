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
}
