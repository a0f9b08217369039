import Foundation

/// Deterministic test recordings: quiet noise with loud decaying bursts ("shots") at known times.
enum DaemonTestSignals {
    /// Mono float samples at `rate`: ±0.003 LCG noise, plus a 0.25 s burst (0.8 × noise × e^(−t/50 ms)) at each time.
    static func recording(seconds: Double, shots: [Double], rate: Int = 16_000, seed: UInt64 = 1) -> [Float] {
        let n = Int(seconds * Double(rate))
        var x = [Float](repeating: 0, count: n)
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        func next() -> Float {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: s >> 11) % 2001) / 1000 - 1
        }
        for i in 0..<n { x[i] = next() * 0.003 }
        let len = rate / 4, tau = Float(rate) / 20
        for t in shots {
            let i0 = Int(t * Double(rate))
            for k in 0..<len where i0 + k < n { x[i0 + k] += 0.8 * next() * expf(-Float(k) / tau) }
        }
        return x
    }

    /// Interleaves `mono` into `channels` channels; channel `loud` carries the signal, the others a quarter of it.
    static func interleave(_ mono: [Float], channels: Int, loud: Int) -> [Float] {
        var out = [Float](repeating: 0, count: mono.count * channels)
        for i in mono.indices { for c in 0..<channels { out[i * channels + c] = c == loud ? mono[i] : mono[i] * 0.25 } }
        return out
    }
}
