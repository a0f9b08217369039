import CFFTW
import Foundation

/// Windowed power spectrum of one frame: |rfft(w · x)|², n_fft/2 + 1 bins.
///
/// The FFTW real-to-complex plan is made once, here (`fftwf_plan_dft_r2c_1d`), with buffers from `fftwf_malloc`
/// (SIMD-aligned, FFTW_ESTIMATE so start-up stays in microseconds — FFTW uses measured wisdom if
/// `FFTWWisdom.measure`/`load` ran first); `compute` only calls `fftwf_execute`.
/// ref: periodic Hann w[n] = 0.5 − 0.5·cos(2πn/N), scipy.signal.get_window('hann', N, fftbins=True).
public final class PowerSpectrum {
    public let nFFT: Int
    public let nBins: Int
    /// The analysis window (periodic Hann), length nFFT.
    public let window: [Float]
    private let win: UnsafeMutablePointer<Float>            // (nFFT) copy of `window` for the hot path
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
        win = .allocate(capacity: nFFT)
        win.initialize(from: window, count: nFFT)
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
        win.deallocate()
    }

    /// power[k] = |Σ_n w[n]·frame[n]·e^{−2πikn/N}|² for k in 0..<nBins.
    /// - Parameters: frame: (nFFT) samples; power: (nBins) output. No allocation.
    public func compute(frame: UnsafePointer<Float>, power: UnsafeMutablePointer<Float>) {
        compute(ring: frame, oldest: 0, power: power)
    }

    /// The same for a frame held in a circular buffer of nFFT samples whose oldest sample is at `oldest`:
    /// the frame is ring[oldest..<nFFT] followed by ring[0..<oldest] (saves shifting the overlap each hop).
    public func compute(ring: UnsafePointer<Float>, oldest: Int, power: UnsafeMutablePointer<Float>) {
        let head = nFFT - oldest
        Self.multiply(ring + oldest, win, input, head)
        Self.multiply(ring, win + head, input + head, oldest)
        fftwf_execute(plan)
        // fftwf_complex is imported as a (Float, Float) tuple: view it as interleaved re, im.
        let c = UnsafeRawPointer(output)
        var k = 0
        while k + 4 <= nBins { // 4 bins = 8 floats per step
            let v = c.loadUnaligned(fromByteOffset: 8 * k, as: SIMD8<Float>.self)
            let sq = v * v
            UnsafeMutableRawPointer(power + k).storeBytes(of: sq.evenHalf + sq.oddHalf, as: SIMD4<Float>.self)
            k += 4
        }
        let f = c.assumingMemoryBound(to: Float.self)
        while k < nBins { power[k] = f[2 * k] * f[2 * k] + f[2 * k + 1] * f[2 * k + 1]; k += 1 }
    }

    /// out[i] = a[i]·b[i], i < n.
    @inline(__always)
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            let p = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: p, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { out[i] = a[i] * b[i]; i += 1 }
    }
}
