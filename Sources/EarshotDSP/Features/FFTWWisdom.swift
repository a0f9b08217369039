import CFFTW
import Foundation

/// FFTW's in-process "wisdom" (the planner's memory of which algorithm is fastest). `LogMelExtractor` plans
/// with FFTW_ESTIMATE so it starts in microseconds; FFTW reuses wisdom of equal or higher rigour for such
/// plans, so calling `measure(nFFT:)` once per process (or `load(from:)` a saved file) makes every later
/// extractor of that size use the measured, faster transform (here 512-point r2c: ≈ 370 ns instead of
/// ≈ 550 ns per frame; measuring costs ≈ 70 ms once). ref: FFTW 3 manual §4.7 "Wisdom" and §4.3.2
/// "Planner Flags". All calls hold `fftwPlannerLock` (the planner and wisdom are not thread-safe).
public enum FFTWWisdom {
    /// Measures the real-to-complex transform of size `nFFT` (out-of-place, SIMD-aligned buffers — the layout
    /// `PowerSpectrum` uses) and keeps the result as wisdom. The corresponding C function is
    /// `fftwf_plan_dft_r2c_1d` with FFTW_MEASURE.
    public static func measure(nFFT: Int) throws {
        precondition(nFFT >= 2 && nFFT % 2 == 0, "n_fft must be even and ≥ 2")
        let input = try fftwCheck(fftwf_malloc(MemoryLayout<Float>.stride * nFFT), "fftwf_malloc", "out of memory for \(nFFT) floats")
        defer { fftwf_free(input) }
        let output = try fftwCheck(fftwf_malloc(MemoryLayout<fftwf_complex>.stride * (nFFT / 2 + 1)), "fftwf_malloc", "out of memory")
        defer { fftwf_free(output) }
        fftwPlannerLock.lock()
        defer { fftwPlannerLock.unlock() }
        let plan = try fftwCheck(
            fftwf_plan_dft_r2c_1d(Int32(nFFT), input.assumingMemoryBound(to: Float.self),
                                  output.assumingMemoryBound(to: fftwf_complex.self), UInt32(FFTW_MEASURE)),
            "fftwf_plan_dft_r2c_1d", "FFTW could not plan a real FFT of size \(nFFT)")
        fftwf_destroy_plan(plan)
    }

    /// Adds the wisdom saved in `url` (by `save(to:)` on this machine). The corresponding C function is
    /// `fftwf_import_wisdom_from_filename`.
    public static func load(from url: URL) throws {
        fftwPlannerLock.lock()
        defer { fftwPlannerLock.unlock() }
        let ok = fftwf_import_wisdom_from_filename(url.path)
        try fftwCheck(ok != 0 ? ok : nil, "fftwf_import_wisdom_from_filename",
                      "\(url.path): missing, unreadable or not FFTW single-precision wisdom; delete it and save fresh wisdom (FFTWWisdom.measure, then save)")
    }

    /// Writes all wisdom of this process to `url`. The corresponding C function is
    /// `fftwf_export_wisdom_to_filename`.
    public static func save(to url: URL) throws {
        fftwPlannerLock.lock()
        defer { fftwPlannerLock.unlock() }
        let ok = fftwf_export_wisdom_to_filename(url.path)
        try fftwCheck(ok != 0 ? ok : nil, "fftwf_export_wisdom_to_filename",
                      "cannot write \(url.path); choose a writable path")
    }

    /// Wisdom of this process as FFTW's text format. The corresponding C function is `fftwf_export_wisdom_to_string`.
    public static func exportString() -> String {
        fftwPlannerLock.lock()
        defer { fftwPlannerLock.unlock() }
        guard let s = fftwf_export_wisdom_to_string() else { return "" }
        defer { free(s) }
        return String(cString: s)
    }

    /// Forgets all wisdom (existing plans keep working). The corresponding C function is `fftwf_forget_wisdom`.
    public static func forget() {
        fftwPlannerLock.lock()
        defer { fftwPlannerLock.unlock() }
        fftwf_forget_wisdom()
    }
}
