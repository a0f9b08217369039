import Foundation
import EarshotDSP
import Testing
@testable import EarshotTrain

@Suite struct MetricsTests {
    @Test func confusionAndDerivedMetricsByHand() {
        let m = BinaryMetrics(scores: [0.9, 0.8, 0.3, 0.6, 0.1, 0.2], labels: [true, true, true, false, false, false], threshold: 0.5)
        #expect((m.tp, m.fn, m.fp, m.tn) == (2, 1, 1, 2))
        #expect(abs(m.precision! - 2.0 / 3) < 1e-12 && abs(m.recall - 2.0 / 3) < 1e-12)
        #expect(abs(m.f1 - 2.0 / 3) < 1e-12 && abs(m.accuracy - 4.0 / 6) < 1e-12)
    }

    @Test func aucByHand() {
        // positives 0.9, 0.8, 0.3; negatives 0.6, 0.1, 0.2 → pairs ranked right: 8 of 9
        #expect(abs(ROC.auc(scores: [0.9, 0.8, 0.3, 0.6, 0.1, 0.2], labels: [true, true, true, false, false, false]) - 8.0 / 9) < 1e-12)
        #expect(ROC.auc(scores: [1, 0], labels: [true, false]) == 1)
        #expect(ROC.auc(scores: [0.5, 0.5], labels: [true, false]) == 0.5) // a tie counts half
        #expect(abs(ROC.recall(atFPR: 0.0, scores: [0.9, 0.8, 0.3, 0.6, 0.1, 0.2], labels: [true, true, true, false, false, false]) - 2.0 / 3) < 1e-12)
    }

    @Test func svgPlotRendersSeriesAndEscapes() {
        var p = SVGPlot(title: "R&D <test>", xLabel: "x", yLabel: "y", xRange: 0...1, yRange: 0...1)
        p.series = [.init(name: "a", points: [(0, 0), (1, 1)]), .init(name: "b", points: [(0, 1), (1, 0)])]
        let s = p.render()
        #expect(s.hasPrefix("<svg") && s.contains("R&amp;D &lt;test>"))
        #expect(s.components(separatedBy: "<polyline").count == 3)
    }
}
