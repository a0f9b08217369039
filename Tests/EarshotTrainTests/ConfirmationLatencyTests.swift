import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing
@testable import EarshotTrain

@Suite struct ConfirmationLatencyTests {
    /// Each stream's first confirmation after its shot, nearest-rank percentiles; a stream confirmed before its
    /// shot or never confirmed is not counted.
    @Test func latenciesByHand() throws {
        // ten streams: latencies 0.1 … 1.0 s, in a shuffled order
        let d = [0.5, 0.2, 1.0, 0.7, 0.1, 0.9, 0.3, 0.8, 0.4, 0.6]
        var conf = d.map { [2.0 + $0, 9.0] }                  // a later second event must not count
        var shots = [Double](repeating: 2.0, count: 10)
        conf.append([])                                        // not found
        shots.append(1.0)
        conf.append([0.5, 3.0])                                // confirmed before its loudest moment
        shots.append(1.0)
        let l = try #require(ConfirmationLatency.measure(confirmations: conf, shotTimes: shots))
        #expect(l.clips == 10)
        #expect(abs(l.median - 0.5) < 1e-9 && abs(l.p90 - 0.9) < 1e-9 && abs(l.max - 1.0) < 1e-9, "\(l)")
        #expect(l.withinTarget == 0.3 && l.summary == "500 / 900 / 1000 ms (10 shots, 30 % within 300 ms)", "\(l.summary)")
        // a report written before the share was measured still loads, and says nothing of it
        let old = try JSONDecoder().decode(ConfirmationLatency.self, from: Data(#"{"clips":2,"median":0.2,"p90":0.4,"max":0.4}"#.utf8))
        #expect(old.withinTarget == nil && old.summary == "200 / 400 / 400 ms (2 shots)")
        #expect(ConfirmationLatency.measure(confirmations: [[], [0.1]], shotTimes: [0, 1]) == nil)
    }
}

/// The evaluator times a shot as it arrives in a stream: a burst 0.1 s into its clip (where `earshot detect`'s
/// half-window padding would first show it mid-window, ≈ 0.5 s late) is confirmed within a hop or two of it.
@Suite struct EvaluatorLatencyTests {
    @Test func aShotNearItsClipsStartIsTimedAsItArrives() throws {
        let c = FeatureConfig(), rate = c.sampleRate
        var rng = SeededRNG(seed: 5)
        func clip(burstAt t: Double?) -> [Float] {
            var x = (0..<(2 * rate)).map { _ in Float(rng.uniform(-1, 1)) * 0.003 }
            if let t { let i0 = Int(t * Double(rate)); for k in 0..<1600 { x[i0 + k] += 0.5 * Float(rng.uniform(-1, 1)) * expf(-Float(k) / 400) } }
            return x
        }
        // a hand-set model whose gunshot score rises with the window's mean log-mel: through 0.5 once about four
        // frames of the burst are in the window (measured here on a long stream with the burst at 2.0 s)
        var probe = (0..<(3 * rate)).map { _ in Float(rng.uniform(-1, 1)) * 0.003 }
        for k in 0..<1600 { probe[2 * rate + k] += 0.5 * Float(rng.uniform(-1, 1)) * expf(-Float(k) / 400) }
        let m = try LogMel.compute(probe, config: c), frames = m.count / c.nMels
        let perFrame = (0..<frames).map { f in (0..<c.nMels).reduce(Float(0)) { $0 + m[f * c.nMels + $1] } / Float(c.nMels) }
        func windowMean(endingAt f: Int) -> Float { perFrame[(f - c.windowFrames + 1)...f].reduce(0, +) / Float(c.windowFrames) }
        let level = (windowMean(endingAt: 202) + windowMean(endingAt: 203)) / 2   // the burst starts in frame 200
        let net = try Network(specs: [.gap, .dense("fc", 2)], inputShape: Shape3(1, c.nMels, c.windowFrames))
        net.parameter(named: "fc.weight")!.value = [0, 50]
        net.parameter(named: "fc.bias")!.value = [0, -50 * level]
        let model = Model(network: net, features: c, threshold: 0.5)
        func info(_ label: String) -> ClipInfo { ClipInfo(file: label, label: label, source: label, group: label, seconds: 2, licence: "") }
        let guns = [0.1, 0.15, 1.0, 1.23].map { Clip(info: info("gunshot"), samples: clip(burstAt: $0)) }
        let negs = (0..<3).map { _ in Clip(info: info("negative"), samples: clip(burstAt: nil)) }
        var e = Evaluator(); e.log = { _ in }
        let r = try e.evaluate(model: model, name: "energy", rule: DecisionRule(threshold: 0.5), gunshots: guns, negatives: negs, crowd: [])
        #expect(r.metrics.tp == 4 && r.metrics.fp == 0, "\(r.metrics)")
        let l = try #require(r.latency)
        // confirmed by the second window above the threshold: 0–100 ms of hop phase, one hop, the burst's first frames
        #expect(l.clips == 4 && l.median >= 0.05 && l.max <= 0.25, "\(l)")
    }
}
