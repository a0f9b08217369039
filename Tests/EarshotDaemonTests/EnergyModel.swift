import EarshotDSP
import EarshotNN
import Foundation

/// A hand-set "network" whose gunshot logit is the window's mean log-mel energy: GAP over the (1, 64, 96)
/// log-mel window → dense(1→2) with logits (0, gain·(mean − level)). No input normalisation, no training,
/// so loud bursts fire and quiet noise does not — a real, deterministic detector for planted shots that
/// exercises the whole pipeline (features, inference, decision rule) independently of the trained model.
enum EnergyModel {
    /// `level` is the window-mean log-mel at which p(gunshot) = 0.5: halfway between a quiet recording and
    /// a window holding one shot, both measured here with the real feature extractor.
    /// `features`: the model's (the tests' signals are made at its rate).
    static func make(gain: Float = 4, features c: FeatureConfig = FeatureConfig()) throws -> Model {
        let quiet = try windowMeans(DaemonTestSignals.recording(seconds: 3, shots: [], rate: c.sampleRate), c).max()!
        let loud = try windowMeans(DaemonTestSignals.recording(seconds: 3, shots: [1.0], rate: c.sampleRate), c).max()!
        precondition(loud > quiet + 1, "test signal: a shot must raise the window mean clearly (quiet \(quiet), loud \(loud))")
        let level = (quiet + loud) / 2
        let net = try Network(specs: [.gap, .dense("fc", 2)], inputShape: Shape3(1, c.nMels, c.windowFrames))
        let w = net.parameter(named: "fc.weight")!, b = net.parameter(named: "fc.bias")!
        w.value = [0, gain]               // (out 2, in 1)
        b.value = [0, -gain * level]
        return Model(network: net, features: c, threshold: 0.5, provenance: ["trained_by": "hand-set energy model (EarshotDaemonTests)"])
    }

    static func write(to url: URL, features: FeatureConfig = FeatureConfig()) throws -> URL {
        try make(features: features).save(to: url)
        return url
    }

    /// Features at 8 kHz (a model at another rate than the capture's 16 kHz).
    static var features8k: FeatureConfig {
        var c = FeatureConfig()
        c.sampleRate = 8_000; c.nFFT = 256; c.hop = 80; c.nMels = 32; c.fMax = 4_000
        return c
    }

    /// Mean log-mel of every 96-frame window (hop 1 frame).
    static func windowMeans(_ x: [Float], _ c: FeatureConfig) throws -> [Float] {
        let m = try LogMel.compute(x, config: c)      // (frames, nMels)
        let frames = m.count / c.nMels
        var perFrame = [Float](repeating: 0, count: frames)
        for f in 0..<frames { for k in 0..<c.nMels { perFrame[f] += m[f * c.nMels + k] }; perFrame[f] /= Float(c.nMels) }
        guard frames >= c.windowFrames else { return [] }
        return (0...(frames - c.windowFrames)).map { s in perFrame[s..<(s + c.windowFrames)].reduce(0, +) / Float(c.windowFrames) }
    }
}
