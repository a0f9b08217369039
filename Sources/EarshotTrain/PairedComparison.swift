import Foundation

/// Two models scored on the same clips (the test split's gunshots): which clips only one of them found, and
/// whether that difference is more than chance. Two recalls of 246 shots each have ±6-point intervals, but the
/// models mostly find the same shots, so the clips on which they disagree decide: the exact McNemar test asks
/// whether those split more unevenly than a fair coin would split them.
public struct PairedComparison: Codable, Sendable, Equatable {
    /// Clips only the first model found, and only the second.
    public var onlyFirst: Int, onlySecond: Int
    /// Two-sided exact McNemar p-value: how likely a split at least this uneven is if both models find shots
    /// equally often (1 when they never disagree).
    public var pValue: Double

    public init(onlyFirst: Int, onlySecond: Int) {
        self.onlyFirst = onlyFirst; self.onlySecond = onlySecond
        pValue = Self.mcnemarExact(onlyFirst, onlySecond)
    }

    /// Compares the clips each model found, given as indices into the same list of clips
    /// (`StreamScores.streamsWithEvents`).
    public init(found first: [Int], _ second: [Int]) {
        let (a, b) = (Set(first), Set(second))
        self.init(onlyFirst: a.subtracting(b).count, onlySecond: b.subtracting(a).count)
    }

    /// Two evaluations of the same gunshot clips compared clip by clip at each operating point both recorded:
    /// `"threshold"` (each model's own) and the equal-false-alarm rates ("5", "10", "20" per hour, thresholds
    /// set on the same negatives). Empty when either report lacks the clips found (written before 2026-12-05)
    /// or the two were not evaluated on the same clips.
    public static func points(_ reference: EvalReport, _ other: EvalReport) -> [(point: String, comparison: PairedComparison)] {
        guard reference.metrics.tp + reference.metrics.fn == other.metrics.tp + other.metrics.fn, reference.clips == other.clips,
              let a = reference.shotsFound, let b = other.shotsFound else { return [] }
        var out = [("threshold", PairedComparison(found: a, b))]
        for key in Evaluator.equalFATargets.map({ String(format: "%.0f", $0) }) {
            if let x = reference.shotsFoundAtEqualFA?[key], let y = other.shotsFoundAtEqualFA?[key] { out.append((key, PairedComparison(found: x, y))) }
        }
        return out
    }

    /// Whether the test tells the models apart at the 5 % level.
    public var differs: Bool { pValue < 0.05 }

    /// Exact conditional McNemar test: given n = b + c discordant clips, b ~ Binomial(n, ½) under "equally good";
    /// p = min(1, 2 · P(X ≤ min(b, c))), the terms summed in log space (no overflow for large n).
    /// ref: Q. McNemar (1947), "Note on the sampling error of the difference between correlated proportions or
    /// percentages", Psychometrika 12; the exact (binomial) form as in Fagerland, Lydersen & Laake (2013), "The
    /// McNemar test for binary matched-pairs data", BMC Med. Res. Methodol. 13:91 (conservative: it keeps its size).
    static func mcnemarExact(_ b: Int, _ c: Int) -> Double {
        precondition(b >= 0 && c >= 0, "counts of clips cannot be negative (\(b), \(c))")
        let n = b + c
        guard n > 0 else { return 1 }
        let lnHalfN = Double(n) * log(0.5)
        var tail = 0.0
        for i in 0...min(b, c) { tail += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) + lnHalfN) }
        return min(1, 2 * tail)
    }
}
