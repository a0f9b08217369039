import EarshotDetect
import EarshotDSP
import Foundation

/// The warnings `earshot detect` and `earshot calibrate` write to stderr about a file they could analyse but
/// whose result deserves doubt:
/// - damaged: NaN, infinite or absurdly large samples (a broken float file), analysed as silence;
/// - quiet: its loudest sample below −30 dBFS. On the test split the shipped model found 1 of the 42 gunshot
///   clips that peak below −30 dBFS, and 26 of the same 42 once each was brought to a −1 dBFS peak
///   (`PeakNormalization`, models/README.md "Quiet shots");
/// - above full scale: a float file peaking over 0 dBFS is louder than anything the model trained on, and
///   fires more often on ordinary sounds (`PeakNormalization` has the measurement);
/// - clipped: samples at full scale (an overdriven recorder). On the test split the shipped model found 72 %
///   of the shots played 20 dB past full scale and clipped, and 42 % at 40 dB (models/README.md, "Overdriven
///   input"); no remedy after the fact, so the warning is about the next recording.
/// - low sample rate: a file recorded below the model's rate has no sound above half its rate, where much of
///   a shot's crack is (`LowSampleRate` has the measurement).
enum FileWarnings {
    /// Files whose loudest sample is below this (dBFS) get the quiet warning.
    static let quietBelowDBFS = -30.0
    /// Files with at least this many samples at full scale (1 ms at 16 kHz) get the clipping warning; a
    /// single sample touching full scale is not a clipped recording.
    static let clippedAtLeast = 16

    /// The warnings for `file`, each a full line ("earshot: warning: FILE: …"). `normalizeRemedy`: the command
    /// offers `--normalize` and it was not used — `earshot detect` without it. Then a quiet file or digital
    /// silence is warned about too, and a file above full scale is pointed to `--normalize`; `earshot
    /// calibrate` has no such flag and skips the quiet warnings (the site's normal sound may well be quiet).
    static func messages(file: String, _ r: FileResult, normalizeRemedy: Bool) -> [String] {
        var out = r.damaged.map { [$0.warning(file: file, handled: "analysed as silence")] } ?? []
        if r.peak > 1, r.gain == 1 {
            out.append("earshot: warning: \(file): its loudest sample is +\(String(format: "%.1f", PeakLevel.dBFS(r.peak))) dBFS, above full scale "
                + "(a float file; no microphone's converter goes past 0 dBFS): the model hears it louder than anything it was trained on "
                + "and fires more often on ordinary sounds. "
                + (normalizeRemedy ? "Re-check it with --normalize (brings its peak down to −1 dBFS)." : "Re-export it within full scale (e.g. peak-normalised to −1 dBFS)."))
        }
        if r.clippedSamples >= clippedAtLeast, r.peak <= 1 {   // beyond full scale: the warning above
            out.append("earshot: warning: \(file): the recording clips: \(r.clippedSamples) samples at full scale. "
                + "Heavily clipped shots are found less often (the shipped model: 72 % of the test shots played 20 dB past full scale and clipped, 42 % at 40 dB); "
                + "record with less input gain (README, \"Input gain\").")
        }
        if let p = LowSampleRate.problem(rate: r.sourceSampleRate, modelRate: r.sampleRate) {
            out.append("earshot: warning: \(file): recorded at \(r.sourceSampleRate) Hz, \(p); record at \(r.sampleRate) Hz or more.")
        }
        if normalizeRemedy, r.duration > 0 {
            if r.peak == 0 {
                out.append("earshot: warning: \(file): every sample is 0 (digital silence): nothing could be detected; check the recorder's input and mute switch")
            } else if PeakLevel.dBFS(r.peak) < quietBelowDBFS {
                out.append("earshot: warning: \(file): its loudest sample is \(String(format: "%.1f", PeakLevel.dBFS(r.peak))) dBFS; shots that quiet are rarely detected "
                    + "(the shipped model found 1 of the 42 test shots that peak below \(Int(quietBelowDBFS)) dBFS). "
                    + "Re-check it with --normalize (amplifies the file to a −1 dBFS peak first), and raise the recorder's input gain.")
            }
        }
        return out
    }

    /// Writes `messages` to stderr, one per line.
    static func write(_ messages: [String]) {
        for m in messages { FileHandle.standardError.write(Data((m + "\n").utf8)) }
    }
}
