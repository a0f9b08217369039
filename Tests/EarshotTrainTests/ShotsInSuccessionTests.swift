import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing
@testable import EarshotTrain

@Suite struct ShotsInSuccessionTests {
    /// A hand-set model whose gunshot score rises with the window's mean log-mel: a window holding a 0.1 s burst
    /// at 0.5 over 0.003 noise scores above 0.5, the noise alone far below (as in `EvaluatorLatencyTests`).
    static func energyModel() throws -> Model {
        let c = FeatureConfig()
        var rng = SeededRNG(seed: 5)
        var probe = (0..<(3 * c.sampleRate)).map { _ in Float(rng.uniform(-1, 1)) * 0.003 }
        for k in 0..<1600 { probe[2 * c.sampleRate + k] += 0.5 * Float(rng.uniform(-1, 1)) * expf(-Float(k) / 400) }
        let m = try LogMel.compute(probe, config: c), frames = m.count / c.nMels
        let perFrame = (0..<frames).map { f in (0..<c.nMels).reduce(Float(0)) { $0 + m[f * c.nMels + $1] } / Float(c.nMels) }
        func windowMean(endingAt f: Int) -> Float { perFrame[(f - c.windowFrames + 1)...f].reduce(0, +) / Float(c.windowFrames) }
        let level = (windowMean(endingAt: 202) + windowMean(endingAt: 203)) / 2
        let net = try Network(specs: [.gap, .dense("fc", 2)], inputShape: Shape3(1, c.nMels, c.windowFrames))
        net.parameter(named: "fc.weight")!.value = [0, 50]
        net.parameter(named: "fc.bias")!.value = [0, -50 * level]
        return Model(network: net, features: c, threshold: 0.5)
    }

    static func clip(_ source: String, burst: Bool, seed: UInt64) -> Clip {
        var rng = SeededRNG(seed: seed)
        var x = (0..<32_000).map { _ in Float(rng.uniform(-1, 1)) * 0.003 }
        if burst { for k in 0..<1600 { x[8000 + k] += 0.5 * Float(rng.uniform(-1, 1)) * expf(-Float(k) / 400) } }
        return Clip(info: ClipInfo(file: "\(source)-\(seed)", label: "gunshot", source: source, group: source, seconds: 2, licence: ""), samples: x)
    }

    /// An incident is its first clip after a window and part of a hop of floor noise, then other clips of the same
    /// source only, each after 0.3–3 s; every clip is copied sample for sample.
    @Test func anIncidentIsItsClipThenOthersOfItsSource() throws {
        let detector = try Detector(model: try Self.energyModel(), rule: DecisionRule(threshold: 0.5))
        // clips of constant, distinct values: each copy is found as a run of its value
        func constant(_ v: Float, _ source: String, _ n: Int) -> Clip {
            Clip(info: ClipInfo(file: "\(v)", label: "gunshot", source: source, group: source, seconds: 0.1, licence: ""), samples: [Float](repeating: v, count: n))
        }
        let clips = [constant(0.25, "a", 1600), constant(0.5, "b", 1700), constant(0.75, "a", 1800), constant(1.0, "a", 1900), constant(0.125, "b", 2000)]
        var rng = SeededRNG(seed: 3)
        for first in clips.indices {
            let x = ShotsInSuccession.incident(startingWith: first, shots: 5, of: clips, detector: detector, rng: &rng)
            // the runs of clip values, in order: (value, start, length)
            var runs: [(v: Float, start: Int, count: Int)] = []
            var i = 0
            while i < x.count {
                guard let c = clips.first(where: { $0.samples[0] == x[i] }) else { i += 1; continue }
                var j = i
                while j < x.count, x[j] == x[i] { j += 1 }
                #expect(j - i == c.samples.count, "a copy of clip \(c.info.file) is cut: \(j - i) of \(c.samples.count) samples")
                runs.append((x[i], i, j - i)); i = j
            }
            #expect(runs.count == 5, "clip \(first): \(runs.count) shots")
            #expect(runs.first?.v == clips[first].samples[0], "the incident starts with its own clip")
            let lead = runs.first?.start ?? 0
            #expect(lead >= detector.model.features.windowSamples && lead < detector.model.features.windowSamples + detector.hopSamples)
            for r in runs {
                let c = try #require(clips.first { $0.samples[0] == r.v })
                #expect(c.info.source == clips[first].info.source, "clip \(first) of source \(clips[first].info.source) took a shot of \(c.info.source)")
            }
            for (a, b) in zip(runs, runs.dropFirst()) {
                let gap = Double(b.start - (a.start + a.count)) / 16_000
                #expect(gap >= 0.3 - 1e-4 && gap <= 3.0 + 1e-4, "gap \(gap) s")
            }
            #expect(x.count == (runs.last.map { $0.start + $0.count } ?? 0), "the incident ends with its last shot")
        }
    }

    /// Found incidents are counted per shot count and per rule; the other shots come from the incident's own source
    /// (a silent source's incidents are never found, however many shots).
    @Test func incidentsAreFoundWhenAnyShotIs() throws {
        let model = try Self.energyModel()
        let rule = DecisionRule(threshold: 0.5)
        let detector = try Detector(model: model, rule: rule)
        let heard = [Self.clip("loud", burst: true, seed: 1), Self.clip("loud", burst: true, seed: 2)]
        let silent = (3..<6).map { Self.clip("silent", burst: false, seed: UInt64($0)) }
        var never = rule
        never.threshold = 1
        let s = ShotsInSuccession.measure(gunshots: heard + silent, detector: detector, rule: rule, equalRules: ["5": never])
        #expect(s.incidents == 5)
        #expect(s.recallInCrowd == nil, "no crowd clips given: no crowd figures")
        for n in ShotsInSuccession.shotCounts {
            #expect(s.recall[String(n)] == 0.4, "\(n) shots: \(s.recall)")
            #expect(s.recallAtEqualFA["5"]?[String(n)] == 0, "\(n) shots at a threshold nothing reaches: \(s.recallAtEqualFA)")
            // every burst of a loud incident (≥ 2.3 s apart) is one gunshot event, paged or held back by the 10 s
            // cooldown: counted n times; the silent incidents none
            var want = [Int](repeating: 0, count: n + 1)
            want[0] = 3; want[n] = 2
            #expect(s.eventsCounted?[String(n)] == want, "\(n) shots: \(String(describing: s.eventsCounted))")
        }
        #expect(s.countText(shots: 5) == "5 clips: median 5 events; as many in 100.0 %, fewer in 0.0 %, more in 0.0 %", "\(s.countText(shots: 5) ?? "nil")")
        let mixed = ShotsInSuccession(incidents: 6, recall: [:], recallAtEqualFA: [:], eventsCounted: ["2": [2, 1, 0, 3]])
        #expect(mixed.countText(shots: 2) == "2 clips: median 3 events; as many in 0.0 %, fewer in 25.0 %, more in 75.0 %", "\(mixed.countText(shots: 2) ?? "nil")")
        #expect(mixed.countText(shots: 3) == nil)
        // a source of one heard and one unheard shot: every incident of two or more shots holds the heard one (the
        // unheard clip's only other clip), so all are found, where one shot alone finds half
        let pair = [Self.clip("pair", burst: true, seed: 7), Self.clip("pair", burst: false, seed: 8)]
        let m = ShotsInSuccession.measure(gunshots: pair, detector: detector, rule: rule, equalRules: [:])
        #expect(m.recall == ["2": 1, "3": 1, "5": 1], "\(m.recall)")
        #expect(ShotsInSuccession.cell(m.recall) == "100.0 / 100.0 / 100.0 %" && ShotsInSuccession.cell(nil) == "–")
    }

    /// The evaluator reports it, and a report written before it still loads.
    @Test func theEvaluatorReportsIt() throws {
        let model = try Self.energyModel()
        let guns = [Self.clip("loud", burst: true, seed: 1), Self.clip("silent", burst: false, seed: 2)]
        let negs = (3..<5).map { s -> Clip in var c = Self.clip("neg", burst: false, seed: UInt64(s)); c.info.label = "negative"; return c }
        var e = Evaluator(); e.log = { _ in }
        let r = try e.evaluate(model: model, name: "energy", rule: DecisionRule(threshold: 0.5), gunshots: guns, negatives: negs, crowd: [])
        let s = try #require(r.succession)
        #expect(s.recall == ["2": 0.5, "3": 0.5, "5": 0.5], "\(s.recall)")
        // in crowd noise (the negatives stand in when there is no crowd audio): the loud shot's incidents are still
        // heard at +10 dB, the silent one's are not
        let inCrowd = try #require(s.recallInCrowd, "with noise clips given, incidents are also mixed with them")
        #expect(inCrowd.keys.sorted() == ["+0", "+10"] && inCrowd["+10"] == 0.5, "\(inCrowd)")
        #expect(ShotsInSuccession.crowdCell(inCrowd).hasPrefix("50.0 / ") && ShotsInSuccession.crowdCell(nil) == "–")
        #expect(Set(s.recallAtEqualFA.keys) == Set(Evaluator.equalFATargets.map { String(format: "%.0f", $0) }))
        let data = try JSONEncoder().encode(r)
        var dict = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        dict["succession"] = nil
        let old = try JSONDecoder().decode(EvalReport.self, from: try JSONSerialization.data(withJSONObject: dict))
        #expect(old.succession == nil && old.recall == r.recall)
    }
}
