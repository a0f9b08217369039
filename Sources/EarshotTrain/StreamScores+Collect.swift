import EarshotDSP
import EarshotDetect
import Foundation

extension StreamScores {
    /// Streams each clip through the detector exactly as `earshot detect` reads a file
    /// (`FileAnalyzer.stream`: between stretches of noise at the clip's own floor, so clips shorter than a
    /// window — door slams, drum hits, key drops — are scored too, and sounds at clip edges are seen in the
    /// middle of some window). (Padding with digital near-silence, as an earlier version did, puts a
    /// silence→ambience step at every clip's start that no microphone stream has; 10 of the shipped
    /// model's 11 test false alarms came from it. An unpadded stream never scored the 212 negative clips
    /// shorter than a window.) `seconds` counts the clips' own audio only. Each window's onset is taken as
    /// its centre (as in every committed report; the cooldown compares onsets, and a clip is 2–4 s against a
    /// 10 s cooldown).
    public static func collect(_ clips: [[Float]], detector: Detector, progress: ProgressBar? = nil) -> StreamScores {
        var out = StreamScores()
        let winSec = Double(detector.model.features.windowSamples) / Double(detector.sampleRate)
        for (i, c) in clips.enumerated() {
            var s: [ScoredWindow] = []
            detector.onScore = { centre, score in s.append(ScoredWindow(start: centre - winSec / 2, end: centre + winSec / 2, onset: centre, score: score)) }
            FileAnalyzer.stream(samples: c, detector: detector) { _ in }
            detector.onScore = nil
            out.add(s, seconds: Double(c.count) / Double(detector.sampleRate))
            progress?.update(i + 1)
        }
        progress?.finish()
        return out
    }
}

extension StreamScores {
    /// Streams parts of recordings (each from its first sample `from` to the file's end) through the detectors
    /// exactly as `earshot calibrate` reads a recording (`FileAnalyzer.analyze`, segment by segment: memory is
    /// bounded whatever the length; the windows split between `detectors`, built from one model and rule, and
    /// reported as the first one's decision rule sees them, `onWindow`). `seconds` counts the parts' audio.
    /// Throws the decoder's errors, naming the file.
    static func collect(parts: [SiteRecordings.Part], detectors: [Detector], progress: ProgressBar? = nil) throws -> StreamScores {
        var out = StreamScores()
        let rate = detectors[0].sampleRate, total = parts.reduce(0) { $0 + $1.samples }
        var done = 0
        for p in parts {
            var windows: [ScoredWindow] = []
            detectors[0].onWindow = { windows.append($0) }
            defer { detectors[0].onWindow = nil }
            let r = try FileAnalyzer.analyze(p.url, detectors: detectors, from: p.from,
                                             progress: { s in progress?.update((done + Int(s * Double(rate))) / rate) })
            out.add(windows, seconds: r.duration)
            done += p.samples
        }
        progress?.update(total / rate)
        progress?.finish()
        return out
    }
}
