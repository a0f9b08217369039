/// The quiet floor of a recording, and noise at that level: what the trainer pads a window with where it
/// leaves its clip, and what `earshot detect` puts before a file (after it goes the file's end mirrored,
/// `EdgePadding`, or this noise again after a clip shorter than the mirror). Both must use the same filler:
/// digital silence there would be a silence→sound step that no microphone stream has (the models learnt it
/// as a cue once), and a filler the models never saw in training would be a new one.
public enum NoiseFloor {
    /// Amplitude of uniform noise with the RMS of `x`'s quiet floor: the 10th percentile of its `frame`-sample
    /// frame RMS (at least 3e-5, ≈ −90 dBFS, so silence still gets a faint floor).
    public static func amplitude(_ x: [Float], frame: Int = 160) -> Double {
        var rms: [Double] = []
        rms.reserveCapacity(x.count / frame)
        var k = 0
        while k + frame <= x.count {
            var e = 0.0
            for j in k..<(k + frame) { e += Double(x[j] * x[j]) }
            rms.append((e / Double(frame)).squareRoot())
            k += frame
        }
        guard !rms.isEmpty else { return 3e-5 }
        rms.sort()
        return max(3e-5, rms[rms.count / 10] * 3.0.squareRoot()) // uniform(−a, a) has RMS a/√3
    }

    /// `count` samples of uniform noise in (−amplitude, amplitude).
    public static func noise(count: Int, amplitude: Double, rng: inout SeededRNG) -> [Float] {
        (0..<max(0, count)).map { _ in Float(rng.uniform(-1, 1) * amplitude) }
    }
}
