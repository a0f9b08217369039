/// The feature parameters shared by trainer, daemon and CLI. A model file carries one of these (and the mel
/// filterbank it was trained with); the serving side builds its extractor from the model's copy, so training
/// and serving cannot drift apart.
///
/// Defaults are Earshot's spec: 16 kHz mono, STFT n_fft 512, hop 160, periodic Hann, center = false,
/// power spectrum, 64 Slaney mel bands 50–8000 Hz with Slaney area normalisation, ln(mel + 1e-6),
/// 96-frame windows for the CNN.
public struct FeatureConfig: Sendable, Equatable, Codable {
    public var sampleRate: Int = 16_000
    public var nFFT: Int = 512
    public var hop: Int = 160
    public var nMels: Int = 64
    public var fMin: Double = 50
    public var fMax: Double = 8_000
    /// Frames per CNN input window (96 frames × 10 ms ≈ 0.97 s).
    public var windowFrames: Int = 96
    /// Samples one input window spans: its last frame starts `(windowFrames − 1) · hop` in and is `nFFT` long.
    public var windowSamples: Int { (windowFrames - 1) * hop + nFFT }
    /// "slaney" (librosa default, `htk=False`) is the only scale implemented.
    public var melScale: String = "slaney"
    /// "slaney" area normalisation (librosa default `norm='slaney'`).
    public var melNorm: String = "slaney"
    /// "hann-periodic" is the only window implemented.
    public var window: String = "hann-periodic"
    public var logEpsilon: Double = 1e-6

    public init() {}

    public var nBins: Int { nFFT / 2 + 1 }

    /// Keys and values for a model file's `__metadata__` (all strings, as safetensors requires).
    public var metadata: [String: String] {
        [
            "feature.sample_rate": String(sampleRate), "feature.n_fft": String(nFFT), "feature.hop": String(hop),
            "feature.n_mels": String(nMels), "feature.fmin": String(fMin), "feature.fmax": String(fMax),
            "feature.window_frames": String(windowFrames), "feature.mel_scale": melScale,
            "feature.mel_norm": melNorm, "feature.window": window, "feature.log_epsilon": String(logEpsilon),
        ]
    }

    /// Reads the parameters back from a model file's metadata; `source` names the file in errors.
    public init(metadata m: [String: String], source: String) throws {
        func need(_ k: String) throws -> String {
            guard let v = m["feature." + k] else {
                throw FeatureConfigError.missingKey(source: source, key: "feature." + k)
            }
            return v
        }
        func int(_ k: String) throws -> Int {
            guard let v = Int(try need(k)), v > 0 else { throw FeatureConfigError.badValue(source: source, key: "feature." + k, value: m["feature." + k] ?? "") }
            return v
        }
        func dbl(_ k: String) throws -> Double {
            guard let v = Double(try need(k)), v.isFinite, v >= 0 else { throw FeatureConfigError.badValue(source: source, key: "feature." + k, value: m["feature." + k] ?? "") }
            return v
        }
        sampleRate = try int("sample_rate"); nFFT = try int("n_fft"); hop = try int("hop"); nMels = try int("n_mels")
        fMin = try dbl("fmin"); fMax = try dbl("fmax"); windowFrames = try int("window_frames")
        melScale = try need("mel_scale"); melNorm = try need("mel_norm"); window = try need("window")
        logEpsilon = try dbl("log_epsilon")
    }

    /// The metadata key and the reason when these parameters contradict themselves: a mel band reaching above
    /// half the sample rate or empty, a log floor not above zero (ln 0 = −∞). Nil when they do not.
    public var inconsistency: (key: String, reason: String)? {
        func hz(_ x: Double) -> String { String(format: "%g Hz", x) }
        if fMax > Double(sampleRate) / 2 { return ("feature.fmax", "\(hz(fMax)) is above half the sample rate, \(hz(Double(sampleRate) / 2))") }
        if fMin >= fMax { return ("feature.fmin", "\(hz(fMin)) is not below fmax, \(hz(fMax))") }
        if !(logEpsilon > 0) { return ("feature.log_epsilon", "\(String(format: "%g", logEpsilon)) is not above 0: ln 0 is −∞") }
        return nil
    }

    /// Differences between two configurations, as "name: a vs b" strings (empty when equal).
    public func differences(from other: FeatureConfig) -> [String] {
        var d: [String] = []
        func cmp<T: Equatable>(_ n: String, _ a: T, _ b: T) { if a != b { d.append("\(n) \(a) vs \(b)") } }
        cmp("sample rate", sampleRate, other.sampleRate); cmp("n_fft", nFFT, other.nFFT); cmp("hop", hop, other.hop)
        cmp("mels", nMels, other.nMels); cmp("fmin", fMin, other.fMin); cmp("fmax", fMax, other.fMax)
        cmp("window frames", windowFrames, other.windowFrames); cmp("mel scale", melScale, other.melScale)
        cmp("mel norm", melNorm, other.melNorm); cmp("window", window, other.window); cmp("log epsilon", logEpsilon, other.logEpsilon)
        return d
    }
}

public enum FeatureConfigError: Error, CustomStringConvertible, Equatable {
    case missingKey(source: String, key: String)
    case badValue(source: String, key: String, value: String)

    public var description: String {
        switch self {
        case let .missingKey(s, k): return "\(s): metadata lacks '\(k)'; the file was not written by earshot-train (retrain or re-export the model)"
        case let .badValue(s, k, v): return "\(s): metadata '\(k)' has invalid value '\(v)'; the file is damaged (retrain or re-export the model)"
        }
    }
}
