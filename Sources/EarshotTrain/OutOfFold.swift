import EarshotDSP
import EarshotDetect
import EarshotNN
import Foundation

/// Grouped k-fold assignment of the non-test clips: every recording group goes whole to one fold, and within
/// each class the groups (largest source first, shuffled within a source by the seed) are dealt to the fold
/// that holds the least audio of that class so far, so every fold gets a similar share of every class.
public struct FoldAssignment: Sendable {
    public let k: Int
    public let fold: [String: Int] // group → fold

    public init(clips: [ClipInfo], k: Int, seed: UInt64) {
        precondition(k >= 2, "k-fold needs k ≥ 2")
        self.k = k
        var rng = SeededRNG(seed: seed)
        var a: [String: Int] = [:]
        for (_, ofClass) in Dictionary(grouping: clips.filter { $0.label != "rir" }, by: \.label).sorted(by: { $0.key < $1.key }) {
            var load = [Double](repeating: 0, count: k)
            let bySource = Dictionary(grouping: ofClass, by: \.source)
            func size(_ s: String) -> Double { bySource[s]!.reduce(0) { $0 + max($1.seconds, 1) } }
            let order = bySource.keys.sorted { (size($0), $1) > (size($1), $0) }
            for src in order {
                let byGroup = Dictionary(grouping: bySource[src]!, by: \.group)
                var groups = byGroup.keys.sorted()
                rng.shuffle(&groups)
                for g in groups where a[g] == nil {
                    let f = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
                    a[g] = f
                    load[f] += byGroup[g]!.reduce(0) { $0 + max($1.seconds, 1) } // unknown length (no manifest): count clips
                }
            }
        }
        fold = a
    }

    public func fold(of clip: ClipInfo) -> Int { fold[clip.group] ?? 0 }
}

/// Out-of-fold calibration of one recipe: for each fold, the recipe (and its base) is trained from scratch
/// on the other folds for the epoch counts the main run's early stopping chose, and the held-out fold's
/// gunshot and negative+crowd clips are streamed through the Detector. Every fold model scores with the
/// shipped model's temperature, so a threshold on the pooled scores is a threshold on the logit margin
/// that means the same for the shipped model (a temperature fitted per held-out fold would rescale each
/// fold differently: a fold holding out a whole gun source fits a very different one). Pooled over folds
/// this scores ALL non-test audio with models that never trained on it — hours of negatives instead of
/// validation's minutes — so thresholds for 1, 2, 5 and 10 false alarms per hour rest on many more events.
/// ref: Hastie, Tibshirani, Friedman, "The Elements of Statistical Learning", §7.10 (cross-validation).
public struct OutOfFold {
    public var negatives = StreamScores()
    public var gunshots = StreamScores()
    public var foldSeconds: [Double] = []
    /// Per fold, in order, its held-out gunshot clips by source (`gunshots` holds their streams fold by fold).
    public var foldGunshotSources: [[String: Int]] = []

    public struct Settings {
        public var k = 4
        public var seed: UInt64 = 1
        public var features = FeatureConfig()
        /// The shipped model's score temperature, applied to every fold model.
        public var temperature: Float = 1
        /// Training threads (data-parallel workers) for the fold models.
        public var threads = 2
        public init() {}
    }

    /// Fold models already trained in this run, by chain prefix and fold: candidates that fine-tune the same
    /// base (Models 2 and 3 both start from Model 1) train each base fold model once.
    public final class Cache {
        var weights: [String: [[Float]]] = [:]
        public init() {}
        public var count: Int { weights.count }
    }

    /// The cache keys of `chain`'s links in fold `f`, each with its epochs: a link's weights are shared by every
    /// chain that begins with the same links (Model 9's fold model is the base of Model 10's).
    static func links(_ chain: [Recipe], epochs: [Int], fold f: Int) -> [(key: String, epochs: Int)] {
        var key = "fold \(f)"
        return zip(chain, epochs).map { recipe, e in
            key += " → \(recipe.name)×\(e)"
            return (key, e)
        }
    }

    /// The epochs `run` trains for `chains` over `k` folds that `planned` (the links of the runs before it in this
    /// calibration) does not have, which it adds: what the run's remaining time is counted in.
    static func epochsToTrain(soup chains: [[Recipe]], epochs: [[Int]], k: Int, planned: inout Set<String>) -> Int {
        var n = 0
        for f in 0..<k {
            for (chain, chainEpochs) in zip(chains, epochs) {
                for link in links(chain, epochs: chainEpochs, fold: f) where planned.insert(link.key).inserted { n += link.epochs }
            }
        }
        return n
    }

    /// `chain`: the recipe and, before it, the base it fine-tunes; `epochs[i]`: fixed epochs for chain[i].
    public static func run(chain: [Recipe], epochs: [Int], clips: [Clip], rirs: [[Float]], settings o: Settings,
                           cache: Cache = Cache(), log: @escaping (String) -> Void) throws -> OutOfFold {
        try run(soup: [chain], epochs: [epochs], clips: clips, rirs: rirs, settings: o, cache: cache, log: log)
    }

    /// As `run(chain:…)` for a model soup: each fold's model is the weight average of the fold models of
    /// `chains` (each a recipe after its base, `epochs[c][i]` fixed epochs for `chains[c][i]`).
    public static func run(soup chains: [[Recipe]], epochs: [[Int]], clips: [Clip], rirs: [[Float]], settings o: Settings,
                           cache: Cache = Cache(), log: @escaping (String) -> Void) throws -> OutOfFold {
        precondition(!chains.isEmpty && chains.count == epochs.count)
        let folds = FoldAssignment(clips: clips.map(\.info), k: o.k, seed: o.seed &+ 31)
        var out = OutOfFold()
        let shape = Shape3(1, o.features.nMels, o.features.windowFrames)
        for f in 0..<o.k {
            let held = clips.filter { folds.fold(of: $0.info) == f }
            let rest = clips.filter { folds.fold(of: $0.info) != f }
            let train = TrainingData(clips: rest, rirs: rirs)
            let heldData = TrainingData(clips: held)
            guard !train.gunshots.isEmpty, !train.others.isEmpty, !heldData.others.isEmpty else {
                log("fold \(f + 1)/\(o.k): skipped (a class is missing on one side)"); continue
            }
            log("fold \(f + 1)/\(o.k): training on \(train.gunshots.count) gunshot / \(train.others.count) other clips, scoring \(heldData.gunshots.count) / \(heldData.others.count) held-out clips")
            let trainer = try ModelTrainer(data: train, features: o.features, threads: o.threads)
            var finals: [Network] = []
            for (chain, chainEpochs) in zip(chains, epochs) {
                var net: Network?
                for ((recipe, e), (key, _)) in zip(zip(chain, chainEpochs), links(chain, epochs: chainEpochs, fold: f)) {
                    let n = try net ?? recipe.freshNetwork(inputShape: shape)
                    if let w = cache.weights[key] {
                        n.restore(w)
                        log("fold \(f + 1) \(recipe.name): \(e) epochs already trained in this run (shared base)")
                    } else {
                        var s = recipe.settings
                        s.epochs = e
                        s.seed = s.seed &+ UInt64(100 * (f + 1))
                        _ = trainer.train(n, settings: s, validation: .empty, name: "fold \(f + 1) \(recipe.name)")
                        cache.weights[key] = n.snapshot()
                    }
                    net = n
                }
                finals.append(net!)
            }
            if finals.count > 1 { finals[0].restore(WeightAverage.mean(of: finals.map { $0.snapshot() })) }
            let model = Model(network: finals[0], features: o.features)
            model.scoreTemperature = o.temperature
            let probe = try Detector(model: model, rule: DecisionRule(threshold: 0.5))
            let neg = StreamScores.collect(heldData.others.map(\.samples), detector: probe)
            let gun = StreamScores.collect(heldData.gunshots.map(\.samples), detector: probe)
            out.negatives.append(neg)
            out.gunshots.append(gun)
            out.foldSeconds.append(neg.seconds)
            out.foldGunshotSources.append(Dictionary(grouping: heldData.gunshots, by: \.info.source).mapValues(\.count))
            log(String(format: "fold %d/%d: scored %.2f h of held-out negatives and %d gunshot clips", f + 1, o.k, neg.seconds / 3600, gun.streams.count))
        }
        return out
    }
}

/// What the out-of-fold calibration found, for the report and the model file.
public struct OOFSummary: Codable, Sendable {
    public var model: String
    public var folds: Int
    public var epochs: [Int]
    public var negativeHours: Double
    public var gunshotClips: Int
    /// False alarms per hour ("1", "2", "5", "10") → threshold, and the out-of-fold gunshot-clip recall there.
    public var thresholds: [String: Float]
    public var recall: [String: Double]
    /// The out-of-fold false-alarm rate each threshold really gives (above the target if none reaches it).
    public var falseAlarmsPerHour: [String: Double]
    /// Where the recall is lost: per fold, its held-out gunshot clips by source and their recall at the pooled
    /// thresholds (nil in summaries written before it was kept).
    public var byFold: [Fold]?
    /// Which pooled held-out gunshot clips (indices, fold by fold: the same clips in the same order for every
    /// candidate, since the folds depend only on the clips and the seed) had an event at each rate's threshold,
    /// so candidates are compared clip by clip (`PairedComparison`). Nil in summaries written before 2026-12-05.
    public var shotsFound: [String: [Int]]?

    public struct Fold: Codable, Sendable, Equatable {
        public var sources: [String: Int]
        /// Empty when the fold held out no gunshot clip (no recall to give).
        public var recall: [String: Double]
        public var clips: Int { sources.values.reduce(0, +) }
    }

    /// Mean out-of-fold recall over the 1, 2, 5 and 10 FA/h thresholds: how models are compared at equal
    /// false-alarm rates (one operating point alone rests on a handful of events).
    public var meanRecall: Double {
        let v = ["1", "2", "5", "10"].compactMap { recall[$0] }
        return v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count)
    }

    /// Thresholds for 1, 2, 5 and 10 false alarms per hour of `r`'s pooled held-out negatives, with the recall
    /// and false-alarm rate each one gives out-of-fold.
    public init(model: String, epochs: [Int], folds: Int, from r: OutOfFold, base: DecisionRule) {
        self.model = model; self.folds = folds; self.epochs = epochs
        negativeHours = r.negatives.seconds / 3600
        gunshotClips = r.gunshots.streams.count
        thresholds = [:]; recall = [:]; falseAlarmsPerHour = [:]
        var found: [String: [Int]] = [:]
        for target in [1.0, 2.0, 5.0, 10.0] {
            let key = String(format: "%.0f", target)
            var rule = base
            rule.threshold = r.negatives.threshold(forFalseAlarmsPerHour: target, base: base)
            thresholds[key] = rule.threshold
            let hits = r.gunshots.streamsWithEvents(rule: rule)
            recall[key] = Double(hits.count) / Double(max(1, r.gunshots.streams.count))
            found[key] = hits
            falseAlarmsPerHour[key] = r.negatives.falseAlarmsPerHour(rule: rule)
        }
        shotsFound = found
        guard r.foldGunshotSources.flatMap(\.values).reduce(0, +) == r.gunshots.streams.count else { return }
        var next = 0 // the first gunshot stream of the fold being sliced
        byFold = r.foldGunshotSources.map { sources in
            var fold = StreamScores()
            let n = sources.values.reduce(0, +)
            for stream in r.gunshots.streams[next..<(next + n)] { fold.add(stream, seconds: 0) }
            next += n
            var recall: [String: Double] = [:]
            // no held-out gunshot clip (they could not be read): no recall, rather than 0 of 0 as 0
            for (key, t) in thresholds where n > 0 { var rule = base; rule.threshold = t; recall[key] = fold.fractionWithEvents(rule: rule) }
            return Fold(sources: sources, recall: recall)
        }
    }
}
