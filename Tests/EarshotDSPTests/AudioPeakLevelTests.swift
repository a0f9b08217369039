import EarshotDSP
import Foundation
import Testing

@Suite struct AudioPeakLevelTests {
    @Test func peakIsTheLargestMagnitudeOfEitherSign() {
        #expect(PeakLevel.peak([0.1, -0.7, 0.5, -0.2]) == 0.7)
        #expect(PeakLevel.peak([0.3, 0.9, -0.1]) == 0.9)
        #expect(PeakLevel.peak([Float]()) == 0)
        #expect(PeakLevel.peak([0, 0, 0] as [Float]) == 0)
        #expect(PeakLevel.peak([1, -2, 3][1...].map(Float.init)) == 3)   // any sequence of floats
    }

    @Test func theContiguousPathAgreesWithAPlainMaxOfMagnitudes() {
        var rng = SeededRNG(seed: 7)
        for n in [1, 7, 16, 17, 1000, 4099] {
            var x = (0..<n).map { _ in Float(rng.normal()) * 0.3 }
            x[n / 2] = -Float.leastNonzeroMagnitude
            if n > 8 { x[3] = -0.0; x[5] = .nan; x[n - 1] = -1.5 }
            let plain = x.filter { !$0.isNaN }.map(abs).max() ?? 0
            #expect(PeakLevel.peak(x) == plain, "n = \(n)")
            #expect(PeakLevel.peak(x.lazy.map { $0 }) == plain, "n = \(n), a sequence without contiguous storage")
        }
        #expect(PeakLevel.peak([0.25, -.infinity, .nan] as [Float]) == .infinity)
        #expect(PeakLevel.peak([.nan, .nan] as [Float]) == 0)
        #expect(PeakLevel.peak([-0.0] as [Float]) == 0)
    }

    @Test func dBFSOfAPeak() {
        #expect(PeakLevel.dBFS(1) == 0)
        #expect(abs(PeakLevel.dBFS(0.5) - (-6.0206)) < 1e-4)
        #expect(abs(PeakLevel.dBFS(0.001) - (-60)) < 1e-4)
        #expect(PeakLevel.dBFS(0) == -.infinity)
    }
}
