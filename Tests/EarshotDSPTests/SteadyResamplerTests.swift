import Foundation
import Testing
@testable import EarshotDSP

/// `SteadyResampler`: a live capture's blocks give exactly the output they stand for, a fixed `lag` behind,
/// and the output is libsoxr's, sample for sample.
@Suite struct SteadyResamplerTests {
    /// Feeds `x` in `block`-frame blocks; returns everything written and the running totals after each block.
    static func stream(_ r: SteadyResampler, _ x: [Float], block: Int) throws -> (out: [Float], totals: [Int]) {
        var buf = [Float](repeating: 0, count: r.maxOutput(forInput: block))
        var out = [Float](), totals = [Int]()
        var i = 0
        while i < x.count {
            let end = min(x.count, i + block)
            let n = try x.withUnsafeBufferPointer { all in
                try buf.withUnsafeMutableBufferPointer { try r.process(UnsafeBufferPointer(rebasing: all[i..<end]), into: $0) }
            }
            out += buf[0..<n]; totals.append(out.count)
            i = end
        }
        return (out, totals)
    }

    /// 100 ms capture periods at 11.025 / 32 / 44.1 / 48 / 96 kHz: the total is always ⌊input · 16000/rate⌋ − lag
    /// (1,600 samples a block where a period is a whole number of them), the lag is at most 17 ms at 44.1 and
    /// 48 kHz, and the samples are libsoxr's (`Resampler.resample` of the whole signal). At 11,025 and 32,000 Hz
    /// libsoxr holds back its most only after 10–25 s, so those streams run 40 s.
    @Test(arguments: [(11_025, 40), (32_000, 40), (44_100, 5), (48_000, 5), (96_000, 5)])
    func everyBlockGivesExactlyWhatItStandsFor(rate: Int, seconds: Int) throws {
        let block = rate / 10
        let r = try SteadyResampler(inputRate: Double(rate), outputRate: 16_000, blockFrames: block)
        let x = AudioStreamingResamplerTests.noise(block * 10 * seconds, seed: 11)
        let (out, totals) = try Self.stream(r, x, block: block)
        print(String(format: "%d → 16000 Hz: lag %d samples (%.1f ms)", rate, r.lag, Double(r.lag) / 16))
        let expected = (1...(10 * seconds)).map { $0 * block * 16_000 / rate - r.lag }
        let off = totals.indices.first { totals[$0] != expected[$0] }
        #expect(off == nil, "\(rate) Hz: off at block \(off.map { "\($0 + 1): \(totals[$0]) for \(expected[$0])" } ?? "-"), lag \(r.lag)")
        if rate == 44_100 || rate == 48_000 { #expect(r.lag > 0 && r.lag <= 17 * 16, "lag \(r.lag) samples") }
        let whole = try Resampler.resample(x, from: Double(rate), to: 16_000)
        #expect(AudioStreamingResamplerTests.maxDiff(out, Array(whole.prefix(out.count))) <= 1e-5)
    }

    /// An ALSA period that is no whole number of output samples (1,024 frames at 48 kHz: 341⅓): the total follows
    /// ⌊input / 3⌋ − lag to the sample. Reads of other sizes than the period (the last one of a stream, one cut short)
    /// lose nothing.
    @Test func periodsOfAnySizeStayOnTheRunningTotal() throws {
        let r = try SteadyResampler(inputRate: 48_000, outputRate: 16_000, blockFrames: 1_024)
        let x = AudioStreamingResamplerTests.noise(48_000 * 3, seed: 12)
        let (out, totals) = try Self.stream(r, x, block: 1_024)
        let expected = (1...totals.count).map { min($0 * 1_024, x.count) / 3 - r.lag }
        #expect(totals == expected, "\(zip(totals, expected).first { $0 != $1 }.map { "\($0)" } ?? "")")
        // odd sizes, larger than the period too: split into periods, nothing lost, libsoxr's samples
        let odd = try SteadyResampler(inputRate: 48_000, outputRate: 16_000, blockFrames: 1_024)
        var got = [Float](), fed = 0
        var buf = [Float](repeating: 0, count: odd.maxOutput(forInput: 5_000))
        for size in [1_024, 1_000, 5_000, 7, 1_024, 3_000] {
            let n = try x.withUnsafeBufferPointer { all in
                try buf.withUnsafeMutableBufferPointer { try odd.process(UnsafeBufferPointer(rebasing: all[fed..<(fed + size)]), into: $0) }
            }
            got += buf[0..<n]; fed += size
        }
        #expect(got.count >= fed / 3 - odd.lag - 256, "\(got.count) of \(fed / 3)")
        #expect(AudioStreamingResamplerTests.maxDiff(got, Array(out.prefix(got.count))) <= 1e-6)
    }
}
