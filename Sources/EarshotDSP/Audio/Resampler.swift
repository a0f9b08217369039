import CSoxr
import Foundation

/// The one checker for libsoxr calls: a non-NULL `soxr_error_t` becomes `AudioLibraryError`.
func soxrCheck(_ err: soxr_error_t?, _ call: String) throws {
    if let e = err { throw AudioLibraryError(call: call, message: String(cString: e)) }
}

/// Streaming sample-rate converter on libsoxr (high quality, mono float32). Used by the file reader and, through
/// `SteadyResampler`, by the daemon's capture when a device runs at another rate than the model's (44.1/48 kHz),
/// so both convert the same way.
public final class Resampler {
    public let inputRate: Double
    public let outputRate: Double
    private let soxr: soxr_t

    /// The corresponding C function is `soxr_create` (SOXR_FLOAT32_I in and out, SOXR_HQ; with `lowLatency`,
    /// `soxr_runtime_spec` with `log2_large_dft_size` 10).
    ///
    /// - Parameter lowLatency: for a live capture. libsoxr applies its filter block by block, and with its default
    ///   blocks of up to 2^17 points it holds back a stream's last samples until a block is full: fed 100 ms at a
    ///   time, 48 → 16 kHz is held back 6–37 ms (21 ms on average), 44.1 → 16 kHz 7–40 ms. Blocks of at most 2^10
    ///   points hold back 6–15 ms (11 ms) and 6–17 ms (11 ms). The filter is the same, so the output is too, to
    ///   float rounding (≤ 3e-7); it costs ≈ 0.1 ms of CPU more per second of 48 kHz audio (0.26 → 0.37 ms).
    ///   The file reader keeps the default: it has no one waiting. (`SteadyResampler` then holds back the most,
    ///   15 ms, always, so a capture's blocks stay on one grid.)
    public init(inputRate: Double, outputRate: Double, lowLatency: Bool = false) throws {
        guard inputRate > 0, outputRate > 0, inputRate.isFinite, outputRate.isFinite else {
            throw AudioLibraryError(call: "soxr_create", message: "invalid rates \(inputRate) → \(outputRate) Hz")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        var err: soxr_error_t? = nil
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var q = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var runtime = soxr_runtime_spec(1)
        runtime.log2_large_dft_size = 10
        let s = lowLatency ? soxr_create(inputRate, outputRate, 1, &err, &io, &q, &runtime)
                           : soxr_create(inputRate, outputRate, 1, &err, &io, &q, nil)
        try soxrCheck(err, "soxr_create")
        guard let s else { throw AudioLibraryError(call: "soxr_create", message: "returned NULL") }
        soxr = s
    }

    deinit { soxr_delete(soxr) }

    /// Output capacity that `process` needs for `n` input samples.
    public func maxOutput(forInput n: Int) -> Int { Int((Double(n) * outputRate / inputRate).rounded(.up)) + 1024 }

    /// Converts `input`, writing converted samples to `output` (capacity ≥ `maxOutput(forInput:)`); returns
    /// how many were written. No allocation. The corresponding C function is `soxr_process`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) throws -> Int {
        // soxr_process with a NULL input means end of stream: an empty block must not be passed on.
        guard input.count > 0, input.baseAddress != nil else { return 0 }
        var consumed = 0, written = 0
        repeat {
            var idone = 0, odone = 0
            let inPtr = input.baseAddress.map { UnsafeRawPointer($0 + consumed) }
            try soxrCheck(soxr_process(soxr, inPtr, input.count - consumed, &idone,
                                       UnsafeMutableRawPointer(output.baseAddress! + written), output.count - written, &odone),
                          "soxr_process")
            consumed += idone; written += odone
            if idone == 0 && odone == 0 && consumed < input.count {
                throw AudioLibraryError(call: "soxr_process", message: "output buffer of \(output.count) samples is too small")
            }
        } while consumed < input.count
        return written
    }

    /// Drains the converter's delay line at end of stream (call once, at the end).
    public func flush(into output: UnsafeMutableBufferPointer<Float>) throws -> Int {
        var written = 0
        while written < output.count {
            var odone = 0
            try soxrCheck(soxr_process(soxr, nil, 0, nil, UnsafeMutableRawPointer(output.baseAddress! + written), output.count - written, &odone), "soxr_process")
            if odone == 0 { break }
            written += odone
        }
        return written
    }

    /// Whole-signal conversion through the streaming path; output length ≈ n · out/in.
    public static func resample(_ x: [Float], from inRate: Double, to outRate: Double) throws -> [Float] {
        let r = try Resampler(inputRate: inRate, outputRate: outRate)
        let expected = Int((Double(x.count) * outRate / inRate).rounded())
        var out = [Float](repeating: 0, count: r.maxOutput(forInput: x.count) + 4096)
        let n = try x.withUnsafeBufferPointer { xin in
            try out.withUnsafeMutableBufferPointer { o -> Int in
                let a = try r.process(xin, into: o)
                let b = try r.flush(into: UnsafeMutableBufferPointer(rebasing: o[a...]))
                return a + b
            }
        }
        out.removeSubrange(min(n, expected)...)
        return out
    }
}
