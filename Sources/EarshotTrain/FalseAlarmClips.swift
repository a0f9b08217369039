import EarshotDSP
import Foundation

/// The evidence clips of alerts an operator checked and found to be no gunshot (`earshot-train adapt
/// --false-alarm`): the sound that keeps paging — a dumpster lid, a roller door, a nail gun next door — for the
/// adaptation to train on as a negative of its own, and to score both models on afterwards.
struct FalseAlarmClips {
    /// An evidence clip is a few seconds (`clips:` pre_roll + post_roll); a longer file is a site recording.
    static let maxSeconds = 60.0
    /// Seconds kept on each side of the sound that alarmed, for training: a window (0.96 s) placed anywhere in
    /// the 1.2 s around it holds the sound in 80 % of the draws.
    static let halfWidth = 0.6

    /// The clips used: file and samples at the model's rate.
    var clips: [(file: String, samples: [Float])] = []
    /// Files that could not be used, with the reason.
    var skipped: [String] = []

    /// How many of the clips are held out: the last `share` of them (by name, as given: earshotd names its clips
    /// by their UTC time, so these are the latest alerts), never trained on — whether the adapted model lets
    /// the next such sound pass. None of fewer than four clips.
    func heldOutCount(share: Double) -> Int { clips.count >= 4 ? Int(Double(clips.count) * share) : 0 }

    /// What to train on: the `halfWidth` seconds on each side of each clip's highest-scoring window's centre
    /// (`centres`, seconds into the clip, from the model being adapted) — an evidence clip is pre_roll +
    /// post_roll long (10 s by default), and windows drawn from anywhere in it would mostly miss the sound.
    func focused(on centres: [Double], sampleRate: Int) -> [(file: String, samples: [Float])] {
        zip(clips, centres).map { c, t in
            let n = c.samples.count, half = Int(Self.halfWidth * Double(sampleRate))
            let mid = min(max(0, Int(t * Double(sampleRate))), n)
            let from = max(0, min(mid - half, n - 2 * half)), to = min(n, from + 2 * half)
            return (c.file, Array(c.samples[from..<to]))
        }
    }

    /// Decodes every file (folders: the audio files in them) at `sampleRate`. A file that cannot be read, is
    /// damaged or is longer than `maxSeconds` is reported and skipped. Throws when files were given and none
    /// is usable, or a path does not exist.
    static func load(_ urls: [URL], sampleRate: Int, log: (String) -> Void) throws -> FalseAlarmClips {
        var out = FalseAlarmClips()
        guard !urls.isEmpty else { return out }
        for u in urls where !BytePaths.exists(u.path) {
            throw TrainError.data("--false-alarm \(u.path): no such file or folder (give the evidence clips of the alerts that were no gunshot, e.g. /var/lib/earshot/clips/20261206T071502.118Z_20261206T071502.340-3f2a.wav)")
        }
        for url in AudioPaths.expand(urls.map(\.path)).sorted().map({ URL(fileURLWithPath: $0) }) {
            do {
                let count = try AudioFileStream(url, sampleRate: sampleRate).fileSamples
                guard Double(count) <= maxSeconds * Double(sampleRate) else {
                    throw TrainError.data(String(format: "%@: %.0f s is no evidence clip (at most %.0f s): give the site's long recordings as recordings, not with --false-alarm",
                                                 url.path, Double(count) / Double(sampleRate), maxSeconds))
                }
                guard let samples = try SiteRecordings.decode(url, sampleRate: sampleRate, clips: [0..<count]).first, !samples.isEmpty else {
                    throw TrainError.data("\(url.path): no audio in it")
                }
                if Corpus.isDigitalSilence(samples) {
                    log("warning: \(url.path): digital silence (no sample above −80 dBFS): no evidence clip of a sound — check that it is the alert's clip")
                }
                out.clips.append((url.path, samples))
            } catch {
                out.skipped.append(Corpus.skipped(url.path, error))
                log("skipping false-alarm clip \(out.skipped.last!)")
            }
        }
        guard !out.clips.isEmpty else {
            throw TrainError.data("no usable false-alarm clip (\(out.skipped.count) skipped: \(out.skipped.joined(separator: "; "))): give the evidence clips (WAV) of the alerts that were no gunshot")
        }
        return out
    }
}
