import EarshotDSP
import Foundation

/// `earshot detect --normalize`: amplify a file so its loudest sample reaches `targetDBFS` before it is
/// analysed — for re-checking recordings made with too little gain. The shipped model has no input
/// normalisation and finds few shots that peak below −30 dBFS (1 of the 42 such clips of the second gun
/// set, `gabemagee_guns`); the same clips brought to a −1 dBFS peak: 26 of 42 (2026-12-02,
/// `earshot detect --json`). Files are only ever amplified, never attenuated, and by at most `maxGainDB`
/// (so a file of near-silence is not turned into loud quantisation noise). The daemon never does this: a
/// live stream has no "whole file" to take a peak of.
public struct PeakNormalization: Sendable, Equatable {
    /// Peak level to bring a quiet file to, in dBFS.
    public var targetDBFS: Double
    /// Largest gain applied, in dB.
    public var maxGainDB: Double

    public init(targetDBFS: Double = -1, maxGainDB: Double = 60) {
        self.targetDBFS = targetDBFS; self.maxGainDB = maxGainDB
    }

    /// Linear gain for a file whose largest |sample| is `peak`: 1 for a file already at or above the target,
    /// and for digital silence (nothing to bring up).
    public func gain(peak: Float) -> Float {
        guard peak > 0 else { return 1 }
        let db = min(targetDBFS - PeakLevel.dBFS(peak), maxGainDB)
        return db > 0 ? Float(pow(10, db / 20)) : 1
    }
}
