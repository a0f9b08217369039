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
        let winSec = Double((detector.model.features.windowFrames - 1) * detector.model.features.hop + detector.model.features.nFFT) / Double(detector.sampleRate)
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
