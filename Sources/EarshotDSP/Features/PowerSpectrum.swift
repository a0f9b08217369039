import CFFTW
import Foundation

/// Windowed power spectrum of one frame: |rfft(w · x)|², n_fft/2 + 1 bins.
///
/// The FFTW real-to-complex plan is made once, here (`fftwf_plan_dft_r2c_1d`, FFTW_ESTIMATE so start-up stays
/// in microseconds), with buffers from `fftwf_malloc` (SIMD-aligned); `compute` only calls `fftwf_execute`.
/// ref: periodic Hann w[n] = 0.5 − 0.5·cos(2πn/N), scipy.signal.get_window('hann', N, fftbins=True).
public final class PowerSpectrum {
    public let nFFT: Int
    public let nBins: Int
    /// The analysis window (periodic Hann), length nFFT.
    public let window: [Float]
    private let input: UnsafeMutablePointer<Float>          // (nFFT)
    private let output: UnsafeMutablePointer<fftwf_complex> // (nBins)
    private let plan: fftwf_plan

    /// Makes the plan. The corresponding C functions are `fftwf_malloc` and `fftwf_plan_dft_r2c_1d`.
    public init(nFFT: Int) throws {
        precondition(nFFT >= 2 && nFFT % 2 == 0, "n_fft must be even and ≥ 2")
        self.nFFT = nFFT
        self.nBins = nFFT / 2 + 1
        window = (0..<nFFT).map { (n: Int) -> Float in
            let phase: Double = 2.0 * Double.pi * Double(n) / Double(nFFT)
            return Float(0.5 - 0.5 * cos(phase))
        }
        let inRaw = try fftwCheck(fftwf_malloc(MemoryLayout<Float>.stride * nFFT), "fftwf_malloc", "out of memory for \(nFFT) floats")
        let outRaw = try fftwCheck(fftwf_malloc(MemoryLayout<fftwf_complex>.stride * (nFFT / 2 + 1)), "fftwf_malloc", "out of memory")
        input = inRaw.bindMemory(to: Float.self, capacity: nFFT)
        output = outRaw.bindMemory(to: fftwf_complex.self, capacity: nFFT / 2 + 1)
        fftwPlannerLock.lock()
        let p = fftwf_plan_dft_r2c_1d(Int32(nFFT), input, output, UInt32(FFTW_ESTIMATE))
        fftwPlannerLock.unlock()
        plan = try fftwCheck(p, "fftwf_plan_dft_r2c_1d", "FFTW could not plan a real FFT of size \(nFFT)")
    }

    deinit {
        fftwPlannerLock.lock()
        fftwf_destroy_plan(plan)
        fftwPlannerLock.unlock()
        fftwf_free(input)
        fftwf_free(output)
    }

    /// power[k] = |Σ_n w[n]·frame[n]·e^{−2πikn/N}|² for k in 0..<nBins.
    /// - Parameters: frame: (nFFT) samples; power: (nBins) output. No allocation.
    public func compute(frame: UnsafePointer<Float>, power: UnsafeMutablePointer<Float>) {
        window.withUnsafeBufferPointer { w in
            for n in 0..<nFFT { input[n] = w[n] * frame[n] }
        }
        fftwf_execute(plan)
        // fftwf_complex is imported as a (Float, Float) tuple: view it as interleaved re, im.
        let c = UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self)
        for k in 0..<nBins {
            let re = c[2 * k], im = c[2 * k + 1]
            power[k] = re * re + im * im
        }
    }
}
