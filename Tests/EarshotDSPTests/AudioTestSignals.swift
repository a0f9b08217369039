import Foundation

/// Signals and measurements shared by the audio tests: test tones, level and single-frequency DFT estimates,
/// and byte surgery on RIFF/AIFF headers to build broken files from good ones.
enum AudioTestSignals {
    /// `count` samples of `amp · sin(2π f n / rate)`.
    static func sine(_ f: Double, rate: Int, count: Int, amp: Double = 0.5) -> [Float] {
        (0..<count).map { Float(amp * sin(2 * Double.pi * f * Double($0) / Double(rate))) }
    }

    /// Frames `(c0, c1, …)` interleaved: out[f·C + c] = channels[c][f].
    static func interleave(_ channels: [[Float]]) -> [Float] {
        let frames = channels[0].count
        var out = [Float](repeating: 0, count: frames * channels.count)
        for (c, ch) in channels.enumerated() { for f in 0..<frames { out[f * channels.count + c] = ch[f] } }
        return out
    }

    static func rms<C: Collection>(_ x: C) -> Double where C.Element == Float {
        (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
    }

    /// Amplitude of the sinusoid at `f` Hz in `x`.
    /// ref: DFT evaluated at one frequency with a periodic Hann window; amplitude = 2·|X(f)| / Σw (coherent gain).
    static func amplitude(_ x: [Float], at f: Double, rate: Int) -> Double {
        let n = x.count
        let w = 2 * Double.pi * f / Double(rate)
        var re = 0.0, im = 0.0, wsum = 0.0
        for i in 0..<n {
            let win = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n))
            re += win * Double(x[i]) * cos(w * Double(i))
            im -= win * Double(x[i]) * sin(w * Double(i))
            wsum += win
        }
        return 2 * (re * re + im * im).squareRoot() / wsum
    }

    /// Frequency of the spectral peak within `guess ± span` Hz: coarse scan in quarter bins, then ternary search
    /// on the Hann main lobe (unimodal within ±1 bin). ref: standard peak-picking on a zero-padded DTFT.
    static func peakFrequency(_ x: [Float], near guess: Double, span: Double, rate: Int) -> Double {
        let bin = Double(rate) / Double(x.count)
        var best = guess, bestA = -1.0
        var f = guess - span
        while f <= guess + span {
            let a = amplitude(x, at: f, rate: rate)
            if a > bestA { bestA = a; best = f }
            f += bin / 4
        }
        var lo = best - bin / 2, hi = best + bin / 2
        for _ in 0..<40 {
            let m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3
            if amplitude(x, at: m1, rate: rate) < amplitude(x, at: m2, rate: rate) { lo = m1 } else { hi = m2 }
        }
        return (lo + hi) / 2
    }

    /// Byte offset of the first chunk whose 4-character id is `id` (searching after the 12-byte file header).
    static func chunkOffset(_ data: Data, _ id: String) -> Int? {
        let tag = Array(id.utf8)
        let b = [UInt8](data)
        guard b.count >= 16 else { return nil }
        for i in 12..<(b.count - 4) where Array(b[i..<(i + 4)]) == tag { return i }
        return nil
    }

    static func putLE32(_ data: inout Data, at offset: Int, _ v: UInt32) {
        for k in 0..<4 { data[data.startIndex + offset + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
    }

    static func putLE16(_ data: inout Data, at offset: Int, _ v: UInt16) {
        for k in 0..<2 { data[data.startIndex + offset + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
    }

    /// Little-endian signed 16-bit samples of a canonical WAV's `data` chunk.
    static func wavInt16Samples(_ data: Data) -> [Int16] {
        guard let d = chunkOffset(data, "data") else { return [] }
        let b = [UInt8](data)
        let size = Int(b[d + 4]) | Int(b[d + 5]) << 8 | Int(b[d + 6]) << 16 | Int(b[d + 7]) << 24
        return stride(from: d + 8, to: min(b.count - 1, d + 8 + size), by: 2).map { Int16(bitPattern: UInt16(b[$0]) | UInt16(b[$0 + 1]) << 8) }
    }
}
