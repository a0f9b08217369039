import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Testing

/// A long file analysed segment by segment (bounded memory) gives what analysing it whole gives.
@Suite struct SegmentedFileTests {
    /// 40 s: a 100 Hz hum (exactly 160 samples per period, so every frame has the same RMS and the quiet
    /// floor of any stretch is the same) with decaying bursts at irregular times.
    static func audio() -> [Float] {
        var rng = SeededRNG(seed: 11)
        var x = (0..<(40 * 16_000)).map { i in 0.01 * sinf(2 * .pi * Float(i % 160) / 160) }
        var t = 8_000
        while t < x.count - 8_000 {
            let a = Float(rng.uniform(0.05, 0.8))
            for k in 0..<5_000 where t + k < x.count { x[t + k] += a * Float(rng.uniform(-1, 1)) * expf(-Float(k) / 700) }
            t += Int(rng.uniform(9_000, 60_000))
        }
        return x
    }

    func trace(_ url: URL, _ detectors: [Detector], segment: Double, normalize: PeakNormalization? = nil) throws -> (FileResult, [(Double, Float)]) {
        var t: [(Double, Float)] = []
        detectors[0].onScore = { t.append(($0, $1)) }
        defer { detectors[0].onScore = nil }
        return (try FileAnalyzer.analyze(url, detectors: detectors, normalize: normalize, segmentSeconds: segment), t)
    }

    @Test(arguments: [16_000, 44_100])
    func segmentsGiveTheWholeFilesResult(rate: Int) throws {
        let dir = TestPaths.tempDir("seg")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = Self.audio()
        let url = dir.appendingPathComponent("long.flac")
        if rate == 16_000 {
            try AudioFileWriter.write(x, channels: 1, sampleRate: 16_000, format: .flac, to: url)
        } else {   // stereo at 44.1 kHz: decoded, mixed down and resampled block by block
            let y = try Resampler.resample(x, from: 16_000, to: 44_100)
            try AudioFileWriter.write(y.flatMap { [$0, $0] }, channels: 2, sampleRate: 44_100, format: .flac, to: url)
        }
        let m = try TestModel.random(outputScale: 0.3, inputNorm: nil)
        let probe = try Detector(model: m, rule: DecisionRule(threshold: 0.5))
        let (_, s0) = try trace(url, [probe], segment: 1e9)
        let rule = DecisionRule(threshold: TestModel.gapThreshold(s0.map(\.1), quantiles: 0.7...0.97), minConsecutive: 1, cooldown: 1)
        let one = [try Detector(model: m, rule: rule)], two = try (0..<2).map { _ in try Detector(model: m, rule: rule) }
        let (whole, tw) = try trace(url, one, segment: 1e9)
        #expect(whole.events.count >= 3, "the test needs events: \(whole.events.count)")
        // 7 s segments: six boundaries, each inside some window; 25 s: one, and a short last segment
        for (detectors, segment) in [(one, 7.0), (two, 7.0), (two, 25.0)] {
            let (r, t) = try trace(url, detectors, segment: segment)
            let label = "\(detectors.count) detector(s), \(segment) s segments, \(rate) Hz"
            #expect(r.windows == whole.windows && r.duration == whole.duration, "\(label)")
            #expect(t.map(\.0) == tw.map(\.0), "\(label): window times")
            let diff = zip(t, tw).map { abs($0.1 - $1.1) }.max() ?? 1
            // float rounding only: a stretch's first window computes columns the whole-file stream computed
            // in other GEMMs (and resampling a block at a time rounds differently at 44.1 kHz)
            #expect(diff <= (rate == 16_000 ? 1e-6 : 1e-5), "\(label): max |Δscore| \(diff)")
            #expect(r.events.count == whole.events.count, "\(label)")
            for (a, b) in zip(r.events, whole.events) {
                #expect(a.id == b.id && a.start == b.start && a.end == b.end && a.peakTime == b.peakTime && abs(a.peakScore - b.peakScore) <= 1e-5, "\(label)")
            }
        }
    }

    /// A file analysed `from:` a sample (the held-out part of a site recording in `earshot-train adapt`) is
    /// analysed as a file holding only those samples would be — whole or segment by segment.
    @Test func partOfAFileIsAnalysedAsThatPartAlone() throws {
        let dir = TestPaths.tempDir("seg-part")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = Self.audio(), start = 13 * 16_000 + 123
        let whole = dir.appendingPathComponent("whole.flac"), part = dir.appendingPathComponent("part.flac")
        try AudioFileWriter.write(x, channels: 1, sampleRate: 16_000, format: .flac, to: whole)
        try AudioFileWriter.write(Array(x[start...]), channels: 1, sampleRate: 16_000, format: .flac, to: part)
        let m = try TestModel.random(outputScale: 0.3, inputNorm: nil)
        let d = try Detector(model: m, rule: DecisionRule(threshold: 0.5, minConsecutive: 1, cooldown: 1))
        for segment in [1e9, 7.0] {
            let (alone, ta) = try trace(part, [d], segment: segment)
            var tp: [(Double, Float)] = []
            d.onScore = { tp.append(($0, $1)) }
            let r = try FileAnalyzer.analyze(whole, detectors: [d], segmentSeconds: segment, from: start)
            d.onScore = nil
            #expect(r.duration == alone.duration && r.windows == alone.windows && r.duration == Double(x.count - start) / 16_000, "segment \(segment)")
            #expect(tp.map(\.0) == ta.map(\.0) && tp.map(\.1) == ta.map(\.1), "segment \(segment): window times and scores")
            #expect(r.events.map(\.start) == alone.events.map(\.start) && r.peak == alone.peak)
        }
    }

    /// `progress` hears the seconds analysed after each segment, rising, and the whole duration at the end.
    @Test func progressIsReportedPerSegment() throws {
        let dir = TestPaths.tempDir("seg")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("long.wav")
        try AudioFileWriter.writeWAV16(Self.audio(), sampleRate: 16_000, to: url)
        let d = try Detector(model: TestModel.random(inputNorm: nil), rule: DecisionRule(threshold: 0.5))
        var seen: [Double] = []
        let r = try FileAnalyzer.analyze(url, detectors: [d], segmentSeconds: 7) { seen.append($0) }
        #expect(seen.count >= 6, "one report per 7 s segment of 40 s, and the end: \(seen)")
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0 < $1 }, "\(seen)")
        #expect(seen.last == r.duration && abs(r.duration - 40) < 1e-9)
        var once: [Double] = []
        _ = try FileAnalyzer.analyze(url, detectors: [d]) { once.append($0) }
        #expect(once == [r.duration], "a file in one piece: only its end")
    }

    /// A file cut short is still reported as truncated when it is read segment by segment.
    @Test func truncatedLongFileIsAnError() throws {
        let dir = TestPaths.tempDir("seg")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("cut.wav")
        try AudioFileWriter.writeWAV16(Self.audio(), sampleRate: 16_000, to: url)
        let h = try FileHandle(forWritingTo: url)
        try h.truncate(atOffset: 44 + 2 * 16_000 * 25)
        try h.close()
        let d = try Detector(model: TestModel.random(inputNorm: nil), rule: DecisionRule(threshold: 0.5))
        #expect(throws: AudioFileError.self) { try FileAnalyzer.analyze(url, detectors: [d], segmentSeconds: 7) }
    }

    /// `--normalize` on a long file: its peak is taken in a first pass over the whole file, every segment is
    /// amplified by the same gain, and the result is the whole-file analysis of the amplified file.
    @Test func normalisingALongFileAmplifiesEverySegmentAlike() throws {
        let dir = TestPaths.tempDir("seg")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = Self.audio().map { $0 * 0.03 }   // peak ≈ −32 dBFS, the loudest burst somewhere in the file
        let url = dir.appendingPathComponent("quiet.flac")
        try AudioFileWriter.write(x, channels: 1, sampleRate: 16_000, format: .flac, to: url)
        let decoded = try AudioFile.read(url).samples
        let m = try TestModel.random(outputScale: 0.3, inputNorm: nil)
        let rule = DecisionRule(threshold: 0.5, minConsecutive: 1, cooldown: 1)
        let d = try Detector(model: m, rule: rule)
        let n = PeakNormalization()
        let (whole, tw) = try trace(url, [d], segment: 1e9, normalize: n)
        let (seg, ts) = try trace(url, [d], segment: 7, normalize: n)
        let peak = PeakLevel.peak(decoded), loudestAt = decoded.firstIndex { abs($0) == peak } ?? 0
        #expect(loudestAt >= 7 * 16_000, "the peak must lie beyond the first segment to test the first pass")
        #expect(whole.peak == peak && seg.peak == peak && seg.gain == n.gain(peak: peak) && whole.gain == seg.gain)
        #expect(ts.map(\.0) == tw.map(\.0))
        let diff = zip(ts, tw).map { abs($0.1 - $1.1) }.max() ?? 1
        #expect(diff <= 1e-6, "max |Δscore| \(diff)")
        let amplified = FileAnalyzer.analyze(samples: decoded.map { $0 * seg.gain }, detector: d)
        #expect(abs(amplified.maxScore - whole.maxScore) <= 1e-6 && amplified.windows == whole.windows)
    }
}
