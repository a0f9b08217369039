import EarshotDSP

/// A file too long to hold in memory, analysed as `FileAnalyzer` analyses a short one — the same padded
/// stream, windows, scores and events — but decoded one segment at a time: the windows whose samples are
/// in memory are scored (`StretchScorer`, in parallel), replayed through the first detector's decision rule,
/// and the samples no later window needs are dropped before the next segment is decoded. Memory is about
/// one segment plus one window, whatever the file's length.
///
/// One difference from a short file: the padding's noise floor (`NoiseFloor.amplitude`) is measured on the
/// first segment only (a short file's on the whole file), and its noise is seeded with the file's expected
/// length. Over a segment of several minutes the quiet floor is the same; it only sets the level of the
/// half-window of noise before the file (after it, the file's end is mirrored, `EdgePadding`).
final class SegmentedFile {
    /// The first segment, already decoded; `stream` takes its storage over (so it is not held twice).
    private var head: [Float]
    private let rest: AudioFileStream
    /// Samples decoded per step (at the model's rate).
    private let segment: Int
    private let detectors: [Detector]
    /// Gain applied to every decoded segment after the first (`head` comes already scaled).
    private let gain: Float
    /// Told the seconds of the file decoded and analysed so far, after each segment.
    private let progress: ((Double) -> Void)?

    init(head: [Float], rest: AudioFileStream, segment: Int, detectors: [Detector], gain: Float = 1,
         progress: ((Double) -> Void)? = nil) {
        self.head = head; self.rest = rest; self.segment = segment; self.detectors = detectors; self.gain = gain
        self.progress = progress
    }

    /// Capacity to reserve for the first segment so that one buffer holds every later one too (the lead
    /// padding, the samples a window still needs from the previous segment, a segment, the decoder's
    /// overshoot of one block and the tail padding): no reallocation, no second copy of a segment.
    static func capacity(segment: Int) -> Int { segment + 4 * AudioFile.blockFrames + 64_000 }

    /// Streams the file through `detectors[0]`'s decision rule, reporting to `emit`; returns the file's
    /// sample count, peak sample and clipped samples (`PeakLevel`). Throws the decoder's errors (a file cut short is
    /// still an error at its end).
    func stream(_ emit: (DetectorOutput) -> Void) throws -> (count: Int, peak: Float, clipped: Int) {
        let d = detectors[0], f = d.model.features
        let lead = FileAnalyzer.padding(samples: max(head.count, rest.expectedSamples), detector: d).lead
        let amplitude = NoiseFloor.amplitude(head)
        var rng = SeededRNG(seed: UInt64(rest.expectedSamples))
        let origin = Double(lead) / Double(d.sampleRate)
        let hopSamples = d.hopFrames * f.hop
        let period = d.windowPeriod
        let scorer = StretchScorer(detectors: detectors, origin: origin)
        // buffer = the padded stream's samples [bufferStart, bufferStart + buffer.count)
        var buffer: [Float] = []
        swap(&buffer, &head)
        let count0 = buffer.count
        var peak = PeakLevel.peak(buffer), clipped = PeakLevel.clipped(buffer)
        buffer.insert(contentsOf: NoiseFloor.noise(count: lead, amplitude: amplitude, rng: &rng), at: 0)
        var bufferStart = 0, nextWindow = 0, count = count0
        var more = true
        d.reset(timeOrigin: origin)
        while true {
            let end = bufferStart + buffer.count
            var last = FileAnalyzer.windowCount(samples: end, detector: d)
            if more { last = last / period * period }   // the next segment's stretches start on the grid too
            if last > nextWindow {
                let held = [buffer], start = bufferStart   // `feed` reads parts; shares the storage, no copy
                let windows = scorer.score(nextWindow..<last) { from, to, worker in
                    FileAnalyzer.feed(held, from: from - start, to: to - start, worker) { _ in }
                }
                for w in windows { d.replay(w, emit) }
                nextWindow = last
            }
            guard more else { break }
            progress?(Double(count) / Double(d.sampleRate))
            buffer.removeFirst(nextWindow * hopSamples - bufferStart)
            bufferStart = nextWindow * hopSamples
            let before = buffer.count
            while more, buffer.count - before < segment { more = try rest.read(appendingTo: &buffer) }
            count += buffer.count - before
            if gain != 1 { FileAnalyzer.scale(&buffer, from: before, by: gain) }
            peak = max(peak, PeakLevel.peak(buffer[before...]))
            clipped += PeakLevel.clipped(buffer[before...])
            if !more { buffer += EdgePadding.tail(buffer[...], count: FileAnalyzer.padding(samples: count, detector: d).tail, amplitude: amplitude, rng: &rng) }
        }
        d.finish(emit)
        return (count, peak, clipped)
    }
}
