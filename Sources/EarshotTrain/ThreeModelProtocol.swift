import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation

/// The seed paper's protocol, done right: Model 1 from scratch on clean data; Model 2 = Model 1 fine-tuned
/// with crowd/negative noise injected into gunshot AND negative windows; Model 3 = Model 1 fine-tuned with
/// energy (gain + low-pass) augmentation; Models 4–9 = Earshot’s own (see `Recipe.lineup`). Each model's
/// temperature and validation thresholds come from validation; validation ranks the models, the top few are
/// calibrated out-of-fold over all non-test audio (`OutOfFold`), and the best of those at equal
/// out-of-fold false-alarm rates ships with its out-of-fold thresholds; everything is evaluated once on
/// the held-out test split.
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
        /// Take each model saved in this folder by an earlier run (with its `history.json` entry) instead of
        /// training it; models missing there, or that `reusable` refuses (another split, other features or
        /// network), are trained. Calibration, thresholds, evaluation and the report are always redone.
        public var reuse: URL?
        /// Folds of the out-of-fold calibration (< 2: validation thresholds, and validation picks the model).
        public var folds = 4
        /// How many of the models validation ranks highest are calibrated out-of-fold; the best of them at
        /// equal out-of-fold false-alarm rates ships.
        public var oofCandidates = 3
        /// Which false-alarm target ("1", "2", "5", "10" per hour) becomes the shipped default threshold.
        public var shipTarget = "1"
        public init(data: URL, out: URL) { self.data = data; self.out = out }

        /// The largest `epochScale`: 100 × the full budget is 3,000 epochs of Model 5 — more is a typo, and
        /// a value beyond Int (1e300) or not a number would stop the run with a trap after the decoding.
        public static let maxEpochScale = 100.0
        /// `windowsPerEpoch`'s range: at least one batch (`TrainSettings.batch`: fewer would still run a whole
        /// batch a step), at most 2^20 (256 × the default; more is a typo that would run for days).
        public static let windowsPerEpochRange = TrainSettings().batch...1_048_576
        /// The false-alarm rates (per hour) that have thresholds, as `shipTarget` names them.
        public static let shipTargets = ["1", "2", "5", "10"]

        /// `shipTarget` as written on the command line ("1", "1.0", "10.") in the form the thresholds are keyed
        /// by ("1"); nil when it is no rate that has a threshold.
        public static func shipTargetKey(_ text: String) -> String? {
            guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, v == v.rounded(), v >= 1, v <= 10 else { return nil }
            let key = String(Int(v))
            return shipTargets.contains(key) ? key : nil
        }

        /// The training threads to run for a requested count: at most one per CPU core (each thread holds a
        /// copy of the network and a batch lane, and two threads on one core only take turns), with the note to
        /// print when the request was lowered. `validate` refuses fewer than 1.
        public static func cappedThreads(_ requested: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> (threads: Int, note: String?) {
            let cores = max(1, cores)
            guard requested > cores else { return (requested, nil) }
            return (cores, "--threads \(requested) is more than the \(cores) CPU core\(cores == 1 ? "" : "s") here: training on \(cores) thread\(cores == 1 ? "" : "s")")
        }

        /// Every numeric setting in its range, checked before anything is read or written (`run` does it
        /// first; `earshot-train train` in its `validate()`, as a usage error). Each problem names the option,
        /// the value and the range.
        public func validate() throws {
            guard epochScale.isFinite, epochScale > 0, epochScale <= Self.maxEpochScale else {
                throw TrainError.data("--epoch-scale \(epochScale): use a number above 0 and at most \(Int(Self.maxEpochScale)) (it scales every model's epochs: e.g. 0.25 for a quick run, 1 for the full budget)")
            }
            guard Self.windowsPerEpochRange.contains(windowsPerEpoch) else {
                throw TrainError.data("--windows-per-epoch \(windowsPerEpoch): use \(Self.windowsPerEpochRange.lowerBound)…\(Self.windowsPerEpochRange.upperBound) (at least one batch of \(Self.windowsPerEpochRange.lowerBound) windows; the default is 4096)")
            }
            guard threads >= 1 else { throw TrainError.data("--threads \(threads): use at least 1 (at most one per CPU core is used)") }
            guard Self.shipTargets.contains(shipTarget) else { throw TrainError.data("--ship-target \(shipTarget): use 1, 2, 5 or 10 (false alarms per hour)") }
            guard folds == 0 || folds >= 2 else { throw TrainError.data("--folds \(folds): use 0 (off) or at least 2") }
            guard oofCandidates >= 1 else { throw TrainError.data("--candidates \(oofCandidates): use at least 1") }
        }
    }

    /// Temperature T minimising the validation windows' negative log-likelihood of softmax(logits / T)
    /// (grid search over 0.5…50, log-spaced), but never below max|margin| / 8 over those windows: a
    /// sharper T rounds the scores of confident windows to exactly 1 in Float32, and no threshold can then
    /// tell a hard negative from a shot (thresholds for 1–10 false alarms/hour live in that top range).
    /// ref: Guo et al. 2017, §4.2 "temperature scaling".
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
        let resolvable = (margins.map(abs).max() ?? 0) / 8 // sigmoid(8) = 0.99966: thousands of Float steps below 1
        return Float(max(best.t, resolvable))
    }

    /// Every side of the split needs gunshot and negative/crowd clips: training learns from both, validation
    /// stops early and sets thresholds on both, the test split scores both (without one a metric is NaN).
    static func requireBothClasses(_ sides: [(name: String, gunshots: Int, others: Int)], unreadable: Int) throws {
        for s in sides where s.gunshots == 0 || s.others == 0 {
            throw TrainError.data("the \(s.name) split has \(s.gunshots) gunshot and \(s.others) negative/crowd clips\(unreadable > 0 ? " (after \(unreadable) unreadable clips were left out)" : ""): "
                + "every side of the split needs both, and the split goes by recording group — give the corpus more groups of each class (at least three), or fix the unreadable clips")
        }
    }

    /// Out-of-fold calibration holds out whole recording groups, so each of `folds` folds needs a gunshot group
    /// and a negative/crowd group of the train and validation splits to hold out: more folds than groups of
    /// either class would leave folds with nothing to score (a recall of 0 of 0). Checked before decoding.
    static func checkFolds(_ folds: Int, clips: [ClipInfo], split: GroupSplit) throws {
        guard folds >= 2 else { return }
        let nonTest = clips.filter { $0.label != "rir" && split.side(of: $0) != .test }
        let guns = Set(nonTest.filter { $0.label == "gunshot" }.map(\.group)).count, others = Set(nonTest.filter { $0.label != "gunshot" }.map(\.group)).count
        guard folds <= min(guns, others) else {
            throw TrainError.data("--folds \(folds): the train and validation splits hold \(guns) gunshot and \(others) negative/crowd recording groups, and each fold holds out whole groups of both; use --folds \(max(2, min(guns, others))) or fewer\(min(guns, others) < 2 ? " — or --folds 0 (no out-of-fold calibration), as this corpus has too few groups" : ", or 0 (no out-of-fold calibration)")")
        }
    }

    /// The provenance key of the split a model was trained on (`splitRecord`).
    static let splitKey = "train.split"

    /// A short record of which side of the split every clip of the corpus is on (FNV-1a 64 over the sorted
    /// "side, file" lines, in hex): two runs with equal records trained and tested on the same clips. A model
    /// carries it (`train.split`) so `--reuse` can tell a model trained on another split — another `--seed`,
    /// another corpus or manifest — whose test clips would include clips it trained on.
    static func splitRecord(_ clips: [ClipInfo], split: GroupSplit) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for line in clips.filter({ $0.label != "rir" }).map({ "\(split.side(of: $0).rawValue)\t\($0.file)\n" }).sorted() {
            for b in line.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return String(format: "%016llx", h)
    }

    /// The provenance key of the training budget a model was trained with (`scheduleRecord`).
    static let scheduleKey = "train.schedule"

    /// The budget a recipe trains with in this run, after `--epoch-scale` and `--windows-per-epoch`:
    /// "epochs 30, windows per epoch 4096". A model carries it (`train.schedule`) so `--reuse` can tell one
    /// trained on a quick run's budget (`--epoch-scale 0.05`) from one trained on the full budget.
    static func scheduleRecord(_ s: TrainSettings) -> String { "epochs \(s.epochs), windows per epoch \(s.windowsPerEpoch)" }

    /// A model saved by an earlier run, if `--reuse` may take it: nil (and no reason) when there is no file;
    /// nil and the reason when the file cannot be loaded, was trained with other feature parameters than
    /// this run's (its network would be served with features it never saw), holds another network than the
    /// recipe's (`specs`: a file left by a run whose lineup gave the name to another architecture), or was
    /// trained on another split than this run's: another `--seed` (`train.seed`; a file without one cannot say
    /// which) or, when the file records it, other clips on each side (`train.split`, `splitRecord`) — this
    /// run's test split would then hold clips it trained on — or, when the file records it, with another
    /// training budget (`train.schedule`, `scheduleRecord`: another `--epoch-scale` or `--windows-per-epoch`).
    /// Such a model is trained again, not refused: the folder is a cache of this run's work, and the run can
    /// still do all of it.
    static func reusable(_ url: URL, features: FeatureConfig, specs: [LayerSpec], seed: UInt64, split: String? = nil, schedule: String? = nil) -> (Model?, String?) {
        guard FileManager.default.fileExists(atPath: url.path) else { return (nil, nil) }
        let m: Model
        do { m = try Model.load(url) } catch { return (nil, "\(error)") }
        let diff = m.features.differences(from: features)
        guard diff.isEmpty else { return (nil, "\(url.path): trained with other feature parameters (\(diff.joined(separator: ", ")))") }
        guard m.network.specs == specs, m.classes == Recipe.classes else {
            return (nil, "\(url.path): another network than this recipe's (layers \(LayerSpec.encode(m.network.specs)), classes \(m.classes))")
        }
        guard let trained = m.provenance["train.seed"] else {
            return (nil, "\(url.path): records no train.seed, so which clips it trained on is unknown (this run's test split could hold some of them)")
        }
        guard trained == String(seed) else {
            return (nil, "\(url.path): trained with --seed \(trained), and this run splits with --seed \(seed): its test split would hold clips it trained on")
        }
        if let split, let theirs = m.provenance[splitKey], theirs != split {
            return (nil, "\(url.path): trained on another split of the corpus (split record \(theirs), this run's \(split): other clips or another manifest), so this run's test split could hold clips it trained on")
        }
        if let schedule, let theirs = m.provenance[scheduleKey], theirs != schedule {
            return (nil, "\(url.path): trained with another budget (\(theirs); this run's: \(schedule) — another --epoch-scale or --windows-per-epoch)")
        }
        return (m, nil)
    }

    /// The epoch records of an earlier run's `history.json` in `dir`, and a warning naming the file when it
    /// cannot be read, or is missing beside model files (the reused models then show no epochs, and the out-of-fold calibration trains
    /// for their full epoch budget instead of the epoch early stopping kept).
    static func histories(in dir: URL) -> (histories: [String: [EpochRecord]], warning: String?) {
        let url = dir.appendingPathComponent("history.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            let models = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.contains { $0.hasSuffix(".safetensors") } ?? false
            return ([:], !models ? nil : "\(url.path): missing, so the models reused from \(dir.path) come without their epoch records (the report shows none, and out-of-fold calibration trains their full epoch budget)")
        }
        do { return (try JSONDecoder().decode([String: [EpochRecord]].self, from: Data(contentsOf: url)), nil) } catch {
            return ([:], "\(url.path): cannot be read (\(error.localizedDescription)), so the models reused from \(dir.path) come without their epoch records (the report shows none, and out-of-fold calibration trains their full epoch budget); rerun without --reuse to retrain them with fresh records")
        }
    }

    public struct Trained {
        public var name: String
        public var title: String
        public var model: Model
        public var history: [EpochRecord]
        public var valRecall: Double
        public var valAUC: Double
        public var test: EvalReport?
        /// The model the run chose (the one `--ship` writes).
        public var chosen = false
        /// Why it was chosen ("best out-of-fold of the 4 calibrated on validation's lead"), on the chosen one.
        public var chosenBecause: String?
        /// Corpus files the run could not read and left out (each listed in report.md), on every model.
        public var skippedFiles = 0
    }

    let o: Options
    /// Where the run's lines go (stderr; a test collects them).
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// Where the run is and what --out holds so far (for the line printed on SIGINT/SIGTERM).
    public let state: TrainRunState
    public init(_ o: Options) { self.o = o; state = TrainRunState(out: o.out) }

    /// The models calibrated out-of-fold: the first `count` of `ranked` (validation clip recall at the 1 FA/h
    /// validation threshold), then the `leaders` trained models with the best validation window recall at 1 %
    /// window FPR (their kept epochs' early-stopping statistic) that are not among them, best first. The first
    /// statistic rests on validation's single highest-scoring negative clip (1 FA/h of 0.14 h is below one
    /// event); the second on ≈ 1,500 negative windows, so a model the first ranks low by one loud clip is still
    /// calibrated. Two leaders, not one: when a fine-tune overtakes its base (Model 10 over Model 9), the base
    /// is still calibrated beside it — at no training cost, since the fine-tune's folds train the base anyway.
    /// `histories[i]` is model i's epoch record (empty for a weight average).
    public static func candidates(ranked: [Int], count: Int, histories: [[EpochRecord]], leaders: Int = 2) -> [Int] {
        var picked = Array(ranked.prefix(max(1, count)))
        let windowRecall = histories.map { h in h.max { $0.selectionScore < $1.selectionScore }?.valRecallAt1pct }
        let byWindowRecall = windowRecall.indices.filter { windowRecall[$0] != nil }.sorted { (windowRecall[$0]!, -$0) > (windowRecall[$1]!, -$1) }
        for lead in byWindowRecall.prefix(leaders) where !picked.contains(lead) { picked.append(lead) }
        return picked
    }

    public func run() throws -> [Trained] {
        // what the run reads and writes is checked before minutes of decoding and hours of training
        try o.validate()
        let corpus = try Corpus(root: o.data)
        if let ship = o.ship { try OutputPath.checkFile(ship, flag: "--ship") }
        if let dir = o.reuse, !OutputPath.isFolder(dir.path) {
            throw TrainError.data("--reuse \(dir.path): no such folder; give the --out folder of an earlier run, or leave --reuse out to train every model")
        }
        try OutputPath.makeFolder(o.out, flag: "--out")
        try OutputPath.checkFreeSpace(o.out, needed: OutputPath.runBytes, flag: "--out")
        let split = GroupSplit(clips: corpus.clips, seed: o.seed)
        try Self.checkFolds(o.folds, clips: corpus.clips, split: split)
        // an earlier run's report would describe other models than the ones this run leaves in the folder
        let stale = Report.files.filter { FileManager.default.fileExists(atPath: o.out.appendingPathComponent($0).path) }
        for f in stale { try? FileManager.default.removeItem(at: o.out.appendingPathComponent(f)) }
        if !stale.isEmpty { log("\(o.out.path): removed an earlier run's \(stale.joined(separator: ", ")) (this run writes its own report at the end)") }
        state.enter("decoding the corpus")
        let splitRecord = Self.splitRecord(corpus.clips, split: split)
        let splitTable = split.report(corpus.clips)
        try splitTable.write(to: o.out.appendingPathComponent("split.md"), atomically: true, encoding: .utf8)
        log("split by recording group (seed \(o.seed)):\n\(splitTable)")
        let (loaded, bad) = corpus.loadSkipping(corpus.clips, progress: ProgressBar("decoding clips", total: corpus.clips.count), log: log)
        let rirs = loaded.filter { $0.info.label == "rir" }.map(\.samples)
        func side(_ s: Split) -> [Clip] { loaded.filter { $0.info.label != "rir" && split.side(of: $0.info) == s } }
        let train = TrainingData(clips: side(.train), rirs: rirs)
        let val = TrainingData(clips: side(.validation))
        let testClips = side(.test)
        let testGunshots = testClips.filter { $0.info.label == "gunshot" }.count
        log("train: \(train.gunshots.count) gunshot / \(train.others.count) other clips; validation: \(val.gunshots.count) / \(val.others.count); test: \(testGunshots) / \(testClips.count - testGunshots); unreadable: \(bad.count)")
        try Self.requireBothClasses([("train", train.gunshots.count, train.others.count), ("validation", val.gunshots.count, val.others.count),
                                     ("test", testGunshots, testClips.count - testGunshots)],
                                    unreadable: bad.count)

        let features = FeatureConfig()
        let trainer = try ModelTrainer(data: train, features: features, threads: o.threads)
        let valSet = WindowSet(data: val, source: trainer.source, featurizer: trainer.featurizer, seed: o.seed &+ 7)
        log("validation windows: \(valSet.labels.filter { $0 }.count) gunshot, \(valSet.labels.filter { !$0 }.count) other")
        let shape = Shape3(1, features.nMels, features.windowFrames)
        func copy(_ n: Network) throws -> Network {
            let c = try Network(specs: n.specs, inputShape: n.inputShape)
            c.restore(n.snapshot())
            return c
        }

        // Train every recipe of the lineup (or take it from --reuse when its file is there).
        let recipes = Recipe.lineup(seed: o.seed, epochScale: o.epochScale, windowsPerEpoch: o.windowsPerEpoch)
        state.foundEarlier(recipes.map(\.name).filter { FileManager.default.fileExists(atPath: o.out.appendingPathComponent("\($0).safetensors").path) })
        var oldHistories: [String: [EpochRecord]] = [:]
        if let dir = o.reuse {
            let (h, warning) = Self.histories(in: dir)
            oldHistories = h
            if let warning { log("warning: \(warning)") }
        }
        var nets: [Network] = [], histories: [String: [EpochRecord]] = [:]
        /// The provenance of each model taken from --reuse: its weights were trained by that earlier run.
        var reusedProvenance: [String: [String: String]] = [:]
        /// The recipes this run trained (not reused): their fine-tunes cannot be reused either.
        var retrained: Set<Int> = []
        // the pace of this run's training, for the time left (`RemainingTime`)
        var pace = RemainingTime()
        var ran: [(epochs: Int, maximum: Int)] = []
        let commit = BuildCommit.current
        for (i, r) in recipes.enumerated() {
            // a soup is always re-averaged (it costs nothing), never reused: its ingredients may have changed
            if !r.soup.isEmpty {
                let net = try r.freshNetwork(inputShape: shape)
                net.restore(WeightAverage.mean(of: r.soup.map { nets[$0].snapshot() }))
                log("\(r.name): weight average of \(r.soup.map { recipes[$0].name }.joined(separator: ", "))")
                nets.append(net); histories[r.name] = []
                continue
            }
            if let dir = o.reuse {
                // a fine-tune of a base this run trained anew was tuned from other weights: it is trained again too
                let (m, why) = r.base.map({ retrained.contains($0) }) == true
                    ? (nil, "\(dir.path)/\(r.name).safetensors: fine-tuned from \(recipes[r.base!].name), which this run trained anew")
                    : Self.reusable(dir.appendingPathComponent("\(r.name).safetensors"), features: features, specs: r.specs, seed: o.seed,
                                    split: splitRecord, schedule: Self.scheduleRecord(r.settings))
                if let m {
                    log("\(r.name): reusing \(dir.path)/\(r.name).safetensors")
                    nets.append(m.network); histories[r.name] = oldHistories[r.name] ?? []
                    reusedProvenance[r.name] = m.provenance
                    if dir.standardizedFileURL.path == o.out.standardizedFileURL.path {   // resuming in place: the file is in --out
                        if m.provenance[Model.stateKey] == Model.uncalibratedState { state.savedUncalibrated(r.name) } else { state.savedFinished(r.name) }
                    }
                    continue
                }
                if let why { log("\(r.name): not reusing \(why); training it") }
            }
            retrained.insert(i)
            state.enter("training \(r.name) (model \(i + 1) of \(recipes.count))")
            let net = try r.base.map { try copy(nets[$0]) } ?? r.freshNetwork(inputShape: shape)
            let history = trainer.train(net, settings: r.settings, validation: valSet, name: r.name)
            histories[r.name] = history
            nets.append(net)
            pace.add(epochs: history.count, seconds: history.reduce(0) { $0 + $1.seconds })
            ran.append((history.count, r.settings.epochs))
            let left = recipes[(i + 1)...].filter { $0.soup.isEmpty }.map(\.settings.epochs)
            if !left.isEmpty, let eta = pace.estimate(RemainingTime.expectedEpochs(left: left, ran: ran)), let perEpoch = pace.secondsPerEpoch {
                log(String(format: "%@ left to train the %d model(s) after %@%@ (%.1f s per epoch so far, if they stop as early as these did)%@", eta, left.count, r.name,
                           o.reuse == nil ? "" : " that are not reused", perEpoch, o.folds >= 2 ? "; then out-of-fold calibration" : ""))
            }
            // saved at once so an interrupted run can go on with --reuse; marked uncalibrated (earshot warns about
            // such a file), with the provenance --reuse checks; rewritten calibrated below
            let early = Model(network: net, features: features)
            early.provenance = [Model.stateKey: Model.uncalibratedState, "train.protocol": r.title, "train.seed": String(o.seed), Self.splitKey: splitRecord,
                                Self.scheduleKey: Self.scheduleRecord(r.settings),
                                "train.date": ISO8601DateFormatter().string(from: Date()), "train.commit": commit, "train.command": o.command]
            try early.save(to: o.out.appendingPathComponent("\(r.name).safetensors"))
            state.savedUncalibrated(r.name)
            try JSONEncoder().encode(histories).write(to: o.out.appendingPathComponent("history.json"))
        }
        try JSONEncoder().encode(histories).write(to: o.out.appendingPathComponent("history.json"))

        let baseRule = DecisionRule(threshold: 0.5)
        state.enter("calibrating the models on validation")
        var results: [Trained] = []
        for (r, net) in zip(recipes, nets) {
            let (name, title, hist) = (r.name, r.title, histories[r.name] ?? [])
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
            let valRecall = valGun.fractionWithEvents(rule: rule)
            let valAUC = ROC.auc(scores: valGun.maxScores() + valNeg.maxScores(),
                                 labels: [Bool](repeating: true, count: valGun.streams.count) + [Bool](repeating: false, count: valNeg.streams.count))
            log(String(format: "%@: score temperature %.2f (fitted on validation NLL)", name, model.scoreTemperature))
            log(String(format: "%@: threshold for 1 FA/h on %.2f h of validation negatives = %.4f; validation clip recall %.3f, clip AUC %.4f", name, valNeg.seconds / 3600, model.threshold, valRecall, valAUC))
            let date = ISO8601DateFormatter().string(from: Date())
            model.provenance = [
                "train.protocol": title, "train.seed": String(o.seed), Self.splitKey: splitRecord, "train.date": date,
                "train.commit": commit, "train.command": o.command,
                "train.data": "\(o.data.path): \(train.gunshots.count) gunshot / \(train.others.count) other clips (train), split by recording group",
                "train.metrics": String(format: "{\"val_recall_at_1fah\":%.4f,\"val_clip_auc\":%.4f,\"val_negative_hours\":%.3f,\"epochs\":%d}", valRecall, valAUC, valNeg.seconds / 3600, hist.count),
                DecisionRule.calibrationKey: baseRule.calibrationRecord,   // validation and out-of-fold thresholds alike
            ]
            if r.soup.isEmpty { model.provenance[Self.scheduleKey] = Self.scheduleRecord(r.settings) }   // a weight average trains nothing
            // weights taken from --reuse keep naming the run that trained them; this one calibrated and scored them
            // (and the split and budget records only when they had them: `reusable` checked they equal this run's)
            if let old = reusedProvenance[name] { for key in [Self.splitKey, Self.scheduleKey] { model.provenance[key] = old[key] } }
            if let old = reusedProvenance[name], old["train.command"] != nil {
                for key in ["train.date", "train.commit", "train.command"] { model.provenance[key] = old[key] }
                model.provenance["train.recalibrated"] = "\(date) by `\(o.command)` at \(commit)"
            }
            results.append(Trained(name: name, title: title, model: model, history: hist, valRecall: valRecall, valAUC: valAUC))
        }

        // Validation ranks the models (clip recall at each one's own 1 FA/h validation threshold, clip AUC
        // breaking ties); with folds, the top `oofCandidates` (and the two leaders of the early-stopping statistic,
        // see `candidates`) are calibrated out-of-fold and the one with the best mean out-of-fold recall at
        // 1, 2, 5 and 10 FA/h ships (validation's minutes of negatives cannot tell 1 false alarm per hour from
        // 10; the pooled out-of-fold hours can).
        let ranked = results.indices.sorted { (results[$0].valRecall, results[$0].valAUC, $1) > (results[$1].valRecall, results[$1].valAUC, $0) }
        var best = ranked[0]
        var oofs: [OOFSummary] = []
        if o.folds >= 2 {
            let nonTest = loaded.filter { $0.info.label != "rir" && split.side(of: $0.info) != .test }
            let cache = OutOfFold.Cache()
            let candidates = Self.candidates(ranked: ranked, count: o.oofCandidates, histories: recipes.map { histories[$0.name] ?? [] })
            let plans = candidates.map { i in
                let chains = (recipes[i].soup.isEmpty ? [i] : recipes[i].soup).map { j in [recipes[j].base.map { recipes[$0] }, recipes[j]].compactMap { $0 } }
                return (chains: chains, epochs: chains.map { $0.map { Recipe.bestEpoch(histories[$0.name] ?? []) ?? $0.settings.epochs } })
            }
            var planned = Set<String>()
            let newEpochs = plans.map { OutOfFold.epochsToTrain(soup: $0.chains, epochs: $0.epochs, k: o.folds, planned: &planned) }
            let totalEpochs = newEpochs.reduce(0, +)
            log("out-of-fold calibration of \(candidates.count) model(s), \(o.folds) folds each: \(totalEpochs) epochs to train"
                + (pace.estimate(totalEpochs).map { ", \($0) at this run's pace so far" } ?? ""))
            let oofStart = Date()
            var oofEpochs = 0
            for (k, i) in candidates.enumerated() {
                let (chains, chainEpochs) = plans[k]
                // reported as the first chain's epochs, then each further ingredient's own (a soup of fine-tunes of one base: 10+8+8+7)
                let epochs = chainEpochs[0] + chainEpochs.dropFirst().compactMap(\.last)
                var fs = OutOfFold.Settings(); fs.k = o.folds; fs.seed = o.seed; fs.features = features; fs.threads = o.threads
                fs.temperature = results[i].model.scoreTemperature
                log("out-of-fold calibration of \(recipes[i].name): \(o.folds) folds, epochs \(epochs)")
                state.enter("calibrating \(recipes[i].name) out-of-fold")
                let r = try OutOfFold.run(soup: chains, epochs: chainEpochs, clips: nonTest, rirs: rirs, settings: fs, cache: cache, log: log)
                let f = OOFSummary(model: recipes[i].name, epochs: epochs, folds: o.folds, from: r, base: baseRule)
                log(String(format: "out-of-fold %@: %.2f h of negatives; thresholds 1/2/5/10 FA/h = %@; OOF recall %@ (mean %.3f)", f.model, f.negativeHours,
                           ["1", "2", "5", "10"].map { String(format: "%.4f", f.thresholds[$0] ?? 0) }.joined(separator: "/"),
                           ["1", "2", "5", "10"].map { String(format: "%.3f", f.recall[$0] ?? 0) }.joined(separator: "/"), f.meanRecall))
                for (k, fold) in (f.byFold ?? []).enumerated() {
                    guard fold.clips > 0 else {
                        log("out-of-fold \(f.model), fold \(k + 1): no held-out gunshot clips (its groups' clips could not be read), so no recall")
                        continue
                    }
                    log(String(format: "out-of-fold %@, fold %d: %d held-out gunshot clips (%@): recall %.3f at 1 FA/h, %.3f at 10 FA/h", f.model, k + 1, fold.clips,
                               Report.sourceList(fold.sources), fold.recall["1"] ?? 0, fold.recall["10"] ?? 0))
                }
                // every calibrated candidate keeps its out-of-fold thresholds (its test row is then a deployment figure)
                let m = results[i].model
                m.thresholds = f.thresholds
                m.threshold = f.thresholds[o.shipTarget] ?? m.threshold
                m.provenance["train.thresholds"] = String(format: "out-of-fold over %.2f h of non-test negative+crowd audio (%d folds by recording group); default = %@ FA/h", f.negativeHours, o.folds, o.shipTarget)
                oofs.append(f)
                oofEpochs += newEpochs[k]
                var oofPace = RemainingTime()
                oofPace.add(epochs: oofEpochs, seconds: Date().timeIntervalSince(oofStart))
                if k + 1 < candidates.count, oofEpochs < totalEpochs, let eta = oofPace.estimate(totalEpochs - oofEpochs) {
                    log("out-of-fold calibration: \(oofEpochs) of \(totalEpochs) epochs trained; \(eta) left for the other \(candidates.count - k - 1) model(s), then the test split")
                }
            }
            let winner = oofs.indices.max { (oofs[$0].meanRecall, -$0) < (oofs[$1].meanRecall, -$1) }!
            best = candidates[winner]
        }
        let oof = oofs.first { $0.model == results[best].name }

        // Test split, once per model.
        state.enter("testing the models on the test split")
        var ev = Evaluator()
        var shots = StreamScores()
        ev.onShotScores = { shots = $0 }
        for i in results.indices {
            var rule = baseRule; rule.threshold = results[i].model.threshold
            let r = try ev.evaluate(model: results[i].model, name: results[i].name, rule: rule,
                                    gunshots: testClips.filter { $0.info.label == "gunshot" },
                                    negatives: testClips.filter { $0.info.label == "negative" },
                                    crowd: testClips.filter { $0.info.label == "crowd" })
            results[i].test = r
            let precision = r.precision.isNaN ? "null" : String(format: "%.4f", r.precision)   // null: nothing detected
            results[i].model.provenance["eval.test"] = String(format: "{\"recall\":%.4f,\"precision\":%@,\"f1\":%.4f,\"auc\":%.4f,\"fa_per_hour\":%.2f,\"negative_hours\":%.3f}", r.recall, precision, r.f1, r.rocAUC, r.falseAlarmsPerHour, r.negativeHours)
            // the test shots' window scores: `earshot calibrate` tells a site what each threshold costs in shots
            results[i].model.provenance[ShotScores.key] = ShotScores(hop: rule.hopSeconds, streams: shots,
                                                                     sources: testClips.filter { $0.info.label == "gunshot" }.map(\.info.source)).encoded()
            try results[i].model.save(to: o.out.appendingPathComponent("\(results[i].name).safetensors"))
            state.savedFinished(results[i].name)
        }
        state.enter("writing the report")
        try Report.write(results, best: best, oof: oof, candidates: oofs, split: splitTable, unreadable: bad, options: o)
        state.wroteReport()
        results[best].chosen = true
        results[best].chosenBecause = oof == nil ? "best on validation" : "best out-of-fold of the \(oofs.count) models validation ranked highest"
        for i in results.indices { results[i].skippedFiles = bad.count }
        if let ship = o.ship {
            state.enter("writing --ship \(ship.path)")
            try results[best].model.save(to: ship)
            log("shipped \(results[best].name) (\(oof == nil ? "best on validation" : "best out-of-fold of the top \(oofs.count) on validation")) → \(ship.path)")
        }
        return results
    }
}
