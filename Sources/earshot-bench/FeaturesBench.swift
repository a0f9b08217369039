import ArgumentParser
import EarshotDSP
import Foundation

/// Log-mel throughput: `--seconds` of synthetic audio (the Python peers' signal: 0.05·N(0, 1) noise plus a
/// 0.1-amplitude 440 Hz sine, 16 kHz) pushed through the streaming `LogMelExtractor` on one thread, in
/// `--chunk`-sample pushes (the capture path's period). Allocation check: run it under
/// `valgrind --tool=memcheck` with two `--seconds` values — the heap-allocation count must not grow with the
/// audio length (docs/benchmarks/features.md). Prints `figure value unit` lines like the peers'
/// `features.py`; the signal is generated before the clock starts, as the peers do.
struct FeaturesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Streaming log-mel throughput on one thread, as × real time."
    )

    @Option(help: "Seconds of audio per round.")
    var seconds: Double = 3600

    @Option(help: "Separate timed rounds (each prints its own lines).")
    var rounds: Int = 1

    @Option(help: "Samples per push into the extractor.")
    var chunk: Int = 1600

    @Option(help: "FFT plan: 'measured' (FFTWWisdom.measure first; FFTW picks its algorithm by timing, so the features' last bits vary between runs) or 'estimate' (what earshotd, earshot detect and the trainer use: the same features on every run).")
    var plan: String = "measured"

    func validate() throws {
        guard ["measured", "estimate"].contains(plan) else { throw ValidationError("--plan must be 'measured' or 'estimate' (got '\(plan)')") }
        guard seconds >= 1 else { throw ValidationError("--seconds must be ≥ 1 (got \(seconds))") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be ≥ 1 (got \(rounds))") }
        guard chunk >= 1 else { throw ValidationError("--chunk must be ≥ 1 (got \(chunk))") }
    }

    func run() throws {
        let config = FeatureConfig()
        if plan == "measured" { try FFTWWisdom.measure(nFFT: config.nFFT) }
        let extractor = try LogMelExtractor(config: config)
        let signal = Self.peerSignal(samples: Int(seconds * Double(config.sampleRate)), seed: 0)
        _ = Self.pushAll(Self.peerSignal(samples: 10 * config.sampleRate, seed: 1), extractor: extractor, chunk: chunk) // warm-up
        let expectedFrames = LogMel.frameCount(samples: signal.count, config: config)
        for _ in 0..<rounds {
            extractor.reset()
            let t0 = DispatchTime.now().uptimeNanoseconds
            let checksum = Self.pushAll(signal, extractor: extractor, chunk: chunk)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            guard extractor.framesEmitted == expectedFrames, checksum.isFinite else {
                throw ValidationError("bad run: \(extractor.framesEmitted) frames (expected \(expectedFrames)), checksum \(checksum)")
            }
            let sPerHour = dt * 3600 / seconds
            print("swift_features_s_per_hour \(String(format: "%.4f", sPerHour)) s")
            print("swift_features_xrt \(String(format: "%.1f", 3600 / sPerHour)) x_realtime")
            print("swift_features_ns_per_frame \(String(format: "%.1f", dt * 1e9 / Double(expectedFrames))) ns")
        }
        print("swift_features_fingerprint \(Self.fingerprint(Array(signal.prefix(60 * config.sampleRate)), extractor: extractor)) fnv1a64")
        print("# frames=\(expectedFrames) chunk=\(chunk) seconds=\(seconds) plan=\(plan) single thread, center=false")
    }

    /// The hot loop: pushes `signal` in `chunk`-sample slices; sums every emitted value, 8 lanes at a time
    /// (keeps the work observable and checks finiteness; a serial sum cost ≈ 85 ns a frame). No allocation inside.
    static func pushAll(_ signal: [Float], extractor: LogMelExtractor, chunk: Int) -> Double {
        var sum = SIMD8<Float>()
        signal.withUnsafeBufferPointer { all in
            var i = 0
            while i < all.count {
                let end = min(all.count, i + chunk)
                extractor.push(UnsafeBufferPointer(rebasing: all[i..<end])) { frame in
                    let raw = UnsafeRawPointer(frame.baseAddress!)
                    var k = 0
                    while k + 8 <= frame.count { sum += raw.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self); k += 8 }
                    while k < frame.count { sum[0] += frame[k]; k += 1 }
                }
                i = end
            }
        }
        return Double(sum.sum())
    }

    /// FNV-1a over the bits of every log-mel value of `signal` (untimed): equal fingerprints before and after a
    /// change to the feature code mean it computes the same frames bit for bit.
    static func fingerprint(_ signal: [Float], extractor: LogMelExtractor) -> String {
        extractor.reset()
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        extractor.push(signal) { frame in
            for v in frame { h = (h ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01b3 }
        }
        return String(h, radix: 16)
    }

    /// 0.05·N(0, 1) + 0.1·sin(2π·440·t) at 16 kHz (peers' `make_signal`; our own seeded generator, so the
    /// samples differ but the statistics match). ref: `SeededRNG.normal` (Box–Muller on SplitMix64).
    static func peerSignal(samples n: Int, seed: UInt64) -> [Float] {
        var rng = SeededRNG(seed: seed)
        let w = 2 * Double.pi * 440 / 16_000
        return [Float](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n {
                let g = rng.normal()
                buf[i] = Float(0.05 * g + 0.1 * sin(w * Double(i % 16_000)))
            }
            count = n
        }
    }
}
