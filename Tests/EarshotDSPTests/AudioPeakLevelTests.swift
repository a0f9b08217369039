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

    /// A stream's `peak` is the file's own loudest sample, at its own rate: a clipped 16-bit file at 48 kHz (a
    /// square wave at full scale) stays within full scale although libsoxr's 16 kHz signal ripples past it
    /// (Gibbs); with `from:`, only the samples from there on count.
    @Test func aStreamsPeakIsTheFilesOwnBeforeResampling() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("peak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // 1 s of a 1 kHz square wave at full scale, then 1 s of the same at a quarter of it
        let x = (0..<96_000).map { i -> Float in (i / 24 % 2 == 0 ? 1 : -1) * (i < 48_000 ? 1 : 0.25) }
        let url = dir.appendingPathComponent("square48.wav")
        try AudioFileWriter.write(x, channels: 1, sampleRate: 48_000, format: .wavPCM16, to: url)
        let s = try AudioFileStream(url, sampleRate: 16_000)
        var out: [Float] = []
        while try s.read(appendingTo: &out) {}
        #expect(PeakLevel.peak(out) > 1.05, "the resampled signal ripples past full scale: \(PeakLevel.peak(out))")
        #expect(s.peak == 1, "the file's own (−1 is −32768 in 16 bits): \(s.peak)")
        let later = try AudioFileStream(url, sampleRate: 16_000, from: 16_000)
        var rest: [Float] = []
        while try later.read(appendingTo: &rest) {}
        #expect(later.peak == 0.25, "from 1 s on: \(later.peak)")
    }
}
