import EarshotDSP

/// What `FileAnalyzer` streams after a file: the file's end mirrored — its samples in reverse order from the
/// next-to-last (x[n−2], x[n−3], …), as numpy's `reflect` padding — when the file is longer than that; after
/// a shorter file (a clip of less than about half a window), noise at its floor (`NoiseFloor`), as before.
///
/// A file is a slice of a microphone stream, and the sound at its end went on after it: a recording that
/// stops during music, traffic or a loud room ends on that sound, not on the file's quiet floor. Floor noise
/// there (as before 2026-12-06) made a step from the file's level and colour to white noise at its floor —
/// an onset the models had learnt in training windows that leave a gunshot clip — and every file ending in
/// a loud, coloured background raised a "gunshot" in its last 20 ms (`earshot detect`), one per file (`earshot
/// calibrate`, which then raised its threshold). The mirror goes on at the same level and colour with no
/// step. Before the file, `FileAnalyzer` still streams floor noise (`NoiseFloor`): a shot at a clip's very
/// start needs the quiet before it, and mirrored it would lose its onset (the test split's shots found fell
/// from 71.5 to 58.5 % with a mirror at both ends; with it at the end only they are unchanged —
/// models/EXPERIMENTS.md, "File edges"). A clip shorter than the tail is not mirrored again and again: a shot
/// in a 0.2 s clip, repeated through the padding, was reported at the clip's end with no length.
public enum EdgePadding {
    /// `count` samples to stream after `x`: x[n−2], x[n−3], … when `x` holds more than `count` samples, else
    /// `NoiseFloor.noise` of `amplitude` from `rng`.
    public static func tail(_ x: ArraySlice<Float>, count: Int, amplitude: Double, rng: inout SeededRNG) -> [Float] {
        guard count > 0 else { return [] }
        guard x.count > count else { return NoiseFloor.noise(count: count, amplitude: amplitude, rng: &rng) }
        return (0..<count).map { x[x.endIndex - 2 - $0] }
    }
}
