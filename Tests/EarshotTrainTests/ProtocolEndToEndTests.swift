import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing
@testable import EarshotTrain

/// The whole protocol on a generated corpus folder (no manifest): every model of the lineup (trained briefly, and
/// one weight average), the two best on validation and the two leaders of validation window recall calibrated
/// out-of-fold and the best of those shipped, every model evaluated, the report, plots and model files written,
/// and the shipped file carrying its out-of-fold thresholds.
@Suite struct ProtocolEndToEndTests {
    @Test func protocolWritesReportOOFThresholdsAndShipsTheChosenModel() throws {
        let dir = TestPaths.tempDir("protocol"); defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus"), out = dir.appendingPathComponent("out")
        var rng = SeededRNG(seed: 21)
        try TinyTrainingTests.writeCorpus(corpus, rng: &rng)

        var o = ThreeModelProtocol.Options(data: corpus, out: out)
        o.epochScale = 0.1; o.windowsPerEpoch = 32; o.threads = 1; o.folds = 2; o.shipTarget = "2"; o.oofCandidates = 2
        o.ship = dir.appendingPathComponent("shipped.safetensors")
        var run = ThreeModelProtocol(o)
        let lines = Lines()
        run.log = { line in lines.append(line); FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let results = try run.run()
        #expect(results.map(\.name) == Recipe.lineup(seed: 1).map(\.name))
        // the time left is said after each model trained, and for the out-of-fold calibration as a whole
        let trainable = Recipe.lineup(seed: 1).filter { $0.soup.isEmpty }.count
        #expect(lines.all.filter { $0.contains(" left to train the ") && $0.contains("s per epoch so far") }.count == trainable - 1, "\(lines.all)")
        #expect(lines.all.contains { $0.hasPrefix("≈ ") && $0.contains("left to train the 1 model(s) after ") }, "the last but one model says one is left")
        let plan = lines.all.first { $0.hasPrefix("out-of-fold calibration of ") }
        #expect(plan?.contains(", 2 folds each: ") == true && plan?.contains(" epochs to train, ≈ ") == true, "\(plan ?? "no plan line")")
        #expect(results.allSatisfy { $0.test != nil })
        for f in ["report.md", "report.json", "oof.json", "history.json", "split.md", "roc.svg", "loss_curves.svg", "training_curves.svg"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "\(f) missing")
        }
        // every report file the run wrote is one a later run removes first (`Report.files`), so none outlives it;
        // the models, history.json and split.md are rewritten by every run
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path)
            .filter { !$0.hasSuffix(".safetensors") && !["history.json", "split.md"].contains($0) }
        #expect(Set(written).isSubset(of: Report.files), "not in Report.files: \(Set(written).subtracting(Report.files))")
        let oof = try JSONDecoder().decode(OOFSummary.self, from: Data(contentsOf: out.appendingPathComponent("oof.json")))
        #expect(oof.folds == 2 && oof.negativeHours > 0 && oof.gunshotClips > 0)
        #expect(oof.byFold?.map(\.clips).reduce(0, +) == oof.gunshotClips, "by-fold clips \(String(describing: oof.byFold)) vs \(oof.gunshotClips)")
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("By fold (each fold's held-out gunshot clips"))
        let candidates = try JSONDecoder().decode([OOFSummary].self, from: Data(contentsOf: out.appendingPathComponent("oof_candidates.json")))
        // the top 2 on validation, then the two window-recall leaders unless they are among them (`candidates` has its own test)
        #expect((2...4).contains(candidates.count) && Set(candidates.map(\.model)).count == candidates.count, "2–4 distinct candidates: \(candidates.map(\.model))")
        #expect(candidates.contains { $0.model == oof.model }, "the shipped model is one of the candidates")
        #expect(oof.meanRecall == candidates.map(\.meanRecall).max(), "the shipped candidate has the best mean out-of-fold recall")
        // the run names its choice (the end-of-run summary prints it; trainer QA D18)
        #expect(results.filter(\.chosen).map(\.name) == [oof.model] && results.allSatisfy { $0.skippedFiles == 0 })
        // the candidates are paired clip by clip on the same pooled held-out shots
        for c in candidates {
            let found = try #require(c.shotsFound)
            for key in ["1", "2", "5", "10"] {
                let hits = try #require(found[key])
                #expect(Double(hits.count) / Double(c.gunshotClips) == c.recall[key] && hits.allSatisfy { (0..<c.gunshotClips).contains($0) }, "\(c.model) @ \(key)")
            }
        }
        let other = try #require(candidates.first { $0.model != oof.model })
        #expect(report.contains("clip by clip against the shipped candidate") && report.contains("| \(other.model) | 1 FA/h | \(Report.pct(oof.recall["1"])) | \(Report.pct(other.recall["1"])) |"), "the candidates' paired rows")
        // Model 8 is the weight average of its ingredients (Models 2, 3 and 7), not trained
        let lineup = Recipe.lineup(seed: 1)
        let soupIndex = try #require(lineup.firstIndex { !$0.soup.isEmpty })
        let expected = WeightAverage.mean(of: lineup[soupIndex].soup.map { results[$0].model.network.snapshot() })
        #expect(results[soupIndex].model.network.snapshot() == expected && results[soupIndex].history.isEmpty)
        let shipped = try Model.load(o.ship!)
        #expect(shipped.threshold == oof.thresholds["2"], "the shipped default is the 2 FA/h out-of-fold threshold")
        #expect(shipped.thresholds == oof.thresholds)
        #expect(shipped.provenance["train.thresholds"]?.contains("out-of-fold") == true)
        // the file names the rule its thresholds count events under: the trainer's
        #expect(DecisionRule.calibration(of: shipped)?.countingDescription == DecisionRule(threshold: 0.5).countingDescription, "\(shipped.provenance)")
        #expect(shipped.provenance[DecisionRule.calibrationKey] == DecisionRule(threshold: 0.5).calibrationRecord)
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(md.contains("Out-of-fold thresholds") && md.contains("Model selection out-of-fold") && md.contains("equal false-alarm rates") && md.contains(oof.model))
        // the level bands account for every test clip, each clip once
        for r in results {
            let t = try #require(r.test)
            let (guns, others) = (t.recallByLevel, t.falseAlarmClipsByLevel)
            let gunClips: Int = guns.reduce(0) { $0 + $1.clips }, otherClips: Int = others.reduce(0) { $0 + $1.clips }
            let detected: Int = guns.reduce(0) { $0 + $1.withEvent }, falseAlarms: Int = others.reduce(0) { $0 + $1.withEvent }
            #expect(gunClips + otherClips == t.clips)
            #expect(detected == t.metrics.tp && falseAlarms == t.metrics.fp)
            // the file keeps its test shots' window scores: at its threshold they find exactly the shots the report found
            let saved = try Model.load(out.appendingPathComponent("\(r.name).safetensors"))
            let shots = try #require(try ShotScores(model: saved), "\(r.name): eval.test_shots")
            var rule = DecisionRule(threshold: saved.threshold)
            #expect(shots.clips.count == t.metrics.tp + t.metrics.fn && shots.found(rule: rule) == t.metrics.tp, "\(r.name): \(shots.found(rule: rule)) of \(shots.clips.count), report \(t.metrics)")
            rule.threshold = 1.01
            #expect(shots.found(rule: rule) == 0)
            // the 95 % intervals come from the same counts, hold the figures, and are in the comparison table
            let (ri, fi) = (try #require(t.recallInterval), try #require(t.falseAlarmsPerHourInterval))
            #expect(ri == .wilson(successes: t.metrics.tp, trials: t.metrics.tp + t.metrics.fn) && ri.lower <= t.recall && t.recall <= ri.upper, "\(ri) vs \(t.recall)")
            let events = try #require(t.falseAlarms)
            #expect(fi == .poissonRate(events: events, exposure: t.negativeHours), "\(fi) vs \(events) events in \(t.negativeHours) h")
            #expect(fi.lower <= t.falseAlarmsPerHour && t.falseAlarmsPerHour <= fi.upper, "\(fi) vs \(t.falseAlarmsPerHour)")
            #expect(md.contains(Report.withInterval(Report.pct(t.recall), ri, scale: 100)), "\(r.name)'s recall cell")
            // how soon: at most as many shots as there are (counted where the clips are streamed after a window
            // of noise, which may find a few the plain stream did not), and the table row shows the figures
            if let l = t.latency {
                #expect(l.clips <= t.metrics.tp + t.metrics.fn && l.median <= l.p90 && l.p90 <= l.max && l.median >= 0, "\(r.name): \(l)")
                #expect(md.contains("| \(r.title) | \(l.summary) |"), "\(r.name)'s latency row")
            }
            // shots in succession: the row starts with the one-shot recall, then the incidents of 2, 3 and 5 shots
            let sc = try #require(t.succession, "\(r.name): incidents measured")
            #expect(sc.incidents == t.metrics.tp + t.metrics.fn && sc.recallInCrowd != nil, "\(r.name): \(sc)")
            #expect(md.contains("| \(r.title) | " + String(format: "%.1f / ", t.recall * 100) + ShotsInSuccession.cell(sc.recall) + " |"), "\(r.name)'s succession row")
            #expect(sc.eventsCounted?["5"]?.reduce(0, +) == sc.incidents, "\(r.name): every 5-clip incident counted: \(String(describing: sc.eventsCounted))")
            #expect(md.contains(" | \(sc.countCell(shots: 5)) |\n"), "\(r.name)'s count cell \(sc.countCell(shots: 5))")
        }
        #expect(md.contains("### Shots in succession"))
        // (the few-step models here rarely fire on a clip streamed after a window of floor noise; the figures
        // themselves are checked by EvaluatorLatencyTests)
        #expect(md.contains("### How soon the shots are confirmed") == results.contains { $0.test?.latency != nil })
        #expect(md.contains("By clip peak level (test; the features' log floor, ln(mel + 1e-6)"), "the caption names the model's floor")
        // every other model against the shipped one, clip by clip, at each operating point; the clips only one
        // found are the difference of the two detected counts
        let best = try #require(results.firstIndex { $0.name == oof.model }), ref = try #require(results[best].test)
        #expect(md.contains("### The shipped model against each other, clip by clip") && md.contains("found only by \(oof.model)"))
        for r in results where r.name != oof.model {
            let t = try #require(r.test), points = PairedComparison.points(ref, t)
            #expect(points.map(\.point) == ["threshold", "5", "10", "20"], "\(r.name)")
            let own = try #require(points.first).comparison
            #expect(own.onlySecond - own.onlyFirst == t.metrics.tp - ref.metrics.tp, "\(r.name): \(own) vs \(t.metrics.tp) and \(ref.metrics.tp) found")
            #expect(md.contains("| \(r.name) | 10 FA/h | \(Report.pct(ref.recallAtEqualFA["10"])) | \(Report.pct(t.recallAtEqualFA["10"])) |"), "\(r.name)'s row at 10 FA/h")
        }
        // a second run reuses every saved model (no training) with its history, except the soup, which is
        // re-averaged from the ingredients it finds (here Model 2's file replaced by Model 3's)
        let m2 = out.appendingPathComponent("\(lineup[1].name).safetensors"), m3 = out.appendingPathComponent("\(lineup[2].name).safetensors")
        try FileManager.default.removeItem(at: m2)
        try FileManager.default.copyItem(at: m3, to: m2)
        var again = o
        again.reuse = out; again.out = dir.appendingPathComponent("out2"); again.ship = nil; again.folds = 0
        again.command = "earshot-train train --reuse (the second run)"
        let second = try ThreeModelProtocol(again).run()
        #expect(second.count == results.count)
        // a reused model still names the run that trained it, and says which one calibrated it; the re-averaged
        // soup is this run's own
        for (a, b) in zip(second, results) {
            if a.name == lineup[soupIndex].name {
                #expect(a.model.provenance["train.command"] == again.command && a.model.provenance["train.recalibrated"] == nil, "\(a.model.provenance)")
            } else {
                let trained = a.name == lineup[1].name ? results[2] : b   // Model 2's file is Model 3's copy
                #expect(a.model.provenance["train.command"] == trained.model.provenance["train.command"] && a.model.provenance["train.date"] == trained.model.provenance["train.date"], "\(a.name): \(a.model.provenance)")
                #expect(a.model.provenance["train.recalibrated"]?.contains(again.command) == true, "\(a.name): \(a.model.provenance)")
            }
        }
        #expect(zip(second, results).allSatisfy { $0.history.count == $1.history.count }, "histories come back with the models")
        let reaveraged = WeightAverage.mean(of: lineup[soupIndex].soup.map { second[$0].model.network.snapshot() })
        #expect(second[soupIndex].model.network.snapshot() == reaveraged && reaveraged != expected)

        // every trained model records its budget (what --reuse compares), a weight average none
        for (r, t) in zip(Recipe.lineup(seed: o.seed, epochScale: o.epochScale, windowsPerEpoch: o.windowsPerEpoch), results) {
            #expect(t.model.provenance[ThreeModelProtocol.scheduleKey] == (r.soup.isEmpty ? ThreeModelProtocol.scheduleRecord(r.settings) : nil), "\(r.name): \(t.model.provenance)")
        }
        // a base trained anew takes its fine-tunes with it: with Model 1's file gone, Models 2, 3 and 7 (tuned
        // from Model 1) are trained again, and the rest reused
        try FileManager.default.removeItem(at: again.out.appendingPathComponent("\(lineup[0].name).safetensors"))
        var third = again
        third.reuse = again.out; third.out = dir.appendingPathComponent("out3")
        third.command = "earshot-train train --reuse (the third run)"
        let thirdRun = try ThreeModelProtocol(third).run()
        let tunedFromOne = Set(lineup.indices.filter { lineup[$0].base == 0 })
        #expect(tunedFromOne.count >= 2, "the lineup fine-tunes Model 1")
        for (i, t) in thirdRun.enumerated() where lineup[i].soup.isEmpty {
            let trainedAgain = i == 0 || tunedFromOne.contains(i)
            #expect((t.model.provenance["train.command"] == third.command) == trainedAgain, "\(t.name): \(t.model.provenance)")
            #expect((t.model.provenance["train.recalibrated"] == nil) == trainedAgain, "\(t.name): \(t.model.provenance)")
        }
    }
}

/// Lines a run logged, collected from its log closure.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ l: String) { lock.withLock { lines.append(l) } }
    var all: [String] { lock.withLock { lines } }
}
