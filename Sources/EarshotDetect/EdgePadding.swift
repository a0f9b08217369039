import EarshotDSP

/// What `FileAnalyzer` streams after a file: the file's end mirrored — its samples in reverse order from the
/// next-to-last (x[n−2], x[n−3], …, x[0]), and for a file shorter than that, forward again (x[1], x[2], …)
/// and so on, as numpy's `reflect` padding.
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
/// models/EXPERIMENTS.md, "File edges").
public enum EdgePadding {
    /// `count` samples to stream after `x`, mirrored from its end; a single sample is repeated, an empty `x`
    /// gives zeros.
    public static func tail(_ x: ArraySlice<Float>, count: Int) -> [Float] {
        guard count > 0 else { return [] }
        guard x.count > 1 else { return [Float](repeating: x.first ?? 0, count: count) }
        var out = [Float](); out.reserveCapacity(count)
        let base = x.startIndex, last = x.count - 1
        var i = last - 1, step = -1   // indices n−2 … 0, 1 … n−1, n−2 …: each edge sample once per bounce
        while out.count < count {
            out.append(x[base + i])
            if i + step < 0 || i + step > last { step = -step }
            i += step
        }
        return out
    }
}
