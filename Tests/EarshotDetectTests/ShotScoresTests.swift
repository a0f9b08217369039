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
        let m = try TestModel.random()
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

    /// The clips' sources survive the file; the share of incidents of several shots of one source is the exact
    /// expectation over the draws, by hand; without sources there is none.
    @Test func incidentsOfSeveralShotsOfOneSource() throws {
        // source a: clips 0 (found at 0.9 with min_consecutive 2) and 2 (not); b: clips 1 (found), 3 and 4 (not)
        let sources = ["a", "b", "a", "b", "b"]
        let clips: [[Float]] = [[0.95, 0.96], [0.95, 0.97], [0.1, 0.2], [0.95, 0.1], []]
        let s = ShotScores(hop: 0.1, clips: clips, sources: sources)
        let rule = DecisionRule(threshold: 0.9)
        // 2 shots: clip 0 and 1 found (1 each); 2 draws its one other, found (1); 3 and 4 each draw one of two others,
        // one found (1/2 each): (1 + 1 + 1 + 0.5 + 0.5) / 5
        #expect(abs((s.incidentShare(rule: rule, shots: 2) ?? -1) - 0.8) < 1e-12)
        // 3 shots: 3 and 4 miss with (1/2)² each: (3 + 0.75 + 0.75) / 5
        #expect(abs((s.incidentShare(rule: rule, shots: 3) ?? -1) - 0.9) < 1e-12)
        #expect(abs((s.incidentShare(rule: rule, shots: 1) ?? -1) - 0.4) < 1e-12, "one shot: the clips found")
        let share = s.share(rule: rule)
        #expect(share.found == 2 && share.incidents == s.incidentShare(rule: rule, shots: ShotScores.incidentShots)
                && share.incidentText == ", 90.0 % of its 3-shot incidents", "\(share)")
        // a source of one clip draws the clip itself: found only when it is
        let alone = ShotScores(hop: 0.1, clips: [[0.1, 0.1]], sources: ["c"])
        #expect(alone.incidentShare(rule: rule) == 0)
        // without sources (a file written before they were kept, or a count that does not match): none
        #expect(ShotScores(hop: 0.1, clips: clips).incidentShare(rule: rule) == nil)
        #expect(ShotScores(hop: 0.1, clips: clips, sources: ["a"]).sources == nil)
        #expect(ShotScores(hop: 0.1, clips: clips).share(rule: rule).incidentText == "")
        // through a model file
        let m = try TestModel.random()
        m.provenance[ShotScores.key] = s.encoded()
        let url = TestPaths.tempDir("shot-sources").appendingPathComponent("m.safetensors")
        try m.save(to: url)
        let back = try #require(try ShotScores(model: try Model.load(url)))
        #expect(back == s && back.sources == sources)
        #expect(ShotScores.summary(model: try Model.load(url), rule: rule) == "finds 40.0 % (2 of 5) of the model's held-out test shots, 90.0 % of its 3-shot incidents")
        // damaged: an index past the names, or a count that is not the clips'
        for bad in [s.encoded().replacingOccurrences(of: "\"source\":[0,1,", with: "\"source\":[0,7,"),
                    s.encoded().replacingOccurrences(of: "\"source\":[0,1,", with: "\"source\":[1,")] {
            let d = try TestModel.random()
            d.provenance[ShotScores.key] = bad
            #expect(throws: ModelFileError.self) { _ = try ShotScores(model: d) }
        }
    }

    /// A damaged record is an error naming the key and how to rebuild it, not a silent zero.
    @Test func aDamagedRecordIsNamed() throws {
        let good = ShotScores(hop: 0.1, clips: Self.clips).encoded()
        for bad in ["not json", good.replacingOccurrences(of: "\"windows\":[4,", with: "\"windows\":[5,"),
                    ShotScores(hop: 0.1, clips: [[1.5]]).encoded(), good.replacingOccurrences(of: "\"hop\":0.1", with: "\"hop\":0")] {
            let m = try TestModel.random()
            m.provenance[ShotScores.key] = bad
            #expect(throws: ModelFileError.self) { _ = try ShotScores(model: m) }
            do { _ = try ShotScores(model: m) } catch {
                #expect("\(error)".contains(ShotScores.key) && "\(error)".contains("--write-shot-scores"), "\(error)")
            }
        }
    }
}
