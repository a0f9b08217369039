import CFFTW
import Foundation

/// Linear convolution by FFT (overlap-free: one transform of size N ≥ signal + kernel − 1), for signals up to
/// `maxSignal` samples and kernels up to `maxKernel` taps. y[i] = Σ_k h[k]·x[i−k] for i in 0..<x.count
/// (the first x.count samples of the full convolution: the same as a causal FIR filter).
/// Cost ≈ 3 transforms of N points instead of x.count·h.count multiply-adds (for a 0.97 s window and a
/// 1,200-tap room response: ≈ 0.5 ms instead of ≈ 10 ms). ref: Oppenheim & Schafer, "Discrete-Time Signal
/// Processing", §8.7 (linear convolution using the DFT).
///
/// Plans are made once (`fftwf_plan_dft_r2c_1d`, `fftwf_plan_dft_c2r_1d`, FFTW_ESTIMATE); `convolve` holds a
/// lock around the shared buffers, so one instance may be used from several threads.
public final class FFTConvolver: @unchecked Sendable {
    public let maxSignal: Int
    public let maxKernel: Int
    /// Transform size: the smallest 2^a·3^b·5^c ≥ maxSignal + maxKernel − 1.
    public let size: Int
    private let time: UnsafeMutablePointer<Float>            // (size)
    private let spectrumX: UnsafeMutablePointer<fftwf_complex> // (size/2 + 1)
    private let spectrumH: UnsafeMutablePointer<fftwf_complex> // (size/2 + 1)
    private let forwardX: fftwf_plan, forwardH: fftwf_plan, inverse: fftwf_plan
    private let lock = NSLock()

    /// Makes the plans. The corresponding C functions are `fftwf_malloc`, `fftwf_plan_dft_r2c_1d` and
    /// `fftwf_plan_dft_c2r_1d`.
    public init(maxSignal: Int, maxKernel: Int) throws {
        precondition(maxSignal >= 1 && maxKernel >= 1, "signal and kernel lengths must be ≥ 1")
        self.maxSignal = maxSignal
        self.maxKernel = maxKernel
        size = Self.fastSize(atLeast: maxSignal + maxKernel - 1)
        let bins = size / 2 + 1
        time = try fftwCheck(fftwf_malloc(MemoryLayout<Float>.stride * size), "fftwf_malloc", "out of memory for \(size) floats")
            .bindMemory(to: Float.self, capacity: size)
        spectrumX = try fftwCheck(fftwf_malloc(MemoryLayout<fftwf_complex>.stride * bins), "fftwf_malloc", "out of memory")
            .bindMemory(to: fftwf_complex.self, capacity: bins)
        spectrumH = try fftwCheck(fftwf_malloc(MemoryLayout<fftwf_complex>.stride * bins), "fftwf_malloc", "out of memory")
            .bindMemory(to: fftwf_complex.self, capacity: bins)
        fftwPlannerLock.lock()
        let fx = fftwf_plan_dft_r2c_1d(Int32(size), time, spectrumX, UInt32(FFTW_ESTIMATE))
        let fh = fftwf_plan_dft_r2c_1d(Int32(size), time, spectrumH, UInt32(FFTW_ESTIMATE))
        // c2r destroys its input (FFTW 3 manual §4.3.2); spectrumX is recomputed on every call anyway.
        let inv = fftwf_plan_dft_c2r_1d(Int32(size), spectrumX, time, UInt32(FFTW_ESTIMATE))
        fftwPlannerLock.unlock()
        forwardX = try fftwCheck(fx, "fftwf_plan_dft_r2c_1d", "FFTW could not plan a real FFT of size \(size)")
        forwardH = try fftwCheck(fh, "fftwf_plan_dft_r2c_1d", "FFTW could not plan a real FFT of size \(size)")
        inverse = try fftwCheck(inv, "fftwf_plan_dft_c2r_1d", "FFTW could not plan an inverse real FFT of size \(size)")
    }

    deinit {
        fftwPlannerLock.lock()
        fftwf_destroy_plan(forwardX)
        fftwf_destroy_plan(forwardH)
        fftwf_destroy_plan(inverse)
        fftwPlannerLock.unlock()
        fftwf_free(time)
        fftwf_free(spectrumX)
        fftwf_free(spectrumH)
    }

    /// y = (h ∗ x)[0..<x.count]. x: (≤ maxSignal) samples, h: (≤ maxKernel) taps.
    public func convolve(_ x: [Float], _ h: [Float]) -> [Float] {
        precondition(x.count <= maxSignal && h.count <= maxKernel, "signal \(x.count) > \(maxSignal) or kernel \(h.count) > \(maxKernel)")
        guard !x.isEmpty, !h.isEmpty else { return [Float](repeating: 0, count: x.count) }
        lock.lock()
        defer { lock.unlock() }
        load(h)
        fftwf_execute(forwardH) // H = rfft(h)
        load(x)
        fftwf_execute(forwardX) // X = rfft(x)
        // X ← X·H / size (FFTW's inverse is unnormalised)
        let scale = 1 / Float(size)
        let xs = UnsafeMutableRawPointer(spectrumX).bindMemory(to: Float.self, capacity: size + 2)
        let hs = UnsafeRawPointer(spectrumH).bindMemory(to: Float.self, capacity: size + 2)
        for k in 0..<(size / 2 + 1) {
            let (a, b) = (xs[2 * k], xs[2 * k + 1]), (c, d) = (hs[2 * k], hs[2 * k + 1])
            xs[2 * k] = (a * c - b * d) * scale
            xs[2 * k + 1] = (a * d + b * c) * scale
        }
        fftwf_execute(inverse) // time = irfft(X·H)
        return Array(UnsafeBufferPointer(start: time, count: x.count))
    }

    /// time ← v followed by zeros.
    private func load(_ v: [Float]) {
        v.withUnsafeBufferPointer { time.update(from: $0.baseAddress!, count: v.count) }
        (time + v.count).update(repeating: 0, count: size - v.count)
    }

    /// The smallest n ≥ `atLeast` whose only prime factors are 2, 3 and 5 (FFTW's fastest sizes).
    public static func fastSize(atLeast n: Int) -> Int {
        var m = max(1, n)
        while true {
            var r = m
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            if r == 1 { return m }
            m += 1
        }
    }
}
