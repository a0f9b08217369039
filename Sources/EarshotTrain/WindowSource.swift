import EarshotDSP
import Foundation

/// What to apply to training windows; each effect has a probability and a range.
public struct AugmentConfig: Sendable, Codable {
    public var noiseProbability = 0.0
    public var snrRange: ClosedRange<Double> = -10...20
    public var gainProbability = 0.0
    public var gainRange: ClosedRange<Double> = -30...10
    public var lowpassProbability = 0.0
    public var lowpassRange: ClosedRange<Double> = 1500...6000
    public var reverbProbability = 0.0
    /// Masking of the log-mel input (applied after features, in the trainer).
    public var specMask = SpecMask()
    public init() {}

    public static let clean = AugmentConfig()
    public static var noise: AugmentConfig { var a = AugmentConfig(); a.noiseProbability = 0.7; return a }
    public static var energy: AugmentConfig { var a = AugmentConfig(); a.gainProbability = 0.8; a.lowpassProbability = 0.3; return a }
    public static var all: AugmentConfig {
        var a = AugmentConfig(); a.noiseProbability = 0.6; a.gainProbability = 0.8; a.lowpassProbability = 0.3; a.reverbProbability = 0.25; return a
    }
    /// Every waveform augmentation plus SpecAugment masking on half the windows.
    public static var allMasked: AugmentConfig { var a = all; a.specMask = SpecMask(probability: 0.5); return a }
}

/// Cuts fixed-length training windows from clips: gunshot windows contain the shot (located by its peak
/// 10 ms energy) at a random position — including near the window's end, where the daemon first sees it —
/// and negative/crowd windows come from anywhere. Where a window leaves its clip it is padded with noise at
/// the clip's own floor (the same for both classes, and no silence→sound step, so padding is no cue).
public struct WindowSource {
    public let length: Int
    public let features: FeatureConfig
    /// Reverberation by FFT for windows of `length` samples and room responses of `Augment.reverbTaps`.
    let convolver: FFTConvolver

    public init(features: FeatureConfig = FeatureConfig()) throws {
        self.features = features
        length = features.windowSamples
        convolver = try FFTConvolver(maxSignal: length, maxKernel: Augment.reverbTaps)
    }

    /// Index of the loudest 10 ms frame (the shot).
    public static func peakIndex(_ x: [Float], frame: Int = 160) -> Int {
        var best = -1.0, at = 0
        var i = 0
        while i + frame <= max(frame, x.count) && i < x.count {
            var e = 0.0
            for j in i..<min(x.count, i + frame) { e += Double(x[j] * x[j]) }
            if e > best { best = e; at = i + frame / 2 }
            i += frame / 2
        }
        return min(at, max(0, x.count - 1))
    }

    /// samples[start ..< start + length]; where the range leaves the clip, seeded noise at the clip's own
    /// floor (`NoiseFloor`, the filler `earshot detect` streams around a file). Digital near-silence there
    /// would put a silence→sound step into mostly gunshot windows (shots sit near clip edges) that no
    /// microphone stream has — a cue the models learnt.
    public func cut(_ x: [Float], start: Int, rng: inout SeededRNG) -> [Float] {
        var out = [Float](repeating: 0, count: length)
        let amp = (start < 0 || start + length > x.count) ? NoiseFloor.amplitude(x) : 0
        for i in 0..<length {
            let j = start + i
            out[i] = (j >= 0 && j < x.count) ? x[j] : Float(rng.uniform(-1, 1) * amp)
        }
        return out
    }

    public func gunshotWindow(_ clip: Clip, peak: Int, rng: inout SeededRNG, position: Double? = nil) -> [Float] {
        let u = position ?? rng.uniform(0.08, 0.92)
        return cut(clip.samples, start: peak - Int(u * Double(length)), rng: &rng)
    }

    /// A negative/crowd training window: its centre anywhere in the clip (the rest padded at the clip's
    /// floor), as the detector sees a sound pass through every position of its windows — and as
    /// `earshot detect` pads a file. Windows kept inside the clip put a short clip's sound (a 0.4 s drum hit,
    /// a door slam) always at the window's start, while shots sit anywhere: a position cue, and the models
    /// never saw a door slam mid-window, where the stream shows it ten times a second.
    public func randomWindow(_ clip: Clip, rng: inout SeededRNG) -> [Float] {
        cut(clip.samples, start: rng.int(clip.samples.count + 1) - length / 2, rng: &rng)
    }

    /// A window of noise to inject: inside the clip where it is long enough (no padding in the noise).
    public func noiseWindow(_ clip: Clip, rng: inout SeededRNG) -> [Float] {
        let start = clip.samples.count > length ? rng.int(clip.samples.count - length + 1) : 0
        return cut(clip.samples, start: start, rng: &rng)
    }

    /// Window starts every `hop` samples whose centres cover a clip of `count` samples, from the window
    /// centred on its first sample to the one centred on or before its last (validation and hard-negative
    /// scans: every sound is seen mid-window, as in the stream).
    public func scanStarts(count: Int, hop: Int) -> [Int] {
        stride(from: -length / 2, through: max(-length / 2, count - 1 - length / 2), by: hop).map { $0 }
    }

    /// Applies `aug` to a window; `noisePool` supplies crowd/negative audio to inject, `rirs` impulse responses.
    public func augment(_ w: [Float], aug: AugmentConfig, noisePool: [Clip], rirs: [[Float]], rng: inout SeededRNG) -> [Float] {
        var x = w
        if aug.reverbProbability > 0, !rirs.isEmpty, rng.uniform() < aug.reverbProbability {
            x = Augment.reverb(x, rir: rirs[rng.int(rirs.count)], convolver: convolver)
        }
        if aug.lowpassProbability > 0, rng.uniform() < aug.lowpassProbability {
            x = Augment.lowpass(x, cutoff: rng.uniform(aug.lowpassRange.lowerBound, aug.lowpassRange.upperBound))
        }
        if aug.noiseProbability > 0, !noisePool.isEmpty, rng.uniform() < aug.noiseProbability {
            let n = noiseWindow(noisePool[rng.int(noisePool.count)], rng: &rng)
            x = Augment.mix(x, noise: n, snrDB: rng.uniform(aug.snrRange.lowerBound, aug.snrRange.upperBound))
        }
        if aug.gainProbability > 0, rng.uniform() < aug.gainProbability {
            x = Augment.gain(x, db: rng.uniform(aug.gainRange.lowerBound, aug.gainRange.upperBound))
        }
        return x
    }
}

/// Window samples → CNN input (1, nMels, frames): log-mel via the shared extractor, transposed to (mel, time).
public final class Featurizer {
    public let extractor: LogMelExtractor
    let nMels: Int, frames: Int
    /// Floats per CNN input (nMels · frames).
    public var inputCount: Int { nMels * frames }

    public init(features: FeatureConfig = FeatureConfig(), filterbank: [Float]? = nil) throws {
        extractor = try LogMelExtractor(config: features, filterbank: filterbank)
        nMels = features.nMels
        frames = features.windowFrames
    }

    /// Writes (nMels, frames) into `out` (count nMels·frames).
    public func input(_ window: [Float], into out: UnsafeMutablePointer<Float>) {
        extractor.reset()
        var t = 0
        extractor.push(window) { f in
            guard t < self.frames else { return }
            for m in 0..<self.nMels { out[m * self.frames + t] = f[m] }
            t += 1
        }
        precondition(t == frames, "window of \(window.count) samples gave \(t) frames, expected \(frames)")
    }
}
