import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing

@Suite struct DetectorTests {
    /// Streams `x` in chunks of `chunk`, returning every (time, score) and every output.
    func stream(_ d: Detector, _ x: [Float], chunk: Int) -> ([Double], [Float], [DetectorOutput]) {
        d.reset()
        var times: [Double] = [], scores: [Float] = [], out: [DetectorOutput] = []
        d.onScore = { times.append($0); scores.append($1) }
        x.withUnsafeBufferPointer { all in
            var i = 0
            while i < all.count {
                let n = min(chunk, all.count - i)
                d.process(UnsafeBufferPointer(rebasing: all[i..<(i + n)])) { out.append($0) }
                i += n
            }
        }
        d.finish { out.append($0) }
        d.onScore = nil
        return (times, scores, out)
    }

    @Test func chunkSizeDoesNotChangeScoresOrEvents() throws {
        let m = try TestModel.random()
        let x = TestModel.audio(seconds: 6, bursts: [1.0, 3.7])
        let probe = try Detector(model: m, rule: DecisionRule(threshold: 0.5))
        let (t0, s0, _) = stream(probe, x, chunk: x.count)
        // a threshold between the scores so that the rule has something to do
        let th = s0.sorted()[s0.count * 3 / 4]
        let d = try Detector(model: m, rule: DecisionRule(threshold: th, cooldown: 0.5))
        let (tr, sr, er) = stream(d, x, chunk: x.count)
        #expect(sr == s0)
        #expect(!er.isEmpty)
        for chunk in [1, 160, 1000, 4096] {
            let (t, s, e) = stream(d, x, chunk: chunk)
            #expect(t == tr, "chunk \(chunk)")
            #expect(s == sr, "chunk \(chunk)")
            #expect(e == er, "chunk \(chunk)")
        }
        #expect(t0.count == (LogMel.frameCount(samples: x.count) - 96) / 10 + 1)
    }

    /// Incremental scoring and a full forward pass per window give the same scores (up to rounding) and
    /// events, whatever the chunking.
    @Test func streamingScoresEqualTheFullForwardPass() throws {
        let m = try TestModel.random(outputScale: 0.3, inputNorm: nil)
        let x = TestModel.audio(seconds: 12, bursts: [1.0, 3.7, 8.2])
        let full = try Detector(model: m, rule: DecisionRule(threshold: 0.5), streaming: false)
        #expect(!full.isStreaming)
        let (_, s0, _) = stream(full, x, chunk: 4096)
        let rule = DecisionRule(threshold: TestModel.gapThreshold(s0), cooldown: 0.5)
        let reference = try Detector(model: m, rule: rule, streaming: false)
        let (tr, sr, er) = stream(reference, x, chunk: 4096)
        #expect(!er.isEmpty)
        #expect(sr.max()! - sr.min()! > 0.05)
        let inc = try Detector(model: m, rule: rule)
        #expect(inc.isStreaming)
        for chunk in [1, 1600, 4096, 16_000, x.count] {
            let (t, s, e) = stream(inc, x, chunk: chunk)
            #expect(t == tr, "chunk \(chunk)")
            let diff = zip(s, sr).map { abs($0 - $1) }.max() ?? 1
            #expect(s.count == sr.count && diff <= 1e-5, "chunk \(chunk): max |Δscore| \(diff)")
            // the same events: kinds, ids and times exactly, peak scores up to rounding
            func parts(_ o: DetectorOutput) -> (String, DetectionEvent) {
                switch o { case .started(let ev): return ("started", ev); case .ended(let ev): return ("ended", ev); case .heardInCooldown(let ev): return ("heard", ev) }
            }
            #expect(e.count == er.count, "chunk \(chunk)")
            for (x, y) in zip(e.map(parts), er.map(parts)) {
                var a = x.1, b = y.1
                #expect(x.0 == y.0 && abs(a.peakScore - b.peakScore) <= 1e-5, "chunk \(chunk): \(x) vs \(y)")
                a.peakScore = 0; b.peakScore = 0
                #expect(a == b, "chunk \(chunk)")
            }
        }
    }

    @Test func windowsAreTransposedLogMelScoredByTheModel() throws {
        let m = try TestModel.random()
        let c = m.features
        let x = TestModel.audio(seconds: 2, bursts: [0.4, 1.3])
        let d = try Detector(model: m, rule: DecisionRule(threshold: 0.5))
        let (_, scores, _) = stream(d, x, chunk: 4096)
        let lm = try LogMel.compute(x, config: c, filterbank: m.melFilterbank)   // (frames, nMels)
        let frames = lm.count / c.nMels
        let session = try m.makeInference()
        var win = [Float](repeating: 0, count: c.nMels * c.windowFrames)       // (1, H = mel, W = time)
        var asIs = win
        #expect(scores.count == (frames - c.windowFrames) / d.hopFrames + 1)
        var discriminates = false
        for (k, score) in scores.enumerated() {
            let f0 = k * d.hopFrames
            for t in 0..<c.windowFrames { for mel in 0..<c.nMels { win[mel * c.windowFrames + t] = lm[(f0 + t) * c.nMels + mel] } }
            asIs.replaceSubrange(0..<asIs.count, with: lm[(f0 * c.nMels)..<((f0 + c.windowFrames) * c.nMels)])
            let ref = session.gunshotProbability(win)
            let wrong = session.gunshotProbability(asIs)
            #expect(abs(ref - score) < 1e-5, "window \(k): detector \(score) vs reference \(ref)")
            if abs(wrong - ref) > 1e-3 { discriminates = true }
        }
        #expect(discriminates, "the test model cannot tell transposed from untransposed windows")
    }

    @Test func eventStartIsTheBurstOnsetNotTheWindowStart() throws {
        // threshold 0: every window is above, so the first window [0, 0.99) s opens the event; its start must be
        // the burst's energy onset (frames reach the burst at 0.6 s − 512/16000 s ≈ 0.57 s), not 0.
        let d = try Detector(model: TestModel.random(), rule: DecisionRule(threshold: 0))
        let (_, _, out) = stream(d, TestModel.audio(seconds: 3, bursts: [0.6]), chunk: 4096)
        guard case let .started(e)? = out.first else { Issue.record("no event: \(out)"); return }
        #expect(e.start > 0.54 && e.start < 0.62, "start \(e.start)")
        // 3 s → 297 frames → 21 windows; the last covers frames 200…295 and ends at 2.95 + 0.032 s
        guard out.count == 2, case let .ended(f) = out[1] else { Issue.record("expected started + ended: \(out)"); return }
        #expect(abs(f.end - 2.982) < 1e-9)
        #expect(f.start == e.start)
    }

    @Test func countersAndResetAndTiming() throws {
        let m = try TestModel.random()
        let d = try Detector(model: m, rule: DecisionRule(threshold: 0.5, hopSeconds: 0.05))
        #expect(d.hopFrames == 5)
        #expect(d.windowsScored == 0 && d.lastScore == 0)
        var times: [Double] = []
        d.onScore = { t, _ in times.append(t) }
        d.process(TestModel.audio(seconds: 1.5, bursts: [])) { _ in }
        #expect(d.windowsScored == times.count && d.windowsScored > 0)
        #expect(d.lastScore > 0)
        // first window covers frames 0…95: samples [0, 95·160 + 512) → centre 0.4915 s; then every 50 ms
        #expect(abs(times[0] - (95.0 * 160 + 512) / 16000 / 2) < 1e-9)
        #expect(abs(times[1] - times[0] - 0.05) < 1e-9)
        d.reset()
        #expect(d.windowsScored == 0 && d.lastScore == 0)
    }

    /// A new decision rule at the same hop keeps the stream: the next window is scored on time, with the same score
    /// as a detector that never changed, and decided by the new rule. Another hop needs a new detector.
    @Test func anUpdatedRuleKeepsScoringWithoutAWarmUp() throws {
        let m = try TestModel.random()
        let x = TestModel.audio(seconds: 4, bursts: [2.5])
        let steady = try Detector(model: m, rule: DecisionRule(threshold: 0.5))
        let (_, expected, _) = stream(steady, x, chunk: 1600)
        let d = try Detector(model: m, rule: DecisionRule(threshold: 0.5))
        var scores: [Float] = []
        d.onScore = { _, s in scores.append(s) }
        let half = 2 * 16_000
        d.process(Array(x[..<half])) { _ in }
        let before = d.windowsScored
        #expect(d.canUpdate(to: DecisionRule(threshold: 1, minConsecutive: 1)) && !d.canUpdate(to: DecisionRule(threshold: 1, hopSeconds: 0.05)))
        try d.update(rule: DecisionRule(threshold: 1, minConsecutive: 1))
        #expect(throws: DecisionRuleError.self) { try d.update(rule: DecisionRule(threshold: 2)) }
        var out: [DetectorOutput] = []
        d.process(Array(x[half...])) { out.append($0) }
        #expect(d.windowsScored == before + 20 && scores == expected, "the stream went on: no window missed or rescored")
        #expect(out.isEmpty && d.rule.threshold == 1, "decided by the new rule (nothing reaches 1): \(out)")
    }

    @Test func incompatibleModelIsRejected() throws {
        let m = try TestModel.random()
        m.melFilterbank = Array(m.melFilterbank.dropLast())
        #expect(throws: DetectorError.self) { try Detector(model: m, rule: DecisionRule(threshold: 0.5)) }
        let n = try TestModel.random()
        n.features.windowFrames = 48    // the network still expects 96 frames
        #expect(throws: DetectorError.self) { try Detector(model: n, rule: DecisionRule(threshold: 0.5)) }
        #expect(throws: DecisionRuleError.self) { try Detector(model: try TestModel.random(), rule: DecisionRule(threshold: 2)) }
    }
}
