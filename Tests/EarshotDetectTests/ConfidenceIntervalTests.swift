import Foundation
import Testing
@testable import EarshotDetect

/// The test report's 95 % intervals against independent references: closed forms where they exist, and
/// scipy 1.x's χ² quantiles (`chi2.ppf(0.025, 2k) / 2`, `chi2.ppf(0.975, 2k + 2) / 2`) for the exact Poisson bounds.
@Suite struct ConfidenceIntervalTests {
    static func close(_ a: Double, _ b: Double, _ tol: Double = 1e-7) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

    @Test func wilsonMatchesItsClosedForms() {
        let z2 = 1.959963984540054 * 1.959963984540054
        // no success in n: [0, z²/(n + z²)]; all n: [n/(n + z²), 1]
        let none = ConfidenceInterval.wilson(successes: 0, trials: 10), all = ConfidenceInterval.wilson(successes: 10, trials: 10)
        #expect(Self.close(none.lower, 0, 1e-12) && Self.close(none.upper, z2 / (10 + z2)), "\(none)")
        #expect(Self.close(all.lower, 10 / (10 + z2)) && Self.close(all.upper, 1, 1e-12), "\(all)")
        // the shipped model's test recall, 176 of 246: the interval holds the estimate and is not symmetric around it
        let r = ConfidenceInterval.wilson(successes: 176, trials: 246)
        #expect(Self.close(r.lower, 0.6560883501, 1e-9) && Self.close(r.upper, 0.7681807063, 1e-9), "\(r)")
        #expect(ConfidenceInterval.wilson(successes: 0, trials: 0) == ConfidenceInterval(lower: 0, upper: 1))
    }

    @Test func poissonRateMatchesChiSquareQuantiles() {
        // (events, lower, upper) for an exposure of 1 h; scipy.stats.chi2 as above
        let reference: [(Int, Double, Double)] = [(0, 0, 3.6888794541), (1, 0.0253178080, 5.5716433909),
                                                   (5, 1.6234863901, 11.6683320793), (53, 39.7006369324, 69.3253049292)]
        for (k, lo, hi) in reference {
            let i = ConfidenceInterval.poissonRate(events: k, exposure: 1)
            #expect(Self.close(i.lower, lo, 1e-8) && Self.close(i.upper, hi, 1e-8), "\(k) events: \(i), expected \(lo)–\(hi)")
        }
        // 0 events: the upper bound is −ln(0.025) events, per hour of exposure
        let quarter = ConfidenceInterval.poissonRate(events: 0, exposure: 0.25)
        #expect(quarter.lower == 0 && Self.close(quarter.upper, -log(0.025) / 0.25), "\(quarter)")
        #expect(ConfidenceInterval.poissonRate(events: 3, exposure: 0).upper == .infinity)
    }
}
