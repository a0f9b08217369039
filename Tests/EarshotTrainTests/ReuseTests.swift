import EarshotDSP
import EarshotNN
import EarshotTestSupport
import Foundation
import Testing
@testable import EarshotTrain

/// `earshot-train train --reuse`: which saved models a run may take instead of training them.
struct ReuseTests {
    @Test func takesOnlyModelsWithThisRunsFeatureParameters() throws {
        let dir = TestPaths.tempDir("reuse"); defer { try? FileManager.default.removeItem(at: dir) }
        let features = FeatureConfig()
        let net = try Recipe.lineup(seed: 1)[0].freshNetwork(inputShape: Shape3(1, features.nMels, features.windowFrames))
        let url = dir.appendingPathComponent("m.safetensors")
        try Model(network: net, features: features).save(to: url)

        let (same, noReason) = ThreeModelProtocol.reusable(url, features: features)
        #expect(same?.network.snapshot() == net.snapshot() && noReason == nil)

        var other = features
        other.logEpsilon = 1e-10
        let (refused, why) = ThreeModelProtocol.reusable(url, features: other)
        #expect(refused == nil)
        #expect(why?.contains("other feature parameters") == true && why?.contains("log epsilon") == true, "\(why ?? "no reason")")

        let (missing, silent) = ThreeModelProtocol.reusable(dir.appendingPathComponent("absent.safetensors"), features: features)
        #expect(missing == nil && silent == nil, "a model missing from the folder is simply trained")

        let broken = dir.appendingPathComponent("broken.safetensors")
        try Data("not a model".utf8).write(to: broken)
        let (unreadable, reason) = ThreeModelProtocol.reusable(broken, features: features)
        #expect(unreadable == nil && reason?.contains("broken.safetensors") == true, "\(reason ?? "no reason")")
    }
}
