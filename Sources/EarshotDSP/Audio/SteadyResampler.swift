import Foundation

/// A live capture's resampler whose output lags its input by a fixed number of samples: after `n` input samples
/// in all it has given exactly ⌊n · out/in⌋ − `lag` output samples, so a 100 ms block of a 48 kHz device adds
/// exactly 1,600 samples at 16 kHz and the blocks' ends in the output stream stay on one grid.
///
/// libsoxr (`Resampler`) hands its output on in bursts: fed 4,800-frame blocks at 48 kHz it holds back between
/// 100 and 244 samples after a block (6–15 ms, with `lowLatency`), a different number after each. earshotd lines its
/// windows up with where a capture block ends (`WindowAlignment`), so that each is scored as soon as its block is
/// recorded; with the block ends wandering, a window planned to end at one ended a few samples after it, and was
/// scored a whole block (100 ms) later — every alert from a 44.1/48 kHz microphone came ≈ 100 ms late. Holding back
/// a constant `lag` instead (the most libsoxr holds back) costs those 15 ms, always, and nothing more.
///
/// No allocation after `init`; one instance per stream.
public final class SteadyResampler {
    public let inputRate: Double
    public let outputRate: Double
    /// Output samples held back: the most libsoxr held back after any block of a dry run of 30 s in
    /// `blockFrames`-frame blocks (its bursts depend on the block sizes only, not on the audio). Over an hour of
    /// 100 ms blocks it holds back no more at 8–192 kHz; it reaches its most by 25 s in (11,025 Hz; 10 s would
    /// have missed 1–2 samples at 11,025 and 32,000 Hz). The dry run costs ≈ 11 ms of CPU at 48 kHz, once per open.
    public let lag: Int
    private let resampler: Resampler
    private let blockFrames: Int
    /// libsoxr's output not yet handed on (≤ `lag` between calls, + one block's worth during one).
    private let held: UnsafeMutablePointer<Float>
    private let capacity: Int
    private var heldCount = 0
    private var inputTotal = 0, outputTotal = 0

    /// - Parameter blockFrames: the input block size the stream comes in (a capture's period); larger inputs
    ///   are split into blocks of this size.
    public init(inputRate: Double, outputRate: Double, blockFrames: Int) throws {
        resampler = try Resampler(inputRate: inputRate, outputRate: outputRate, lowLatency: true)
        self.inputRate = inputRate; self.outputRate = outputRate
        self.blockFrames = max(1, blockFrames)
        lag = try Self.mostHeldBack(inputRate: inputRate, outputRate: outputRate, blockFrames: self.blockFrames)
        capacity = lag + resampler.maxOutput(forInput: self.blockFrames)
        held = .allocate(capacity: capacity)
    }

    deinit { held.deallocate() }

    /// Output capacity that `process` needs for `n` input samples.
    public func maxOutput(forInput n: Int) -> Int { Int((Double(n) * outputRate / inputRate).rounded(.up)) + lag + 1 }

    /// Converts `input`, writing to `output` (capacity ≥ `maxOutput(forInput:)`) the samples due by now: the
    /// stream's first ⌊total input · out/in⌋ − `lag`. Returns how many were written. The corresponding C function
    /// is `soxr_process` (through `Resampler`).
    public func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) throws -> Int {
        var written = 0, at = 0
        while at < input.count {
            let n = min(blockFrames, input.count - at)
            heldCount += try resampler.process(UnsafeBufferPointer(rebasing: input[at..<(at + n)]),
                                               into: UnsafeMutableBufferPointer(start: held + heldCount, count: capacity - heldCount))
            inputTotal += n; at += n
            let due = Int((Double(inputTotal) * outputRate / inputRate).rounded(.down)) - lag - outputTotal
            // Held is lag − what libsoxr holds back now, so ≤ lag. Were libsoxr ever ahead of ⌊n · out/in⌋ (its
            // delay compensation is not), the excess is handed on, so `held` never outgrows its buffer. Behind the
            // dry run's most (a read of another size), the block hands on what it has and ends short of the grid.
            let room = max(0, heldCount - lag)
            let k = min(heldCount, max(due, room), output.count - written)
            guard k > 0 else { continue }
            (output.baseAddress! + written).update(from: held, count: k)
            memmove(held, held + k, (heldCount - k) * MemoryLayout<Float>.stride)   // what stays held, to the front
            heldCount -= k; written += k; outputTotal += k
        }
        return written
    }

    /// The most output samples a fresh libsoxr stream holds back after a block, fed 30 s of `blockFrames`-frame
    /// blocks (silence: the bursts do not depend on the audio).
    static func mostHeldBack(inputRate: Double, outputRate: Double, blockFrames: Int) throws -> Int {
        let dry = try Resampler(inputRate: inputRate, outputRate: outputRate, lowLatency: true)
        let zeros = [Float](repeating: 0, count: blockFrames)
        var out = [Float](repeating: 0, count: dry.maxOutput(forInput: blockFrames))
        var fed = 0, given = 0, most = 0
        while fed < Int(30 * inputRate) {
            given += try zeros.withUnsafeBufferPointer { z in try out.withUnsafeMutableBufferPointer { try dry.process(z, into: $0) } }
            fed += blockFrames
            most = max(most, Int((Double(fed) * outputRate / inputRate).rounded(.down)) - given)
        }
        return most
    }
}
