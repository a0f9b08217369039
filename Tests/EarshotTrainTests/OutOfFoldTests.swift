import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing
@testable import EarshotTrain

@Suite struct OutOfFoldTests {
    @Test func foldsKeepGroupsWholeBalanceClassesAndAreReproducible() {
        let c = SplitAndAugmentTests.clips()
        let a = FoldAssignment(clips: c, k: 4, seed: 3), b = FoldAssignment(clips: c, k: 4, seed: 3)
        #expect(a.fold == b.fold)
        #expect(Set(c.map(\.group)) == Set(a.fold.keys), "every group has a fold")
        for (_, members) in Dictionary(grouping: c, by: \.group) { #expect(Set(members.map { a.fold(of: $0) }).count == 1) }
        // 24 small gunshot groups (6 s each) around one 200 s group: the small ones fill the other three folds
        let gunSeconds = (0..<4).map { f in c.filter { $0.label == "gunshot" && a.fold(of: $0) == f }.reduce(0) { $0 + $1.seconds } }
        #expect(gunSeconds.filter { $0 > 0 }.count == 4, "seconds per fold \(gunSeconds)")
        let negSeconds = (0..<4).map { f in c.filter { $0.label == "negative" && a.fold(of: $0) == f }.reduce(0) { $0 + $1.seconds } }
        #expect(negSeconds.max()! - negSeconds.min()! <= 3, "ten 3 s negative groups dealt evenly: \(negSeconds)")
    }

    @Test func foldsCountClipsWhenLengthsAreUnknown() {
        let c = (0..<8).map { ClipInfo(file: "negative/n\($0)__a.wav", label: "negative", source: "n", group: "n\($0)", seconds: 0, licence: "") }
        let a = FoldAssignment(clips: c, k: 4, seed: 1)
        #expect((0..<4).map { f in c.filter { a.fold(of: $0) == f }.count } == [2, 2, 2, 2])
    }

    @Test func bestEpochIsTheOneEarlyStoppingKept() {
        func r(_ e: Int, _ rec: Double, _ auc: Double) -> EpochRecord { EpochRecord(epoch: e, trainLoss: 0, valLoss: 0, valAUC: auc, valRecallAt1pct: rec, seconds: 0) }
        #expect(Recipe.bestEpoch([r(1, 0.2, 0.9), r(2, 0.5, 0.9), r(3, 0.5, 0.8), r(4, 0.4, 0.99)]) == 2)
        #expect(Recipe.bestEpoch([]) == nil)
    }

    /// Out-of-fold candidates: validation's top N by clip recall, plus the two leaders of window recall at 1 %
    /// FPR (their kept epochs') when they are not among them; weight averages (no history) are never leaders.
    @Test func candidatesAreTheTopOnValidationAndTheWindowRecallLeaders() {
        func r(_ e: Int, _ rec: Double) -> EpochRecord { EpochRecord(epoch: e, trainLoss: 0, valLoss: 0, valAUC: 0.9, valRecallAt1pct: rec, seconds: 0) }
        // model 3's kept epoch (0.74) beats every other model's; its last epoch (0.60) does not
        let h: [[EpochRecord]] = [[r(1, 0.5)], [r(1, 0.6), r(2, 0.7)], [], [r(1, 0.74), r(2, 0.60)], [r(1, 0.2)]]
        // the leaders are model 3 (0.74), then model 1 (0.7)
        #expect(ThreeModelProtocol.candidates(ranked: [0, 2, 1, 4, 3], count: 3, histories: h) == [0, 2, 1, 3])
        #expect(ThreeModelProtocol.candidates(ranked: [3, 0, 2, 1, 4], count: 2, histories: h) == [3, 0, 1])
        #expect(ThreeModelProtocol.candidates(ranked: [2, 4, 0, 1, 3], count: 0, histories: h) == [2, 3, 1])
        #expect(ThreeModelProtocol.candidates(ranked: [2, 4, 0, 1, 3], count: 0, histories: h, leaders: 1) == [2, 3])
        #expect(ThreeModelProtocol.candidates(ranked: [2, 0], count: 1, histories: [[r(1, 0.3)], []]) == [2, 0])
        #expect(ThreeModelProtocol.candidates(ranked: [1, 0], count: 1, histories: [[], []]) == [1])
    }

    /// Two folds of a tiny recipe on generated bursts vs tones: every non-test clip is scored exactly once by
    /// a model that never trained on it, and the pooled scores separate the classes.
    @Test func outOfFoldScoresEveryClipOnceWithAModelThatNeverSawIt() throws {
        var rng = SeededRNG(seed: 11)
        var clips: [Clip] = []
        func clip(_ label: String, _ i: Int, _ s: [Float]) -> Clip {
            Clip(info: ClipInfo(file: "\(label)/\(i).wav", label: label, source: "gen\(label)", group: "\(label)\(i)", seconds: Double(s.count) / 16000, licence: "generated"), samples: s)
        }
        for i in 0..<8 { clips.append(clip("gunshot", i, TinyTrainingTests.burst(at: 9000 + 500 * i, in: 32000, rng: &rng))) }
        for i in 0..<8 { clips.append(clip("negative", i, TinyTrainingTests.tone(300 + 170 * Double(i), n: 32000, rng: &rng))) }
        for i in 8..<12 { clips.append(clip("negative", i, (0..<32000).map { _ in Float(rng.uniform(-0.003, 0.003)) })) }
        var s = TrainSettings()
        s.windowsPerEpoch = 256; s.batch = 16; s.learningRate = 5e-3
        let recipe = Recipe(name: "tiny", title: "tiny", specs: TinyTrainingTests.tinySpecs, settings: s, base: nil, initSeed: 2)
        var o = OutOfFold.Settings(); o.k = 2
        var lines: [String] = []
        let r = try OutOfFold.run(chain: [recipe], epochs: [6], clips: clips, rirs: [], settings: o) { lines.append($0) }
        #expect(r.gunshots.streams.count == 8 && r.negatives.streams.count == 12)
        #expect(abs(r.negatives.seconds - 12 * 2.0) < 1e-6)
        #expect(r.foldSeconds.count == 2)
        #expect(lines.filter { $0.contains("training on") }.count == 2, "\(lines)")
        let auc = ROC.auc(scores: r.gunshots.maxScores() + r.negatives.maxScores(), labels: [Bool](repeating: true, count: 8) + [Bool](repeating: false, count: 12))
        #expect(auc > 0.9, "out-of-fold clip AUC \(auc)")
        let t = r.negatives.threshold(forFalseAlarmsPerHour: 1, base: DecisionRule(threshold: 0.5))
        #expect(r.negatives.falseAlarmsPerHour(rule: DecisionRule(threshold: t)) <= 1)
        let f = OOFSummary(model: "tiny", epochs: [6], folds: 2, from: r, base: DecisionRule(threshold: 0.5))
        #expect(f.thresholds["1"] == t && f.negativeHours == r.negatives.seconds / 3600)
        #expect(f.falseAlarmsPerHour.values.allSatisfy { $0 >= 0 } && (f.meanRecall - ["1", "2", "5", "10"].map { f.recall[$0]! }.reduce(0, +) / 4) == 0)
        // by fold: the folds' held-out shots add up to the pooled ones, and their recalls, weighted by clips,
        // to the pooled recall at every threshold
        let folds = try #require(f.byFold)
        #expect(folds.count == 2 && folds.map(\.clips).reduce(0, +) == 8 && folds.allSatisfy { Set($0.sources.keys) == ["gengunshot"] })
        for key in ["1", "2", "5", "10"] {
            let weighted = folds.map { Double($0.clips) * $0.recall[key]! }.reduce(0, +) / 8
            #expect(abs(weighted - f.recall[key]!) < 1e-12, "fold recalls at \(key) FA/h: \(folds.map { $0.recall[key]! }), pooled \(f.recall[key]!)")
        }
        let table = Report.foldTable(folds)
        #expect(table.contains("| 1 | \(folds[0].clips): gengunshot \(folds[0].clips) |") && table.split(separator: "\n").count == 4, "\(table)")

        // A fine-tune of the same base, with a shared cache: the base's fold models are not trained again,
        // and the base-only scores come back the same from cached weights.
        let cache = OutOfFold.Cache()
        var lines1: [String] = [], lines2: [String] = []
        let base1 = try OutOfFold.run(chain: [recipe], epochs: [6], clips: clips, rirs: [], settings: o, cache: cache) { lines1.append($0) }
        #expect(cache.count == 2)
        var fine = recipe; fine.name = "tiny-fine"; fine.settings.learningRate = 1e-3
        let fine1 = try OutOfFold.run(chain: [recipe, fine], epochs: [6, 1], clips: clips, rirs: [], settings: o, cache: cache) { lines2.append($0) }
        #expect(lines2.filter { $0.contains("already trained") }.count == 2, "\(lines2)")
        #expect(cache.count == 4)
        #expect(base1.gunshots.maxScores() == r.gunshots.maxScores(), "training is deterministic per fold, so cached and fresh agree")

        // A soup of the base and its fine-tune: every fold model comes from the cache (nothing is trained),
        // and each fold scores with the average of the two, which is neither of them.
        var lines3: [String] = []
        let soup = try OutOfFold.run(soup: [[recipe], [recipe, fine]], epochs: [[6], [6, 1]], clips: clips, rirs: [], settings: o, cache: cache) { lines3.append($0) }
        #expect(lines3.filter { $0.contains("already trained") }.count == 6, "\(lines3)")
        #expect(cache.count == 4)
        #expect(soup.gunshots.streams.count == base1.gunshots.streams.count)
        let (sm, b, f1) = (soup.gunshots.maxScores(), base1.gunshots.maxScores(), fine1.gunshots.maxScores())
        #expect(sm != b && sm != f1, "soup \(sm), base \(b), fine-tune \(f1)")
    }

    /// The by-fold table takes each fold's own streams: three shots held out by fold 1 score high, two by fold
    /// 2 score low, so fold 1 has all its shots at the pooled thresholds and fold 2 none.
    @Test func byFoldRecallTakesEachFoldsOwnStreams() {
        func stream(_ score: Float) -> [ScoredWindow] {
            (0..<10).map { ScoredWindow(start: Double($0) * 0.1, end: Double($0) * 0.1 + 0.96, onset: Double($0) * 0.1, score: score) }
        }
        var r = OutOfFold()
        for score: Float in [0.99, 0.98, 0.97] { r.gunshots.add(stream(score), seconds: 1) }
        for score: Float in [0.02, 0.03] { r.gunshots.add(stream(score), seconds: 1) }
        for score: Float in [0.5, 0.6, 0.1] { r.negatives.add(stream(score), seconds: 1200) }
        r.foldGunshotSources = [["forest": 2, "kaggle": 1], ["us8k": 2]]
        let f = OOFSummary(model: "m", epochs: [1], folds: 2, from: r, base: DecisionRule(threshold: 0.5))
        let folds = f.byFold ?? []
        #expect(folds.map(\.clips) == [3, 2])
        #expect(folds.map { $0.recall["1"] } == [1, 0] && folds.map { $0.recall["10"] } == [1, 0], "\(folds)")
        #expect(f.recall["1"] == 0.6)
        #expect(Report.foldTable(folds).contains("| 1 | 3: forest 2, kaggle 1 | 100.0 % | 100.0 % |"), "\(Report.foldTable(folds))")
        // fold counts that do not add up to the pooled streams give no table rather than a mis-sliced one
        r.foldGunshotSources = [["forest": 2, "kaggle": 1], ["us8k": 1]]
        #expect(OOFSummary(model: "m", epochs: [1], folds: 2, from: r, base: DecisionRule(threshold: 0.5)).byFold == nil)
    }
}
