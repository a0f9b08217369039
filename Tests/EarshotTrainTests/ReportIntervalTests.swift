import EarshotDetect
import Testing
@testable import EarshotTrain

/// The comparison table shows each 95 % interval beside its figure.
@Suite struct ReportIntervalTests {
    @Test func reportCellsCarryTheInterval() {
        let i = ConfidenceInterval.wilson(successes: 176, trials: 246)
        #expect(Report.withInterval(Report.pct(176.0 / 246), i, scale: 100) == "71.5 % (65.6–76.8)")
        #expect(Report.withInterval("250.0", ConfidenceInterval(lower: 187.14, upper: 326.96)) == "250.0 (187.1–327.0)")
        #expect(Report.withInterval("250.0", nil) == "250.0")
    }
}
