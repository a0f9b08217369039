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

    @Test func dBFSOfAPeak() {
        #expect(PeakLevel.dBFS(1) == 0)
        #expect(abs(PeakLevel.dBFS(0.5) - (-6.0206)) < 1e-4)
        #expect(abs(PeakLevel.dBFS(0.001) - (-60)) < 1e-4)
        #expect(PeakLevel.dBFS(0) == -.infinity)
    }
}
