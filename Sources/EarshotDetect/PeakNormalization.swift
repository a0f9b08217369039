import EarshotDSP
import Foundation

/// `earshot detect --normalize`: bring a file's loudest sample to `targetDBFS` before it is analysed — for
/// re-checking recordings made with too little gain, or float files exported above full scale.
/// - Quiet files are amplified, by at most `maxGainDB` (so a file of near-silence is not turned into loud
///   quantisation noise). The shipped model has no input normalisation and finds few shots that peak below
///   −30 dBFS (1 of the 42 such clips of the second gun set, `gabemagee_guns`); the same clips brought to a
///   −1 dBFS peak: 26 of 42 (2026-12-02, `earshot detect --json`).
/// - A file that goes above full scale (a float file peaking over 0 dBFS: no converter produces that, and no
///   training window was that loud — training's gains are peak-limited to 0.99) is attenuated to the target.
///   200 corpus negative and crowd clips as float files peaking at +20 dBFS raised 29 events; brought to
///   −1 dBFS, 13 (2026-12-04, the shipped model; the draw: models/README.md, "Float files above full scale").
/// - Files peaking between the target and 0 dBFS are left as they are.
/// The daemon never does this: a live stream has no "whole file" to take a peak of (and 16-bit capture
/// cannot exceed full scale).
public struct PeakNormalization: Sendable, Equatable {
    /// Peak level to bring a quiet file to, in dBFS.
    public var targetDBFS: Double
    /// Largest gain applied, in dB.
    public var maxGainDB: Double

    public init(targetDBFS: Double = -1, maxGainDB: Double = 60) {
        self.targetDBFS = targetDBFS; self.maxGainDB = maxGainDB
    }

    /// Linear gain for a file whose largest |sample| is `peak`: > 1 for a file below the target, < 1 for one
    /// above full scale (peak > 1), otherwise 1 — also for digital silence (nothing to bring up).
    public func gain(peak: Float) -> Float {
        guard peak > 0 else { return 1 }
        let db = min(targetDBFS - PeakLevel.dBFS(peak), maxGainDB)
        return db > 0 || peak > 1 ? Float(pow(10, db / 20)) : 1
    }
}
