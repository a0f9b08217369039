import EarshotDetect
import EarshotNN
import Foundation
import Testing

/// `ShotScores`: the test shots' window scores in a model file, and the share a rule finds.
struct ShotScoresTests {
    static let clips: [[Float]] = [
        [0.1, 0.95, 0.2, 0.1],            // one window above 0.9: found only with min_consecutive 1
        [0.1, 0.95, 0.96, 0.1],           // two in a row
        [0.93, 0.5, 0.94, 0.2],           // two with a dip between: found with max_dips 1
        [0.999_876_5, 0.999_876_6, 0],    // near 1: the fourth decimal and beyond must survive the file
        [],                               // a clip too short for a window
    ]

    @Test func aRoundTripThroughAModelFileKeepsEveryBit() throws {
        var m = try TestModel.random()
        let s = ShotScores(hop: 0.1, clips: Self.clips)
        m.provenance[ShotScores.key] = s.encoded()
        let url = TestPaths.tempDir("shot-scores").appendingPathComponent("m.safetensors")
        try m.save(to: url)
        let back = try #require(try ShotScores(model: try Model.load(url)))
        #expect(back == s)
        #expect(back.clips[3].map(\.bitPattern) == Self.clips[3].map(\.bitPattern))
        #expect(try ShotScores(model: try TestModel.random()) == nil, "a file without them")
    }

    /// Found clips by hand: the threshold, min_consecutive and max_dips decide (the rule's other settings do not).
    @Test func foundFollowsTheRule() {
        let s = ShotScores(hop: 0.1, clips: Self.clips)
        func found(_ t: Float, _ minC: Int, _ dips: Int, cooldown: Double = 10, gap: Double = 0.5) -> Int {
            s.found(rule: DecisionRule(threshold: t, minConsecutive: minC, maxDips: dips, mergeGap: gap, cooldown: cooldown))
        }
        #expect(found(0.9, 2, 0) == 2)      // clips 1 and 3
        #expect(found(0.9, 1, 0) == 4)      // every clip with a window above
        #expect(found(0.9, 2, 1) == 3)      // the dip in clip 2 bridged
        #expect(found(0.999_876_6, 1, 0) == 1 && found(0.999_876_5, 2, 0) == 1 && found(0.999_876_7, 1, 0) == 0)
        #expect(found(0.9, 2, 0, cooldown: 0, gap: 5) == 2)
        let r = s.share(rule: DecisionRule(threshold: 0.9))
        #expect(r.found == 2 && r.total == 5 && r.interval == .wilson(successes: 2, trials: 5) && r.description == "40.0 % (2 of 5)")
        #expect(s.fits(DecisionRule(threshold: 0.9, hopSeconds: 0.1)) && !s.fits(DecisionRule(threshold: 0.9, hopSeconds: 0.05)))
    }

    /// A damaged record is an error naming the key and how to rebuild it, not a silent zero.
    @Test func aDamagedRecordIsNamed() throws {
        let good = ShotScores(hop: 0.1, clips: Self.clips).encoded()
        for bad in ["not json", good.replacingOccurrences(of: "\"windows\":[4,", with: "\"windows\":[5,"),
                    ShotScores(hop: 0.1, clips: [[1.5]]).encoded(), good.replacingOccurrences(of: "\"hop\":0.1", with: "\"hop\":0")] {
            var m = try TestModel.random()
            m.provenance[ShotScores.key] = bad
            #expect(throws: ModelFileError.self) { _ = try ShotScores(model: m) }
            do { _ = try ShotScores(model: m) } catch {
                #expect("\(error)".contains(ShotScores.key) && "\(error)".contains("--write-shot-scores"), "\(error)")
            }
        }
    }
}
