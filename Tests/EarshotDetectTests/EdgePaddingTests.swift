import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing

@Suite struct EdgePaddingTests {
    /// The tail is the file's end mirrored without repeating the edge sample; after a file no longer than the
    /// tail, floor noise (as before the mirror) — not the clip bounced back and forth.
    @Test func theTailMirrorsTheFilesEnd() {
        let x: [Float] = [1, 2, 3, 4, 5]
        var rng = SeededRNG(seed: 1)
        #expect(EdgePadding.tail(x[...], count: 3, amplitude: 0.1, rng: &rng) == [4, 3, 2])
        #expect(EdgePadding.tail(x[1...], count: 3, amplitude: 0.1, rng: &rng) == [4, 3, 2], "a slice mirrors its own end")
        #expect(EdgePadding.tail(x[...], count: 0, amplitude: 0.1, rng: &rng).isEmpty)
        var a = SeededRNG(seed: 2), b = SeededRNG(seed: 2)
        let short = EdgePadding.tail(x[...], count: 5, amplitude: 0.1, rng: &a)
        #expect(short == NoiseFloor.noise(count: 5, amplitude: 0.1, rng: &b), "a file no longer than the tail: floor noise")
    }

    /// A shot in a clip shorter than the tail (0.21 s, the demo's first shot at its start) keeps its place:
    /// mirrored again and again through the padding, it was reported at 0.21–0.21 s.
    @Test func aShortClipsShotStaysAtItsStart() throws {
        let modelURL = TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors")
        let demo = try AudioFile.read(TestPaths.repo.appendingPathComponent("demo/demo-gunshots.flac"), sampleRate: 16_000)
        let model = try Model.load(modelURL)
        let d = try Detector(model: model, rule: DecisionRule(threshold: 0.9))   // the clip scores 0.979: just under the model's own
        let onset = try #require(demo.samples.indices.first { abs(demo.samples[$0]) > 0.3 }, "the demo's first shot")
        let clip = Array(demo.samples[(onset - 160)..<(onset + 3_200)])   // 10 ms before the shot, 0.2 s after
        let r = FileAnalyzer.analyze(samples: clip, detector: d)
        #expect(r.events.count == 1, "\(r.events)")
        if let e = r.events.first { #expect(e.start < 0.1 && e.end > e.start, "\(e)") }
    }

    /// A recording that ends on a loud, steady background (here the demo recording's room sound before its
    /// shot, 31 dB louder and looped to 4 s) raises no event at its end. With floor noise streamed after it (the
    /// padding before 2026-12-06) the shipped model saw the step to white noise as an onset and reported a
    /// "gunshot" in the file's last 20 ms; that stream is scored here too, so the test shows what it guards.
    /// The same through `SegmentedFile` (a long recording decoded segment by segment).
    @Test func aFileEndingOnLoudBackgroundRaisesNoEventAtItsEnd() throws {
        let modelURL = TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors")
        let demo = try AudioFile.read(TestPaths.repo.appendingPathComponent("demo/demo-gunshots.flac"), sampleRate: 16_000)
        let gain = Float(pow(10, 31.0 / 20))
        let room = demo.samples[3_200..<16_000].map { $0 * gain }          // 0.2–1.0 s: before the first shot
        let x = Array([[Float]](repeating: room, count: 5).joined())
        #expect(PeakLevel.peak(x) < 1, "no clipping")
        let model = try Model.load(modelURL)
        let d = try Detector(model: model, rule: DecisionRule(threshold: model.threshold))

        let r = FileAnalyzer.analyze(samples: x, detector: d)
        #expect(r.events.isEmpty, "events: \(r.events)")
        #expect(r.maxScore < model.threshold)

        // the old tail: floor noise after the file
        let (lead, tail) = FileAnalyzer.padding(samples: x.count, detector: d)
        var rng = SeededRNG(seed: UInt64(x.count))
        let a = NoiseFloor.amplitude(x)
        let old = NoiseFloor.noise(count: lead, amplitude: a, rng: &rng) + x + NoiseFloor.noise(count: tail, amplitude: a, rng: &rng)
        var oldEvents: [DetectionEvent] = []
        d.reset(timeOrigin: Double(lead) / 16_000)
        d.process(old) { if case .started(let e) = $0 { oldEvents.append(e) } }
        d.finish { if case .started(let e) = $0 { oldEvents.append(e) } }
        #expect(oldEvents.contains { $0.start > Double(x.count) / 16_000 - 0.5 }, "floor noise after the file fired at its end: \(oldEvents)")

        let dir = TestPaths.tempDir("edge")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("loud-room.wav")
        try AudioFileWriter.writeWAV16(x + x, sampleRate: 16_000, to: url)
        let segmented = try FileAnalyzer.analyze(url, detectors: [d], segmentSeconds: 3)
        #expect(segmented.events.isEmpty, "segment by segment: \(segmented.events)")
    }
}
