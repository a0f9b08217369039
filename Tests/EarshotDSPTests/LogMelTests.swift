import Foundation
import Testing
@testable import EarshotDSP

/// Parity with librosa (shared fixture) and the streaming-equals-batch property.
@Suite struct LogMelTests {
    /// Reads the int16 PCM samples of a canonical mono WAV (the fixture), as int16/32768 — independent of
    /// the libsndfile reader, so this test checks the features alone.
    static func readPCM16(_ url: URL) throws -> [Float] {
        let d = [UInt8](try Data(contentsOf: url))
        var i = 12
        while i + 8 <= d.count {
            let id = String(bytes: d[i..<(i + 4)], encoding: .ascii)
            let size = Int(d[i + 4]) | Int(d[i + 5]) << 8 | Int(d[i + 6]) << 16 | Int(d[i + 7]) << 24
            if id == "data" {
                let n = size / 2
                return (0..<n).map { k in Float(Int16(bitPattern: UInt16(d[i + 8 + 2 * k]) | UInt16(d[i + 9 + 2 * k]) << 8)) / 32768 }
            }
            i += 8 + size + (size & 1)
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    @Test func matchesLibrosaReference() throws {
        let ref = try Safetensors(contentsOf: TestPaths.fixtures.appendingPathComponent("logmel_reference.safetensors"))
        let samples = try Self.readPCM16(TestPaths.fixtures.appendingPathComponent("logmel_input.wav"))
        #expect(samples.count == 32000)
        let expected = try ref.floats("logmel")
        let ours = try LogMel.compute(samples)
        #expect(ours.count == expected.count, "frames: ours \(ours.count / 64), librosa \(expected.count / 64)")
        let d = Self.maxAbsDiff(ours, expected)
        print("logmel max abs diff vs librosa: \(d)")
        #expect(d <= 1e-3)

        let fb = MelFilterbank(config: FeatureConfig())
        let dfb = Self.maxAbsDiff(fb.weights, try ref.floats("mel_filterbank"))
        print("mel filterbank max abs diff vs librosa: \(dfb)")
        #expect(dfb <= 1e-6)
        let win = try PowerSpectrum(nFFT: 512).window
        let dw = Self.maxAbsDiff(win, try ref.floats("window"))
        print("window max abs diff vs librosa: \(dw)")
        #expect(dw <= 1e-6)
    }

    @Test func frameCountFollowsCenterFalse() throws {
        let c = FeatureConfig()
        #expect(LogMel.frameCount(samples: 511, config: c) == 0)
        #expect(LogMel.frameCount(samples: 512, config: c) == 1)
        #expect(LogMel.frameCount(samples: 671, config: c) == 1)
        #expect(LogMel.frameCount(samples: 672, config: c) == 2)
        #expect(try LogMel.compute([Float](repeating: 0.1, count: 672)).count == 2 * 64)
        #expect(try LogMel.compute([Float](repeating: 0.1, count: 300)).isEmpty)
    }

    /// A pure tone lands in the mel band whose centre is nearest its frequency.
    @Test func toneLandsInItsBand() throws {
        let f = 1000.0
        let x = (0..<16000).map { Float(0.5 * sin(2 * Double.pi * f * Double($0) / 16000)) }
        let lm = try LogMel.compute(x)
        let frame = Array(lm[(10 * 64)..<(11 * 64)])
        let peak = frame.indices.max { frame[$0] < frame[$1] }!
        let lo = MelFilterbank.hzToMel(50), hi = MelFilterbank.hzToMel(8000)
        let centres = (1...64).map { MelFilterbank.melToHz(lo + (hi - lo) * Double($0) / 65) }
        let nearest = centres.indices.min { abs(centres[$0] - f) < abs(centres[$1] - f) }!
        #expect(abs(peak - nearest) <= 1, "peak band \(peak), expected ≈ \(nearest)")
    }

    @Test(arguments: [1, 7, 160, 4096, 0])
    func streamingEqualsBatch(chunk: Int) throws {
        var rng = SplitMix(seed: UInt64(chunk) &+ 42)
        for trial in 0..<3 {
            let n = 512 + Int(rng.next() % 20_000) + trial
            let x = (0..<n).map { _ in Float(rng.uniform() * 2 - 1) * 0.5 }
            let batch = try LogMel.compute(x)
            let ex = try LogMelExtractor()
            var streamed = [Float]()
            var i = 0
            while i < n {
                let size = chunk > 0 ? chunk : 1 + Int(rng.next() % 3000) // 0 = random sizes
                let end = min(n, i + size)
                x[i..<end].withUnsafeBufferPointer { ex.push($0) { streamed.append(contentsOf: $0) } }
                i = end
            }
            #expect(streamed == batch, "chunk \(chunk), n \(n): streaming differs from batch")
            #expect(ex.framesEmitted == LogMel.frameCount(samples: n))
        }
    }

    @Test func usesGivenFilterbankAndRejectsWrongSize() throws {
        let c = FeatureConfig()
        var fb = MelFilterbank(config: c).weights
        for k in fb.indices { fb[k] *= 2 }
        let x = (0..<4000).map { Float(sin(Double($0) * 0.3)) }
        let a = try LogMel.compute(x), b = try LogMel.compute(x, filterbank: fb)
        // doubling the weights adds ln 2 wherever mel ≫ eps (the tone's own band)
        let peak = a.indices.max { a[$0] < a[$1] }!
        #expect(abs((b[peak] - a[peak]) - Float(log(2.0))) < 1e-3)
        #expect(throws: FeatureConfigError.self) { try LogMelExtractor(config: c, filterbank: [1, 2, 3]) }
    }
}

/// Small seeded PRNG for reproducible tests (ref: SplitMix64, Steele et al. 2014).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
