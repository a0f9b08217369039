import Foundation
import Testing
@testable import EarshotTrain

/// `ThreeModelProtocol.Options`: the ranges `earshot-train train` checks before it reads anything.
struct TrainOptionsTests {
    static let options = ThreeModelProtocol.Options(data: URL(fileURLWithPath: "/nonexistent"), out: URL(fileURLWithPath: "/nonexistent-out"))

    /// trainer QA D12: more threads than cores are lowered with a note; the ship target's number syntax is adapt's.
    @Test func threadsAreCappedAtTheCoresAndShipTargetsParseAsNumbers() throws {
        let capped = ThreeModelProtocol.Options.cappedThreads(3, cores: 2)
        #expect(capped.threads == 2 && capped.note == "--threads 3 is more than the 2 CPU cores here: training on 2 threads")
        let kept = ThreeModelProtocol.Options.cappedThreads(2, cores: 2)
        #expect(kept.threads == 2 && kept.note == nil)
        #expect(["1", "1.0", "2.", "5", "10.00"].map(ThreeModelProtocol.Options.shipTargetKey) == ["1", "1", "2", "5", "10"])
        #expect(["3", "1.5", "nan", "-1", "x", "100"].allSatisfy { ThreeModelProtocol.Options.shipTargetKey($0) == nil })
        var o = Self.options
        o.windowsPerEpoch = 16
        #expect(throws: TrainError.self) { try o.validate() }
        o = Self.options; o.threads = 0
        #expect(throws: TrainError.self) { try o.validate() }
        #expect(throws: Never.self) { try Self.options.validate() }
    }
}
