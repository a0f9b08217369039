import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation

/// The seed paper's protocol, done right: Model 1 from scratch on clean data; Model 2 = Model 1 fine-tuned
/// with crowd/negative noise injected into gunshot AND negative windows; Model 3 = Model 1 fine-tuned with
/// energy (gain + low-pass) augmentation; Model 4 = Earshot's own: from scratch with a level-invariant input
/// (per-window mean subtraction), every augmentation incl. room reverb, and source-balanced sampling.
/// Thresholds are chosen on validation for target false alarms per hour; the model to ship is picked on
/// validation; everything is then evaluated once on the held-out test split.
public struct ThreeModelProtocol {
    public struct Options {
        public var data: URL
        public var out: URL
        public var seed: UInt64 = 1
        public var epochScale = 1.0
        public var windowsPerEpoch = 4096
        public var ship: URL?
        public var command = ""
        public var threads = 2
        /// Skip training: take the four models (and `history.json`) from this folder of an earlier run, and
        /// redo calibration, threshold selection, evaluation and the report.
        public var reuse: URL?
        public init(data: URL, out: URL) { self.data = data; self.out = out }
    }

    /// Temperature T minimising the validation windows' negative log-likelihood of softmax(logits / T)
    /// (grid search over 0.5…50, log-spaced). ref: Guo et al. 2017, §4.2 "temperature scaling".
    static func fitTemperature(_ net: Network, _ v: WindowSet) throws -> Float {
        let batch = 64
        let s = try InferenceSession(source: net, maxBatch: batch)
        let size = net.inputShape.count
        var margins = [Double](repeating: 0, count: v.count)
        v.inputs.withUnsafeBufferPointer { x in
            var i = 0
            while i < v.count {
                let n = min(batch, v.count - i)
                let z = s.logits(x.baseAddress! + i * size, n: n)
                for j in 0..<n { margins[i + j] = Double(z[2 * j + 1] - z[2 * j]) }
                i += n
            }
        }
        var best = (t: 1.0, nll: Double.infinity)
        for k in 0...80 {
            let t = 0.5 * pow(100.0, Double(k) / 80)
            var nll = 0.0
            for (m, y) in zip(margins, v.labels) {
                let a = (y ? 1.0 : -1.0) * m / t
                nll += a > 30 ? exp(-a) : log1p(exp(-a)) // log(1 + e^−a), stable
            }
            if nll < best.nll { best = (t, nll) }
        }
        return Float(best.t)
    }

    /// The checked-out commit (HEAD resolved through its ref), or "unknown" outside a git checkout.
    static func gitCommit() -> String {
        guard let head = try? String(contentsOfFile: ".git/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else { return "unknown" }
        guard head.hasPrefix("ref: ") else { return head }
        let ref = String(head.dropFirst(5))
        if let c = try? String(contentsOfFile: ".git/\(ref)", encoding: .utf8) { return c.trimmingCharacters(in: .whitespacesAndNewlines) }
        let packed = (try? String(contentsOfFile: ".git/packed-refs", encoding: .utf8)) ?? ""
        return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { String($0.prefix(40)) } ?? head
    }

    public struct Trained {
        public var name: String
        public var title: String
        public var model: Model
        public var history: [EpochRecord]
        public var valRecall: Double
        public var valAUC: Double
        public var test: EvalReport?
    }

    let o: Options
    let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    public init(_ o: Options) { self.o = o }

    public func run() throws -> [Trained] {
        try FileManager.default.createDirectory(at: o.out, withIntermediateDirectories: true)
        BLAS.setThreads(o.threads)
        let corpus = try Corpus(root: o.data)
        let split = GroupSplit(clips: corpus.clips, seed: o.seed)
        let splitTable = split.report(corpus.clips)
        try splitTable.write(to: o.out.appendingPathComponent("split.md"), atomically: true, encoding: .utf8)
        log("split by recording group (seed \(o.seed)):\n\(splitTable)")
        var bad: [String] = []
        let loaded = corpus.load(corpus.clips, progress: ProgressBar("decoding clips", total: corpus.clips.count)) { info, e in
            bad.append("\(info.file): \(e)")
            log("skipping \(info.file): \(e)")
        }
        let rirs = loaded.filter { $0.info.label == "rir" }.map(\.samples)
        func side(_ s: Split) -> [Clip] { loaded.filter { $0.info.label != "rir" && split.side(of: $0.info) == s } }
        let train = TrainingData(clips: side(.train), rirs: rirs)
        let val = TrainingData(clips: side(.validation))
        let testClips = side(.test)
        log("train: \(train.gunshots.count) gunshot / \(train.others.count) other clips; validation: \(val.gunshots.count) / \(val.others.count); test: \(testClips.filter { $0.info.label == "gunshot" }.count) / \(testClips.filter { $0.info.label != "gunshot" }.count); unreadable: \(bad.count)")

        let features = FeatureConfig()
        let trainer = try ModelTrainer(data: train, features: features)
        let valSet = WindowSet(data: val, source: trainer.source, featurizer: trainer.featurizer, seed: o.seed &+ 7)
        log("validation windows: \(valSet.labels.filter { $0 }.count) gunshot, \(valSet.labels.filter { !$0 }.count) other")
        let shape = Shape3(1, features.nMels, features.windowFrames)
        func epochs(_ n: Int) -> Int { max(1, Int((Double(n) * o.epochScale).rounded())) }
        func settings(_ e: Int, _ aug: AugmentConfig, lr: Float, balanced: Bool, seed: UInt64) -> TrainSettings {
            var s = TrainSettings()
            s.epochs = epochs(e); s.augment = aug; s.learningRate = lr; s.balanceSources = balanced
            s.seed = seed; s.windowsPerEpoch = o.windowsPerEpoch
            return s
        }
        func copy(_ n: Network) throws -> Network {
            let c = try Network(specs: n.specs, inputShape: n.inputShape)
            c.restore(n.snapshot())
            return c
        }

        var results: [Trained] = []
        let names = ["model1-paper-clean", "model2-paper-noise", "model3-paper-energy", "model4-earshot"]
        let titles = ["Model 1: from scratch, clean (paper)", "Model 2: M1 + crowd/noise injection (paper)",
                      "Model 3: M1 + energy augmentation (paper)", "Model 4: level-invariant, all augmentation, source-balanced"]
        var runs: [(String, String, Network, [EpochRecord])] = []
        if let dir = o.reuse {
            let histories = (try? JSONDecoder().decode([String: [EpochRecord]].self, from: Data(contentsOf: dir.appendingPathComponent("history.json")))) ?? [:]
            for (n, t) in zip(names, titles) {
                let m = try Model.load(dir.appendingPathComponent("\(n).safetensors"))
                runs.append((n, t, m.network, histories[n] ?? []))
            }
            log("reusing the trained models in \(dir.path)")
        } else {
            let m1 = try Network(specs: LayerSpec.reference(), inputShape: shape)
            m1.initialize(seed: o.seed)
            let h1 = trainer.train(m1, settings: settings(12, .clean, lr: 1e-3, balanced: false, seed: o.seed &+ 1), validation: valSet, name: "model1")
            let m2 = try copy(m1)
            let h2 = trainer.train(m2, settings: settings(6, .noise, lr: 3e-4, balanced: false, seed: o.seed &+ 2), validation: valSet, name: "model2")
            let m3 = try copy(m1)
            let h3 = trainer.train(m3, settings: settings(6, .energy, lr: 3e-4, balanced: false, seed: o.seed &+ 3), validation: valSet, name: "model3")
            let m4 = try Network(specs: LayerSpec.reference(inputNorm: .global), inputShape: shape)
            m4.initialize(seed: o.seed &+ 4)
            let h4 = trainer.train(m4, settings: settings(16, .all, lr: 1e-3, balanced: true, seed: o.seed &+ 4), validation: valSet, name: "model4")
            runs = [(names[0], titles[0], m1, h1), (names[1], titles[1], m2, h2), (names[2], titles[2], m3, h3), (names[3], titles[3], m4, h4)]
        }
        var histories: [String: [EpochRecord]] = [:]
        for r in runs { histories[r.0] = r.3 }
        try JSONEncoder().encode(histories).write(to: o.out.appendingPathComponent("history.json"))

        let baseRule = DecisionRule(threshold: 0.5)
        let commit = Self.gitCommit()
        for (name, title, net, hist) in runs {
            let model = Model(network: net, features: features)
            model.scoreTemperature = try Self.fitTemperature(net, valSet)
            let probe = try Detector(model: model, rule: baseRule)
            let valNeg = StreamScores.collect(val.others.map(\.samples), detector: probe)
            let valGun = StreamScores.collect(val.gunshots.map(\.samples), detector: probe)
            var thresholds: [String: Float] = [:]
            for target in [1.0, 2.0, 5.0, 10.0] {
                thresholds[String(format: "%.0f", target)] = valNeg.threshold(forFalseAlarmsPerHour: target, base: baseRule)
            }
            model.threshold = thresholds["1"] ?? 0.5
            model.thresholds = thresholds
            var rule = baseRule; rule.threshold = model.threshold
            let detected = valGun.events(rule: rule)
            let valRecall = Double(detected.filter { $0 > 0 }.count) / Double(max(1, detected.count))
            let valAUC = ROC.auc(scores: valGun.maxScores() + valNeg.maxScores(),
                                 labels: [Bool](repeating: true, count: valGun.streams.count) + [Bool](repeating: false, count: valNeg.streams.count))
            log(String(format: "%@: score temperature %.2f (fitted on validation NLL)", name, model.scoreTemperature))
            log(String(format: "%@: threshold for 1 FA/h on %.2f h of validation negatives = %.4f; validation clip recall %.3f, clip AUC %.4f", name, valNeg.seconds / 3600, model.threshold, valRecall, valAUC))
            model.provenance = [
                "train.protocol": title, "train.seed": String(o.seed), "train.date": ISO8601DateFormatter().string(from: Date()),
                "train.commit": commit, "train.command": o.command,
                "train.data": "\(o.data.path): \(train.gunshots.count) gunshot / \(train.others.count) other clips (train), split by recording group",
                "train.metrics": String(format: "{\"val_recall_at_1fah\":%.4f,\"val_clip_auc\":%.4f,\"val_negative_hours\":%.3f,\"epochs\":%d}", valRecall, valAUC, valNeg.seconds / 3600, hist.count),
            ]
            results.append(Trained(name: name, title: title, model: model, history: hist, valRecall: valRecall, valAUC: valAUC))
        }

        // Test split, once per model.
        let ev = Evaluator()
        for i in results.indices {
            var rule = baseRule; rule.threshold = results[i].model.threshold
            let r = try ev.evaluate(model: results[i].model, name: results[i].name, rule: rule,
                                    gunshots: testClips.filter { $0.info.label == "gunshot" },
                                    negatives: testClips.filter { $0.info.label == "negative" },
                                    crowd: testClips.filter { $0.info.label == "crowd" })
            results[i].test = r
            results[i].model.provenance["eval.test"] = String(format: "{\"recall\":%.4f,\"precision\":%.4f,\"f1\":%.4f,\"auc\":%.4f,\"fa_per_hour\":%.2f,\"negative_hours\":%.3f}", r.recall, r.precision, r.f1, r.rocAUC, r.falseAlarmsPerHour, r.negativeHours)
            try results[i].model.save(to: o.out.appendingPathComponent("\(results[i].name).safetensors"))
        }
        let best = results.indices.max { (results[$0].valRecall, results[$0].valAUC) < (results[$1].valRecall, results[$1].valAUC) }!
        try Report.write(results, best: best, split: splitTable, unreadable: bad, options: o)
        if let ship = o.ship {
            try results[best].model.save(to: ship)
            log("shipped \(results[best].name) (best on validation) → \(ship.path)")
        }
        return results
    }
}
