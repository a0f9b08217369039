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
        try Model(network: net, features: features).save(to: url)

        let (same, noReason) = ThreeModelProtocol.reusable(url, features: features, specs: recipe.specs)
        #expect(same?.network.snapshot() == net.snapshot() && noReason == nil)

        var other = features
        other.logEpsilon = 1e-10
        let (refused, why) = ThreeModelProtocol.reusable(url, features: other, specs: recipe.specs)
        #expect(refused == nil)
        #expect(why?.contains("other feature parameters") == true && why?.contains("log epsilon") == true, "\(why ?? "no reason")")

        let (missing, silent) = ThreeModelProtocol.reusable(dir.appendingPathComponent("absent.safetensors"), features: features, specs: recipe.specs)
        #expect(missing == nil && silent == nil, "a model missing from the folder is simply trained")

        // a file whose name the recipe has but whose network is another (Model 9's pooling), or whose classes differ
        let meanMax = Recipe.lineup(seed: 1).first { $0.name == Recipe.shipped }!
        let (otherNet, differs) = ThreeModelProtocol.reusable(url, features: features, specs: meanMax.specs)
        #expect(otherNet == nil && differs?.contains("another network") == true && differs?.contains("gap") == true, "\(differs ?? "no reason")")
        let swapped = dir.appendingPathComponent("swapped.safetensors")
        try Model(network: net, features: features, classes: ["gunshot", "other"]).save(to: swapped)
        let (otherClasses, classReason) = ThreeModelProtocol.reusable(swapped, features: features, specs: recipe.specs)
        #expect(otherClasses == nil && classReason?.contains("[\"gunshot\", \"other\"]") == true, "\(classReason ?? "no reason")")

        let broken = dir.appendingPathComponent("broken.safetensors")
        try Data("not a model".utf8).write(to: broken)
        let (unreadable, reason) = ThreeModelProtocol.reusable(broken, features: features, specs: recipe.specs)
        #expect(unreadable == nil && reason?.contains("broken.safetensors") == true, "\(reason ?? "no reason")")
    }

    /// The committed report's models are what today's lineup would train (each one's recipe has its network
    /// and classes): `--reuse reports/latest` re-runs the evaluation without retraining any of them.
    @Test func theCommittedReportsModelsAreReusable() throws {
        let dir = TestPaths.repo.appendingPathComponent("reports/latest")
        let features = FeatureConfig()
        for r in Recipe.lineup(seed: 1) where r.soup.isEmpty {
            let (m, why) = ThreeModelProtocol.reusable(dir.appendingPathComponent("\(r.name).safetensors"), features: features, specs: r.specs)
            #expect(m != nil && why == nil, "\(r.name): \(why ?? "no file")")
        }
    }
}
