import EarshotDSP
import EarshotNN
import EarshotTestSupport
import Foundation
import Testing
@testable import EarshotTrain

/// `earshot-train train --reuse`: which saved models a run may take instead of training them.
struct ReuseTests {
    @Test func takesOnlyModelsWithThisRunsFeatureParametersAndNetwork() throws {
        let dir = TestPaths.tempDir("reuse"); defer { try? FileManager.default.removeItem(at: dir) }
        let features = FeatureConfig()
        let recipe = Recipe.lineup(seed: 1)[0]
        let net = try recipe.freshNetwork(inputShape: Shape3(1, features.nMels, features.windowFrames))
        let url = dir.appendingPathComponent("m.safetensors")
        try Model(network: net, features: features, provenance: ["train.seed": "1"]).save(to: url)

        let (same, noReason) = ThreeModelProtocol.reusable(url, features: features, specs: recipe.specs, seed: 1)
        #expect(same?.network.snapshot() == net.snapshot() && noReason == nil)

        var other = features
        other.logEpsilon = 1e-10
        let (refused, why) = ThreeModelProtocol.reusable(url, features: other, specs: recipe.specs, seed: 1)
        #expect(refused == nil)
        #expect(why?.contains("other feature parameters") == true && why?.contains("log epsilon") == true, "\(why ?? "no reason")")

        let (missing, silent) = ThreeModelProtocol.reusable(dir.appendingPathComponent("absent.safetensors"), features: features, specs: recipe.specs, seed: 1)
        #expect(missing == nil && silent == nil, "a model missing from the folder is simply trained")

        // a file whose name the recipe has but whose network is another (Model 9's pooling), or whose classes differ
        let meanMax = Recipe.lineup(seed: 1).first { $0.name == Recipe.shipped }!
        let (otherNet, differs) = ThreeModelProtocol.reusable(url, features: features, specs: meanMax.specs, seed: 1)
        #expect(otherNet == nil && differs?.contains("another network") == true && differs?.contains("gap") == true, "\(differs ?? "no reason")")
        let swapped = dir.appendingPathComponent("swapped.safetensors")
        try Model(network: net, features: features, classes: ["gunshot", "other"], provenance: ["train.seed": "1"]).save(to: swapped)
        let (otherClasses, classReason) = ThreeModelProtocol.reusable(swapped, features: features, specs: recipe.specs, seed: 1)
        #expect(otherClasses == nil && classReason?.contains("[\"gunshot\", \"other\"]") == true, "\(classReason ?? "no reason")")

        let broken = dir.appendingPathComponent("broken.safetensors")
        try Data("not a model".utf8).write(to: broken)
        let (unreadable, reason) = ThreeModelProtocol.reusable(broken, features: features, specs: recipe.specs, seed: 1)
        #expect(unreadable == nil && reason?.contains("broken.safetensors") == true, "\(reason ?? "no reason")")
    }

    /// trainer QA D4: a model trained on another split (another --seed, or other clips on a side) would be
    /// tested on clips it trained on — it is trained again, with the reason; one that records no seed too.
    @Test func takesOnlyModelsTrainedOnThisRunsSplit() throws {
        let dir = TestPaths.tempDir("reuse-split"); defer { try? FileManager.default.removeItem(at: dir) }
        let features = FeatureConfig(), recipe = Recipe.lineup(seed: 1)[0]
        let net = try recipe.freshNetwork(inputShape: Shape3(1, features.nMels, features.windowFrames))
        func save(_ name: String, _ provenance: [String: String]) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try Model(network: net, features: features, provenance: provenance).save(to: url)
            return url
        }
        let clips = (0..<12).map { ClipInfo(file: "gunshot/g\($0).wav", label: $0 < 6 ? "gunshot" : "negative", source: "s", group: "g\($0)", seconds: 1, licence: "") }
        let one = ThreeModelProtocol.splitRecord(clips, split: GroupSplit(clips: clips, seed: 1))
        let two = ThreeModelProtocol.splitRecord(clips, split: GroupSplit(clips: clips, seed: 2))
        #expect(one != two && one == ThreeModelProtocol.splitRecord(clips.reversed(), split: GroupSplit(clips: clips, seed: 1)), "the record depends on the sides, not the order")

        let seed1 = try save("seed1.safetensors", ["train.seed": "1", "train.split": one])
        let (same, none) = ThreeModelProtocol.reusable(seed1, features: features, specs: recipe.specs, seed: 1, split: one)
        #expect(same != nil && none == nil, "\(none ?? "")")
        let (otherSeed, why) = ThreeModelProtocol.reusable(seed1, features: features, specs: recipe.specs, seed: 2, split: two)
        #expect(otherSeed == nil && why?.contains("trained with --seed 1, and this run splits with --seed 2: its test split would hold clips it trained on") == true, "\(why ?? "no reason")")
        let (otherSplit, splitWhy) = ThreeModelProtocol.reusable(seed1, features: features, specs: recipe.specs, seed: 1, split: two)
        #expect(otherSplit == nil && splitWhy?.contains("trained on another split of the corpus") == true, "\(splitWhy ?? "no reason")")
        // a file from before the split record: its seed decides
        let older = try save("older.safetensors", ["train.seed": "1"])
        #expect(ThreeModelProtocol.reusable(older, features: features, specs: recipe.specs, seed: 1, split: one).0 != nil)
        // trained with another budget (a quick run's --epoch-scale) is trained again; a file without the record is taken
        let quick = try save("quick.safetensors", ["train.seed": "1", "train.split": one, "train.schedule": "epochs 1, windows per epoch 4096"])
        let full = "epochs 12, windows per epoch 4096"
        let (otherBudget, budgetWhy) = ThreeModelProtocol.reusable(quick, features: features, specs: recipe.specs, seed: 1, split: one, schedule: full)
        #expect(otherBudget == nil && budgetWhy?.contains("trained with another budget (epochs 1, windows per epoch 4096; this run's: \(full)") == true, "\(budgetWhy ?? "no reason")")
        #expect(ThreeModelProtocol.reusable(quick, features: features, specs: recipe.specs, seed: 1, split: one, schedule: "epochs 1, windows per epoch 4096").0 != nil)
        #expect(ThreeModelProtocol.reusable(seed1, features: features, specs: recipe.specs, seed: 1, split: one, schedule: full).0 != nil)
        #expect(ThreeModelProtocol.scheduleRecord(recipe.settings) == full, "Model 1's budget at --epoch-scale 1")
        let unknown = try save("unknown.safetensors", [:])
        let (noSeed, noSeedWhy) = ThreeModelProtocol.reusable(unknown, features: features, specs: recipe.specs, seed: 1, split: one)
        #expect(noSeed == nil && noSeedWhy?.contains("records no train.seed") == true, "\(noSeedWhy ?? "no reason")")
    }

    /// trainer QA D4: a damaged history.json in the --reuse folder is named in a warning, not ignored.
    @Test func aDamagedHistoryIsNamed() throws {
        let dir = TestPaths.tempDir("reuse-history"); defer { try? FileManager.default.removeItem(at: dir) }
        #expect(ThreeModelProtocol.histories(in: dir).warning == nil, "an empty folder: nothing to say")
        try Data("{\"model1-paper-clean\": [".utf8).write(to: dir.appendingPathComponent("history.json"))
        let (h, warning) = ThreeModelProtocol.histories(in: dir)
        #expect(h.isEmpty && warning?.contains("\(dir.path)/history.json: cannot be read") == true, "\(warning ?? "no warning")")
        try JSONEncoder().encode(["m": [EpochRecord(epoch: 1, trainLoss: 1, valLoss: 1, valAUC: 0.5, valRecallAt1pct: 0.1, seconds: 1)]]).write(to: dir.appendingPathComponent("history.json"))
        let good = ThreeModelProtocol.histories(in: dir)
        #expect(good.histories["m"]?.count == 1 && good.warning == nil)
    }

    /// The committed report's models are what today's lineup would train (each one's recipe has its network
    /// and classes): `--reuse reports/latest` re-runs the evaluation without retraining any of them.
    @Test func theCommittedReportsModelsAreReusable() throws {
        let dir = TestPaths.repo.appendingPathComponent("reports/latest")
        let features = FeatureConfig()
        for r in Recipe.lineup(seed: 1) where r.soup.isEmpty {
            let (m, why) = ThreeModelProtocol.reusable(dir.appendingPathComponent("\(r.name).safetensors"), features: features, specs: r.specs, seed: 1)
            #expect(m != nil && why == nil, "\(r.name): \(why ?? "no file")")
        }
    }
}
