import Testing
@testable import EarshotTrain

/// `RemainingTime` and the out-of-fold calibration's count of epochs: what the run's "left" lines are made of.
@Suite struct RemainingTimeTests {
    @Test func aDurationIsSaidAsAPersonSaysIt() {
        #expect(RemainingTime.words(40.4) == "≈ 40 s")
        #expect(RemainingTime.words(12 * 60 + 10) == "≈ 12 min")
        #expect(RemainingTime.words(3600 + 5 * 60) == "≈ 1 h 05 min")
    }

    @Test func thePaceIsTheEpochsTrainedSoFar() {
        var t = RemainingTime()
        #expect(t.estimate(10) == nil, "no estimate before an epoch")
        t.add(epochs: 10, seconds: 100)
        t.add(epochs: 5, seconds: 80)
        #expect(t.secondsPerEpoch == 12)
        #expect(t.estimate(20) == "≈ 4 min")
    }

    /// Models still to train are expected to stop as early as those before them did: two of 30 and 20 maximum
    /// epochs ran 15 and 10 (half), so maxima of 30 and 8 are expected to run 15 and 4.
    @Test func modelsLeftAreExpectedToStopAsEarlyAsTheOthers() {
        #expect(RemainingTime.expectedEpochs(left: [30, 8], ran: [(15, 30), (10, 20)]) == 19)
        #expect(RemainingTime.expectedEpochs(left: [30, 8], ran: []) == 38, "all of their maximum before any has run")
        #expect(RemainingTime.expectedEpochs(left: [3], ran: [(1, 30)]) == 1, "at least one epoch each")
    }

    /// A fine-tune's fold models start from its base's, which an earlier candidate of the same calibration
    /// trained: those epochs are counted once (`OutOfFold.Cache` trains them once).
    @Test func aSharedBaseIsCountedOnce() throws {
        let lineup = Recipe.lineup(seed: 1)
        let i = try #require(lineup.indices.first { lineup[$0].base != nil && lineup[$0].soup.isEmpty })
        let (base, tune) = (lineup[lineup[i].base!], lineup[i])
        var planned = Set<String>()
        #expect(OutOfFold.epochsToTrain(soup: [[base]], epochs: [[10]], k: 4, planned: &planned) == 40)
        #expect(OutOfFold.epochsToTrain(soup: [[base, tune]], epochs: [[10, 6]], k: 4, planned: &planned) == 24)
        #expect(OutOfFold.epochsToTrain(soup: [[base, tune]], epochs: [[12, 6]], k: 4, planned: &planned) == 72, "a base of other epochs is another model")
        var fresh = Set<String>()
        #expect(OutOfFold.epochsToTrain(soup: [[base, tune], [base, tune]], epochs: [[10, 6], [10, 6]], k: 2, planned: &fresh) == 32, "a soup's shared chain once")
    }
}
