import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing

@Suite struct FileAnalyzerTests {
    @Test func fileGivesTheSameResultAsStreamingItsSamples() throws {
        let dir = TestPaths.tempDir("fa")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = TestModel.audio(seconds: 4, bursts: [1.2])
        let url = dir.appendingPathComponent("a.wav")
        try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: url)
        let m = try TestModel.random()
        let d = try Detector(model: m, rule: DecisionRule(threshold: 0.5))
        let r = try FileAnalyzer.analyze(url, detector: d)
        #expect(abs(r.duration - 4) < 1e-6)
        let (lead, tail) = FileAnalyzer.padding(samples: x.count, detector: d)
        #expect(lead == 40 * 160 && tail == lead, "half a window in whole hops on each side")
        #expect(r.windows == (LogMel.frameCount(samples: lead + x.count + tail) - 96) / 10 + 1)
        // PCM16 rounding only: same decisions and nearly the same scores as the float samples
        let f = FileAnalyzer.analyze(samples: x, detector: d)
        #expect(f.windows == r.windows)
        #expect(abs(f.maxScore - r.maxScore) < 1e-3)
        let once = try FileAnalyzer.analyze(url, model: m, rule: DecisionRule(threshold: 0.5))
        #expect(once.maxScore == r.maxScore)
    }

    @Test func fileAtAnotherRateIsResampled() throws {
        let dir = TestPaths.tempDir("fa")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("b.flac")
        let x = [Float](repeating: 0.01, count: 44_100 * 2)
        try AudioFileWriter.write(x, channels: 1, sampleRate: 44_100, format: .flac, to: url)
        let r = try FileAnalyzer.analyze(url, model: TestModel.random(), rule: DecisionRule(threshold: 0.5))
        #expect(abs(r.duration - 2) < 0.01)
    }

    @Test func badInputGivesTypedErrors() throws {
        let dir = TestPaths.tempDir("fa")
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = try Detector(model: TestModel.random(), rule: DecisionRule(threshold: 0.5))
        let missing = dir.appendingPathComponent("nope.wav")
        #expect(throws: AudioFileError.missing(path: missing.path)) { try FileAnalyzer.analyze(missing, detector: d) }
        let empty = dir.appendingPathComponent("empty.wav")
        _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
        #expect(throws: AudioFileError.empty(path: empty.path)) { try FileAnalyzer.analyze(empty, detector: d) }
        let junk = dir.appendingPathComponent("junk.wav")
        _ = FileManager.default.createFile(atPath: junk.path, contents: Data((0..<4000).map { UInt8($0 % 251) }))
        do {
            _ = try FileAnalyzer.analyze(junk, detector: d)
            Issue.record("junk was analysed")
        } catch let e as AudioFileError {
            #expect(e.path == junk.path)
        }
    }

    /// The windows over the file are the unpadded stream's (same frames, same scores, same times); the
    /// padding only adds windows that see the file's edges.
    @Test func paddingKeepsTheWindowsOverTheFileAndAddsEdgeWindows() throws {
        let x = TestModel.audio(seconds: 3, bursts: [1.1])
        let d = try Detector(model: TestModel.random(), rule: DecisionRule(threshold: 0.5))
        var plain: [Double: Float] = [:]
        d.reset()
        d.onScore = { t, s in plain[(t * 1000).rounded()] = s }
        d.process(x) { _ in }
        var padded: [(Double, Float)] = []
        d.onScore = { t, s in padded.append((t, s)) }
        let r = FileAnalyzer.analyze(samples: x, detector: d)
        #expect(r.windows == padded.count && padded.count == plain.count + 8, "4 more windows at each end")
        var shared = 0
        for (t, s) in padded { if let p = plain[(t * 1000).rounded()] { shared += 1; #expect(abs(p - s) < 1e-5, "window at \(t) s") } }
        #expect(shared == plain.count)
        // a 0.982 s window starting 0.4 s before the file is centred at 0.091 s; the last starts at 2.4 s
        #expect(abs(padded[0].0 - 0.091) < 1e-9 && abs(padded.last!.0 - 2.891) < 1e-9)
    }

    /// A burst in a file's first or last 30 ms is seen near the middle of some window, as mid-stream.
    @Test func burstsAtTheFileEdgesSitInsideSomeWindow() throws {
        let d = try Detector(model: TestModel.random(), rule: DecisionRule(threshold: 0.5))
        for burst in [0.01, 2.97] {
            var centres: [Double] = []
            d.onScore = { t, _ in centres.append(t) }
            _ = FileAnalyzer.analyze(samples: TestModel.audio(seconds: 3, bursts: [burst]), detector: d)
            let nearest = centres.map { abs($0 - burst) }.min() ?? .infinity
            #expect(nearest < 0.1, "burst at \(burst) s: nearest window centre \(nearest) s away")
        }
    }

    /// A file shorter than one window (0.5 s) gets `minConsecutive` windows, and its event stays in the file.
    @Test func shortFileIsScoredAndItsEventStaysInsideIt() throws {
        for n in [800, 8000] {
            let d = try Detector(model: TestModel.random(), rule: DecisionRule(threshold: 0, minConsecutive: 3))
            let r = FileAnalyzer.analyze(samples: TestModel.audio(seconds: Double(n) / 16_000, bursts: [0.02]), detector: d)
            #expect(r.windows >= 3 && r.maxScore > 0, "\(n) samples: \(r.windows) windows")
            #expect(r.events.count == 1)
            if let e = r.events.first { #expect(e.start >= 0 && e.end <= r.duration && e.start <= e.end && e.peakTime <= r.duration) }
        }
    }

    /// The padding is noise at the file's floor, not digital silence (a step no microphone stream has) and
    /// not louder than the file's quiet parts; it is the same for the same file (reproducible reports).
    @Test func paddingIsTheFilesOwnFloorAndReproducible() throws {
        var rng = SeededRNG(seed: 3)
        let x = (0..<32_000).map { i in Float(rng.uniform(-1, 1)) * (i > 12_000 && i < 13_000 ? 0.5 : 0.01) }
        let a = NoiseFloor.amplitude(x)
        #expect(abs(a - 0.01) < 0.002, "floor of uniform(±0.01) audio: \(a)")
        #expect(NoiseFloor.amplitude([Float](repeating: 0, count: 4000)) == 3e-5)
        var r1 = SeededRNG(seed: 9), r2 = SeededRNG(seed: 9)
        let n = NoiseFloor.noise(count: 1000, amplitude: a, rng: &r1)
        #expect(n == NoiseFloor.noise(count: 1000, amplitude: a, rng: &r2))
        #expect(n.allSatisfy { abs($0) <= Float(a) } && n.contains { abs($0) > Float(a) / 2 })
        let d = try Detector(model: TestModel.random(), rule: DecisionRule(threshold: 0.5))
        let once = FileAnalyzer.analyze(samples: x, detector: d), again = FileAnalyzer.analyze(samples: x, detector: d)
        #expect(once.maxScore == again.maxScore && once.windows == again.windows)
    }

    /// Splitting a file's windows among detectors (`earshot detect` on one long recording with several
    /// cores) changes nothing: the same windows at the same times, the same scores, the same events —
    /// for incremental scoring (stretches start on its pooling grid) and for a full forward pass.
    @Test(arguments: [nil, InputNorm.Mode.global])
    func splittingAFileAmongDetectorsGivesTheSameResult(inputNorm: InputNorm.Mode?) throws {
        let m = try TestModel.random(outputScale: 0.3, inputNorm: inputNorm)
        let x = TestModel.audio(seconds: 24, bursts: stride(from: 0.7, to: 24, by: 1.9).map { $0 })
        func run(_ n: Int, _ rule: DecisionRule) throws -> (FileResult, [(Double, Float)], [Range<Int>]) {
            let ds = try (0..<n).map { _ in try Detector(model: m, rule: rule) }
            var trace: [(Double, Float)] = []
            ds[0].onScore = { trace.append(($0, $1)) }
            let (lead, tail) = FileAnalyzer.padding(samples: x.count, detector: ds[0])
            let stretches = FileAnalyzer.split(samples: lead + x.count + tail, detector: ds[0], parts: n)
            return (FileAnalyzer.analyze(samples: x, detectors: ds), trace, stretches)
        }
        let (_, s0, _) = try run(1, DecisionRule(threshold: 0.5))
        let rule = DecisionRule(threshold: TestModel.gapThreshold(s0.map(\.1)), cooldown: 1)
        let (one, t1, _) = try run(1, rule)
        #expect(one.events.count >= 3, "the test needs events: \(one.events.count)")
        for n in [2, 3, 5] {
            let (r, t, stretches) = try run(n, rule)
            #expect(stretches.count == min(n, one.windows / FileAnalyzer.minWindowsPerWorker) && stretches.count > 1)
            #expect(stretches.first?.lowerBound == 0 && stretches.last?.upperBound == one.windows)
            #expect(r.windows == one.windows && t.count == t1.count, "\(n) detectors")
            #expect(t.map(\.0) == t1.map(\.0), "\(n) detectors: window times")
            let diff = zip(t, t1).map { abs($0.1 - $1.1) }.max() ?? 1
            #expect(diff <= 1e-6, "\(n) detectors: max |Δscore| \(diff)")
            #expect(r.events.count == one.events.count, "\(n) detectors")
            for (a, b) in zip(r.events, one.events) {
                #expect(a.id == b.id && a.start == b.start && a.end == b.end && a.peakTime == b.peakTime && abs(a.peakScore - b.peakScore) <= 1e-6)
            }
            #expect(abs(r.maxScore - one.maxScore) <= 1e-6)
        }
    }

    /// A file too short for two workers' minimum stays on one detector; stretches start on the period.
    @Test func splitKeepsShortFilesWholeAndAlignsStretches() throws {
        let d = try Detector(model: TestModel.random(inputNorm: nil), rule: DecisionRule(threshold: 0.5))
        #expect(d.windowPeriod == 4, "hop 10 frames, 3 poolings (8 frames per column): 4 windows")
        #expect(FileAnalyzer.split(samples: 16_000 * 5, detector: d, parts: 2).count == 1)
        let s = FileAnalyzer.split(samples: 16_000 * 600, detector: d, parts: 3)
        #expect(s.count == 3 && s.dropFirst().allSatisfy { $0.lowerBound % 4 == 0 })
        #expect(zip(s, s.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        let full = try Detector(model: TestModel.random(), rule: DecisionRule(threshold: 0.5))
        #expect(full.windowPeriod == 1, "a full forward pass per window has no grid")
    }
}
