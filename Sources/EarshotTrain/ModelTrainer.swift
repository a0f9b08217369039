import EarshotDSP
import EarshotNN
import Foundation

/// Settings of one training run.
public struct TrainSettings: Sendable {
    public var epochs = 12
    public var windowsPerEpoch = 4096
    public var batch = 32
    public var learningRate: Float = 1e-3
    public var finalLearningRateFraction: Float = 0.05
    public var weightDecay: Float = 1e-4
    public var patience = 4
    public var augment = AugmentConfig.clean
    public var balanceSources = false
    public var seed: UInt64 = 1
    public init() {}
}

/// One epoch's record (for the training/validation curves).
public struct EpochRecord: Codable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var valLoss: Double
    public var valAUC: Double
    /// Early-stopping metric: recall of validation gunshot windows at a 1 % false-positive window rate.
    public var valRecallAt1pct: Double
    public var seconds: Double
}

/// The training loop: balanced gunshot/other batches built on the fly (augmentation in the waveform
/// domain), AdamW with cosine learning-rate decay, cross-entropy on logits, early stopping on VALIDATION
/// recall at 1 % FPR with the best weights restored.
public final class ModelTrainer {
    public let data: TrainingData
    public let source: WindowSource
    public let featurizer: Featurizer
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(data: TrainingData, features: FeatureConfig = FeatureConfig()) throws {
        self.data = data
        source = WindowSource(features: features)
        featurizer = try Featurizer(features: features)
    }

    /// Trains `network` in place; returns the per-epoch history. `name` labels progress output.
    public func train(_ network: Network, settings s: TrainSettings, validation: WindowSet, name: String) -> [EpochRecord] {
        guard !data.gunshots.isEmpty, !data.others.isEmpty else { log("\(name): no training data"); return [] }
        let opt = AdamW(learningRate: s.learningRate, weightDecay: s.weightDecay)
        let session = TrainingSession(network: network, optimizer: opt, maxBatch: s.batch)
        let size = network.inputShape.count
        var batch = [Float](repeating: 0, count: s.batch * size)
        var labels = [Int32](repeating: 0, count: s.batch)
        var rng = SeededRNG(seed: s.seed)
        var history: [EpochRecord] = []
        var best = -1.0, bestWeights = network.snapshot(), since = 0
        let steps = max(1, s.windowsPerEpoch / s.batch)
        for epoch in 1...s.epochs {
            let t0 = Date()
            let progress = (0.5 * (1 + cos(Double.pi * Double(epoch - 1) / Double(max(1, s.epochs - 1)))))
            opt.learningRate = s.learningRate * (s.finalLearningRateFraction + (1 - s.finalLearningRateFraction) * Float(progress))
            let bar = ProgressBar("\(name) epoch \(epoch)/\(s.epochs)", total: steps)
            var lossSum = 0.0
            for step in 0..<steps {
                batch.withUnsafeMutableBufferPointer { b in
                    for i in 0..<s.batch {
                        let positive = i % 2 == 0
                        labels[i] = positive ? 1 : 0
                        var w: [Float]
                        if positive {
                            let k = data.pick(data.gunBySource, count: data.gunshots.count, balanced: s.balanceSources, rng: &rng)
                            w = source.gunshotWindow(data.gunshots[k], peak: data.peaks[k], rng: &rng)
                        } else {
                            let k = data.pick(data.otherBySource, count: data.others.count, balanced: s.balanceSources, rng: &rng)
                            w = source.randomWindow(data.others[k], rng: &rng)
                        }
                        w = source.augment(w, aug: s.augment, noisePool: data.noisePool, rirs: data.rirs, rng: &rng)
                        featurizer.input(w, into: b.baseAddress! + i * size)
                    }
                }
                let loss = batch.withUnsafeBufferPointer { session.step(inputs: $0.baseAddress!, labels: labels) }
                lossSum += Double(loss)
                bar.update(step + 1, note: String(format: "loss %.4f", lossSum / Double(step + 1)))
            }
            bar.finish()
            let (vl, auc, rec) = evaluate(session, validation)
            let rec1 = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(steps), valLoss: vl, valAUC: auc, valRecallAt1pct: rec, seconds: Date().timeIntervalSince(t0))
            history.append(rec1)
            let metric = rec + 0.01 * auc // recall at 1 % FPR, AUC breaks ties
            let stats = String(format: "train loss %.4f  val loss %.4f  val AUC %.4f  val recall@1%%FPR %.3f  (%.0f s)", rec1.trainLoss, vl, auc, rec, rec1.seconds)
            log("\(name) epoch \(epoch): \(stats)\(metric > best ? "  ← best" : "")")
            if metric > best { best = metric; bestWeights = network.snapshot(); since = 0 } else {
                since += 1
                if since >= s.patience { log("\(name): early stop (no validation improvement for \(s.patience) epochs)"); break }
            }
        }
        network.restore(bestWeights)
        return history
    }

    /// Validation loss, AUC and recall at 1 % FPR of the window set, in inference mode.
    public func evaluate(_ session: TrainingSession, _ v: WindowSet) -> (loss: Double, auc: Double, recall: Double) {
        let probs = v.inputs.withUnsafeBufferPointer { session.predict(inputs: $0.baseAddress!, n: v.count) }
        var loss = 0.0
        var scores = [Float](repeating: 0, count: v.count)
        for i in 0..<v.count {
            scores[i] = probs[2 * i + 1]
            loss -= Foundation.log(max(1e-7, Double(v.labels[i] ? probs[2 * i + 1] : probs[2 * i])))
        }
        return (loss / Double(max(1, v.count)), ROC.auc(scores: scores, labels: v.labels), ROC.recall(atFPR: 0.01, scores: scores, labels: v.labels))
    }
}
