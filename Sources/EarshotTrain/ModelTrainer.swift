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
    /// AdamW's decoupled decay: each step shrinks every weight by learningRate × weightDecay. At 1e-4 that is
    /// ≤ 1e-7 a step, 0.02 % over 30 cosine epochs of 128 steps from 1e-3 — in effect no decay; kept so the
    /// shipped recipe rebuilds bit for bit (0.2, a real decay, was tried and not shipped: models/EXPERIMENTS.md).
    public var weightDecay: Float = 1e-4
    public var patience = 4
    public var augment = AugmentConfig.clean
    public var balanceSources = false
    /// Share of negative windows drawn from the mined hard negatives (0 = off).
    public var hardNegativeFraction = 0.0
    /// Re-mine hard negatives before every `mineEvery`-th epoch (from the second epoch on).
    public var mineEvery = 2
    /// Decay of the exponential moving average of the weights that validation sees and training keeps
    /// (0 = off: the raw weights). 0.995 averages over ≈ 200 steps, 1.6 epochs of 4,096 windows.
    public var averageDecay = 0.995
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
    /// What early stopping maximises: validation recall at 1 % FPR, AUC breaking ties.
    public var selectionScore: Double { valRecallAt1pct + 0.01 * valAUC }
}

/// The training loop: balanced gunshot/other batches built on the fly (augmentation in the waveform
/// domain, optional masking of the features), optional hard-negative mining, AdamW with cosine
/// learning-rate decay, cross-entropy on logits, a moving average of the weights (`WeightAverage`), early
/// stopping on VALIDATION recall at 1 % FPR of the averaged weights with the best ones restored. With an
/// empty validation set it runs exactly `epochs` epochs and keeps the last (averaged) weights (the
/// out-of-fold runs, whose epoch count comes from the main run).
public final class ModelTrainer {
    public let data: TrainingData
    public let source: WindowSource
    public let featurizer: Featurizer
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// Training threads: every batch is prepared on this many threads (`BatchBuilder`) and split over this
    /// many data-parallel workers (`TrainingSession(workers:)`), each with OpenBLAS on one thread — set at
    /// the start of every `train` call, as OpenBLAS's thread count is process-wide. On the 2-core VM of
    /// BENCHMARKS.md two workers trained 1.5–1.7× as fast as one OpenBLAS thread and 1.45–1.6× as fast as
    /// two; preparing batches on two threads saved ≈ 1 s of a 10–12 s epoch.
    public let threads: Int
    private let builder: BatchBuilder

    public init(data: TrainingData, features: FeatureConfig = FeatureConfig(), threads: Int = 2) throws {
        self.data = data
        self.threads = threads
        source = try WindowSource(features: features)
        featurizer = try Featurizer(features: features)
        builder = try BatchBuilder(features: features, lanes: threads)
    }

    /// Trains `network` in place; returns the per-epoch history. `name` labels progress output.
    public func train(_ network: Network, settings s: TrainSettings, validation: WindowSet, name: String) -> [EpochRecord] {
        guard !data.gunshots.isEmpty, !data.others.isEmpty else { log("\(name): no training data"); return [] }
        BLAS.setThreads(1)
        let opt = AdamW(learningRate: s.learningRate, weightDecay: s.weightDecay)
        let session = TrainingSession(network: network, optimizer: opt, maxBatch: s.batch, workers: threads)
        let size = network.inputShape.count
        var batch = [Float](repeating: 0, count: s.batch * size)
        var labels = [Int32](repeating: 0, count: s.batch)
        var rng = SeededRNG(seed: s.seed)
        var history: [EpochRecord] = []
        var best = -1.0, bestWeights = network.snapshot(), since = 0
        var average = s.averageDecay > 0 ? WeightAverage(network, decay: s.averageDecay) : nil
        let steps = max(1, s.windowsPerEpoch / s.batch)
        var hard = HardNegatives()
        for epoch in 1...s.epochs {
            let t0 = Date()
            if s.hardNegativeFraction > 0, epoch > 1, (epoch - 1) % max(1, s.mineEvery) == 0 {
                hard.mine(session: session, clips: data.others, source: source, featurizer: featurizer)
                log(String(format: "%@: mined %d hard negatives (top score %.3f, %d-th %.3f) in %.0f s", name, hard.windows.count,
                           hard.windows.first?.score ?? 0, hard.windows.count, hard.windows.last?.score ?? 0, Date().timeIntervalSince(t0)))
            }
            let progress = (0.5 * (1 + cos(Double.pi * Double(epoch - 1) / Double(max(1, s.epochs - 1)))))
            opt.learningRate = s.learningRate * (s.finalLearningRateFraction + (1 - s.finalLearningRateFraction) * Float(progress))
            let bar = ProgressBar("\(name) epoch \(epoch)/\(s.epochs)", total: steps)
            var lossSum = 0.0
            for step in 0..<steps {
                batch.withUnsafeMutableBufferPointer { b in
                    builder.fill(b.baseAddress!, labels: &labels, count: s.batch, shape: network.inputShape, data: data, settings: s, hard: hard.windows, rng: &rng)
                }
                let loss = batch.withUnsafeBufferPointer { session.step(inputs: $0.baseAddress!, labels: labels) }
                lossSum += Double(loss)
                average?.update(from: network)
                bar.update(step + 1, note: String(format: "loss %.4f", lossSum / Double(step + 1)))
            }
            bar.finish()
            // validation (and the weights kept) use the averaged weights when averaging is on
            let current = average?.values ?? network.snapshot()
            let (vl, auc, rec) = validation.count == 0 ? (0, 0, 0)
                : average.map { a in a.withAveraged(in: network) { evaluate(session, validation) } } ?? evaluate(session, validation)
            let rec1 = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(steps), valLoss: vl, valAUC: auc, valRecallAt1pct: rec, seconds: Date().timeIntervalSince(t0))
            history.append(rec1)
            // without validation the latest epoch is the best
            let metric = validation.count > 0 ? rec1.selectionScore : Double(epoch)
            if validation.count > 0 {
                let stats = String(format: "train loss %.4f  val loss %.4f  val AUC %.4f  val recall@1%%FPR %.3f  (%.0f s)", rec1.trainLoss, vl, auc, rec, rec1.seconds)
                log("\(name) epoch \(epoch): \(stats)\(metric > best ? "  ← best" : "")")
            } else {
                log(String(format: "%@ epoch %d/%d: train loss %.4f  (%.0f s)", name, epoch, s.epochs, rec1.trainLoss, rec1.seconds))
            }
            if metric > best { best = metric; bestWeights = current; since = 0 } else {
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
