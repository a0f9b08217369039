import EarshotDetect
import EarshotDSP
import Foundation

/// The warning `earshot detect` writes to stderr for a file too quiet for the detector to be trusted: on the
/// test split the shipped model found 1 of the 42 gunshot clips that peak below −30 dBFS, and 26 of the same
/// 42 once each was brought to a −1 dBFS peak (`PeakNormalization`, models/README.md "Quiet shots").
enum QuietFileWarning {
    /// Files whose loudest sample is below this (dBFS) get the warning.
    static let belowDBFS = -30.0

    /// The warning for `file` (nil if it is loud enough, or was normalised: `--normalize` is the remedy).
    static func message(file: String, _ r: FileResult, normalized: Bool) -> String? {
        guard !normalized, r.duration > 0 else { return nil }
        if r.peak == 0 {
            return "earshot: warning: \(file): every sample is 0 (digital silence): nothing could be detected; check the recorder's input and mute switch"
        }
        let db = PeakLevel.dBFS(r.peak)
        guard db < belowDBFS else { return nil }
        return "earshot: warning: \(file): its loudest sample is \(String(format: "%.1f", db)) dBFS; shots that quiet are rarely detected "
            + "(the shipped model found 1 of the 42 test shots that peak below \(Int(belowDBFS)) dBFS). "
            + "Re-check it with --normalize (amplifies the file to a −1 dBFS peak first), and raise the recorder's input gain."
    }
}
