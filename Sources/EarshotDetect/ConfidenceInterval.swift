import Foundation

/// A 95 % confidence interval: how far a rate measured on a finite amount of audio may be from the true one.
/// The trainer's test split has ≈ 250 gunshot clips and ≈ 0.2 h of negative audio, so one clip moves recall by
/// 0.4 points and one false alarm moves the hourly rate by ≈ 5: the interval says which differences between
/// models the test set can tell apart (sampling only — a model's training seed adds its own spread).
/// `earshot calibrate` gives the most false alarms per hour its site audio is consistent with.
public struct ConfidenceInterval: Codable, Sendable, Equatable {
    public var lower: Double, upper: Double

    public init(lower: Double, upper: Double) { self.lower = lower; self.upper = upper }

    /// z for a two-sided 95 % interval: Φ⁻¹(0.975).
    static let z95 = 1.959963984540054

    /// Wilson score interval of a proportion, `successes` of `trials` (recall: detected of all shots).
    /// ref: E. B. Wilson (1927), "Probable inference, the law of succession, and statistical inference", JASA 22;
    /// Brown, Cai & DasGupta (2001), "Interval estimation for a binomial proportion", Statist. Sci. 16 — it keeps
    /// its coverage near 0 and 1, where the normal-approximation interval collapses to a point.
    public static func wilson(successes k: Int, trials n: Int) -> ConfidenceInterval {
        guard n > 0 else { return ConfidenceInterval(lower: 0, upper: 1) }
        let (p, z2, nd) = (Double(k) / Double(n), z95 * z95, Double(n))
        let d = 1 + z2 / nd
        let centre = (p + z2 / (2 * nd)) / d
        let half = z95 * (p * (1 - p) / nd + z2 / (4 * nd * nd)).squareRoot() / d
        return ConfidenceInterval(lower: max(0, centre - half), upper: min(1, centre + half))
    }

    /// Exact (Garwood) interval of a Poisson rate: `events` counted over `exposure` (hours → false alarms per
    /// hour). The bounds λ solve P(X ≥ k; λ) = 2.5 % and P(X ≤ k; λ) = 2.5 % (0 events: lower bound 0), found by
    /// bisection on the Poisson distribution function.
    /// ref: F. Garwood (1936), "Fiducial limits for the Poisson distribution", Biometrika 28 (equal to
    /// χ²(0.025; 2k)/2 and χ²(0.975; 2k + 2)/2).
    public static func poissonRate(events k: Int, exposure: Double) -> ConfidenceInterval {
        precondition(k >= 0, "a count of events cannot be negative (\(k))")
        guard exposure > 0 else { return ConfidenceInterval(lower: 0, upper: .infinity) }
        let upper = solve { poissonCDF(k, mean: $0) - 0.025 }                     // decreasing in λ
        let lower = k == 0 ? 0 : solve { 0.975 - poissonCDF(k - 1, mean: $0) }   // P(X ≥ k) − 0.025, increasing
        return ConfidenceInterval(lower: lower / exposure, upper: upper / exposure)
    }

    /// P(X ≥ k) for X ~ Poisson(mean): how surprising `k` events are when `mean` were expected (1 for k ≤ 0).
    /// earshotd's alert-rate watch holds its alerts against its threshold's calibrated rate with it.
    public static func poissonTail(atLeast k: Int, mean: Double) -> Double {
        guard k > 0 else { return 1 }
        guard mean > 0 else { return 0 }
        guard Double(k) > mean else { return max(0, 1 - poissonCDF(k - 1, mean: mean)) }
        // above the mean the terms fall: summed upward from k, a tiny tail keeps its digits (1 − CDF would be 0)
        var sum = 0.0, i = k
        while true {
            let term = exp(Double(i) * log(mean) - mean - lgamma(Double(i) + 1))
            sum += term
            if term <= sum * 1e-17 || i - k > 100_000 { return min(1, sum) }
            i += 1
        }
    }

    /// P(X ≤ k) for X ~ Poisson(mean), summed in log space (no overflow for large k or mean).
    static func poissonCDF(_ k: Int, mean: Double) -> Double {
        guard mean > 0 else { return 1 }
        var sum = 0.0
        for i in 0...k { sum += exp(Double(i) * log(mean) - mean - lgamma(Double(i) + 1)) }
        return min(1, sum)
    }

    /// The root of a function that is monotone on (0, ∞), with f(0⁺) and f(large) of opposite signs.
    private static func solve(_ f: (Double) -> Double) -> Double {
        var (lo, hi) = (0.0, 1.0)
        let rising = f(1e-12) < 0
        while (f(hi) < 0) == rising { hi *= 2 }   // bracket the root
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if (f(mid) < 0) == rising { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
