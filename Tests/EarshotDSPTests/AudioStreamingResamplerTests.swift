import Foundation
import Testing
@testable import EarshotDSP

/// The streaming `Resampler` as the daemon drives it: arbitrary chunk sizes (1 sample, empty, ALSA periods,
/// random) give the one-shot result, output never exceeds `maxOutput(forInput:)`, and bad rates are refused.
@Suite struct AudioStreamingResamplerTests {
    /// Feeds `x` in chunks of `sizes` (cycled), then flushes; returns everything written.
    static func stream(_ x: [Float], from: Double, to: Double, sizes: [Int], lowLatency: Bool = false) throws -> (out: [Float], overBound: Int) {
        let r = try Resampler(inputRate: from, outputRate: to, lowLatency: lowLatency)
        let maxChunk = max(1, sizes.max() ?? 1)
        var buf = [Float](repeating: 0, count: r.maxOutput(forInput: maxChunk))
        var out = [Float]()
        var i = 0, k = 0, overBound = 0
        while i < x.count {
            let end = min(x.count, i + sizes[k % sizes.count])
            k += 1
            let n = try x.withUnsafeBufferPointer { all in
                try buf.withUnsafeMutableBufferPointer { o in
                    try r.process(UnsafeBufferPointer(rebasing: all[i..<end]), into: o)
                }
            }
            if n > r.maxOutput(forInput: end - i) { overBound += 1 }
            out += buf[0..<n]
            i = end
        }
        var tail = [Float](repeating: 0, count: 8192)
        let n = try tail.withUnsafeMutableBufferPointer { try r.flush(into: $0) }
        out += tail[0..<n]
        return (out, overBound)
    }

    static func noise(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix(seed: seed)
        return (0..<n).map { _ in Float(rng.uniform() - 0.5) }
    }

    static func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: [(48000.0, 16000.0), (44100.0, 16000.0), (8000.0, 16000.0), (22050.0, 16000.0)])
    func randomChunksIncludingEmptyOnesEqualOneShot(from: Double, to: Double) throws {
        let x = Self.noise(Int(from), seed: 5)
        let whole = try Resampler.resample(x, from: from, to: to)
        var rng = SplitMix(seed: 9)
        // Zero-length chunks included: a capture loop can hand over an empty read.
        let sizes = (0..<500).map { _ in [0, 1, 2, 7, 160, 1024, 4096, 3001][Int(rng.next() % 8)] }
        for lowLatency in [false, true] {
            let (out, overBound) = try Self.stream(x, from: from, to: to, sizes: sizes, lowLatency: lowLatency)
            #expect(overBound == 0)
            #expect(out.count >= whole.count && out.count <= whole.count + 2, "streamed \(out.count), one-shot \(whole.count)")
            let diff = Self.maxDiff(Array(out.prefix(whole.count)), whole)
            #expect(diff <= 1e-5)
            print(String(format: "streaming %.0f → %.0f Hz in random chunks%@: max |streamed − one-shot| = %.2e",
                         from, to, lowLatency ? " (low latency)" : "", diff))
        }
    }

    /// How far a resampler fed `seconds` of `rate` audio in 100 ms blocks (a capture's periods) lags behind the
    /// audio it was given, after each block from the second second on: (mean, max) in ms of output time.
    static func lag(rate: Double, lowLatency: Bool, seconds: Int = 20) throws -> (mean: Double, max: Double) {
        let r = try Resampler(inputRate: rate, outputRate: 16_000, lowLatency: lowLatency)
        let block = Self.noise(Int(rate) / 10, seed: 3)
        var out = [Float](repeating: 0, count: r.maxOutput(forInput: block.count))
        var produced = 0, lags: [Double] = []
        for b in 1...(seconds * 10) {
            produced += try block.withUnsafeBufferPointer { i in try out.withUnsafeMutableBufferPointer { try r.process(i, into: $0) } }
            if b > 10 { lags.append((Double(b) * 1_600 - Double(produced)) / 16) }
        }
        return (lags.reduce(0, +) / Double(lags.count), lags.max()!)
    }

    /// The capture's resampler (`lowLatency`, libsoxr's DFT blocks ≤ 2^10 points) holds back about half of what
    /// libsoxr's default blocks do, for the same output. The capture holds back the most of it always
    /// (`SteadyResampler`), so the smaller most is that much sooner for every alert from a 44.1/48 kHz microphone.
    @Test(arguments: [32_000.0, 44_100.0, 48_000.0, 96_000.0])
    func theCapturesResamplerHoldsBackHalfAsMuch(rate: Double) throws {
        let slow = try Self.lag(rate: rate, lowLatency: false), fast = try Self.lag(rate: rate, lowLatency: true)
        print(String(format: "%.0f → 16000 Hz in 100 ms blocks: held back %.1f ms on average (max %.1f), low latency %.1f (max %.1f)",
                     rate, slow.mean, slow.max, fast.mean, fast.max))
        #expect(fast.mean <= 0.6 * slow.mean, "mean lag \(fast.mean) ms against \(slow.mean) ms")
        #expect(fast.max <= 0.6 * slow.max, "max lag \(fast.max) ms against \(slow.max) ms")
        if rate == 44_100 || rate == 48_000 { #expect(fast.max <= 20, "at most 20 ms held back at \(rate) Hz: \(fast.max) ms") }
    }

    @Test func oneSampleAtATimeEqualsOneShot() throws {
        let x = Self.noise(9600, seed: 21)
        let whole = try Resampler.resample(x, from: 48000, to: 16000)
        let (out, _) = try Self.stream(x, from: 48000, to: 16000, sizes: [1])
        #expect(Self.maxDiff(Array(out.prefix(whole.count)), whole) <= 1e-5)
        #expect(out.count >= whole.count)
    }

    @Test func alsaPeriodsKeepAStableRate() throws {
        // 10 s of 48 kHz capture in 1024-frame periods: the output count tracks input/3 within the filter delay.
        let r = try Resampler(inputRate: 48000, outputRate: 16000)
        let period = AudioTestSignals.sine(997, rate: 48000, count: 1024)
        var out = [Float](repeating: 0, count: r.maxOutput(forInput: 1024))
        var produced = 0
        for p in 1...469 {
            produced += try period.withUnsafeBufferPointer { i in try out.withUnsafeMutableBufferPointer { try r.process(i, into: $0) } }
            let ideal = Double(p * 1024) / 3
            #expect(Double(produced) <= ideal + 1 && Double(produced) >= ideal - 1024, "after \(p) periods: \(produced) vs \(ideal)")
        }
    }

    @Test
    func explicitlyNilEmptyInputDoesNotEndTheStream() throws {
        // UnsafeBufferPointer(start: nil, count: 0) is a legal empty buffer; libsoxr reads a NULL input pointer as
        // "end of input", so the wrapper must not pass it through as-is.
        let x = Self.noise(4800, seed: 2)
        let whole = try Resampler.resample(x + x, from: 48000, to: 16000)
        let r = try Resampler(inputRate: 48000, outputRate: 16000)
        var buf = [Float](repeating: 0, count: r.maxOutput(forInput: 4800) + 8192)
        var out = [Float]()
        for chunk in [x, [], x] {
            let n = try buf.withUnsafeMutableBufferPointer { o -> Int in
                if chunk.isEmpty { return try r.process(UnsafeBufferPointer(start: nil, count: 0), into: o) }
                return try chunk.withUnsafeBufferPointer { try r.process($0, into: o) }
            }
            out += buf[0..<n]
        }
        let n = try buf.withUnsafeMutableBufferPointer { try r.flush(into: $0) }
        out += buf[0..<n]
        #expect(out.count >= whole.count)
        #expect(Self.maxDiff(Array(out.prefix(whole.count)), whole) <= 1e-5)
    }

    @Test(arguments: [(0.0, 16000.0), (48000.0, 0.0), (-44100.0, 16000.0), (Double.nan, 16000.0), (48000.0, Double.infinity)])
    func invalidRatesAreRefusedWithTheCallName(from: Double, to: Double) {
        do {
            _ = try Resampler(inputRate: from, outputRate: to)
            Issue.record("Resampler(\(from) → \(to)) should throw")
        } catch let e as AudioLibraryError {
            #expect(e.call == "soxr_create")
            #expect(e.description.contains("soxr_create"))
        } catch {
            Issue.record("untyped error \(error)")
        }
    }

    @Test func maxOutputCoversTheRatio() throws {
        let up = try Resampler(inputRate: 8000, outputRate: 48000)
        let down = try Resampler(inputRate: 48000, outputRate: 16000)
        for n in [0, 1, 160, 1024, 100_000] {
            #expect(up.maxOutput(forInput: n) >= 6 * n)
            #expect(down.maxOutput(forInput: n) >= n / 3)
        }
    }
}
