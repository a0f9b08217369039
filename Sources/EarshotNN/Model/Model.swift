import EarshotDSP
import Foundation

/// A trained detector: the network, the features it was trained on (with the mel filterbank itself, so
/// serving cannot drift from training), class names, decision thresholds and training provenance.
///
/// File format: safetensors (loads in numpy/PyTorch too). Tensors: the parameters by name (`conv1.weight`, …,
/// OIHW / (out, in) layouts) and `mel_filterbank` (nMels, nBins). `__metadata__`: `format` = earshot-model,
/// `format_version`, `layers` (LayerSpec JSON), `input_shape`, `feature.*` (FeatureConfig), `classes` (JSON),
/// `threshold`, `thresholds` (JSON: false alarms per hour → threshold), `train.*`, `eval.*` and `adapt.*` provenance.
public final class Model {
    public static let formatName = "earshot-model"
    public static let formatVersion = 1
    /// Sizes above this are rejected before anything is allocated for them.
    static let maxTensorElements = 1 << 26

    public let network: Network
    public var features: FeatureConfig
    public var melFilterbank: [Float]
    public var classes: [String]
    public var threshold: Float
    /// Temperature applied to the logits before softmax (1 = none); fitted on validation by earshot-train.
    public var scoreTemperature: Float = 1
    /// False alarms per hour (as a string key, e.g. "1") → threshold chosen on validation.
    public var thresholds: [String: Float]
    /// Free-form provenance: `train.data`, `train.seed`, `train.date`, `train.commit`, `train.metrics`, …
    public var provenance: [String: String]
    /// False for a file written before 2026-12-06, which holds no `fingerprint`: damage to its weights since it
    /// was written cannot be told (`unverifiedNote`). True for every other loaded file and in-memory model.
    public internal(set) var fingerprintStored = true
    /// Where it was loaded from (for messages), if anywhere.
    public private(set) var path: String?

    public var gunshotIndex: Int { classes.firstIndex(of: "gunshot") ?? (classes.count - 1) }
    public var name: String { path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "in-memory model" }

    public init(network: Network, features: FeatureConfig, melFilterbank: [Float]? = nil, classes: [String] = ["other", "gunshot"],
                threshold: Float = 0.5, thresholds: [String: Float] = [:], provenance: [String: String] = [:]) {
        self.network = network
        self.features = features
        self.melFilterbank = melFilterbank ?? MelFilterbank(config: features).weights
        self.classes = classes
        self.threshold = threshold
        self.thresholds = thresholds
        self.provenance = provenance
    }

    /// A false-alarm rate as `thresholds` keys it and messages print it: "1", "10", "0.5"; a whole number too large
    /// for an integer as Swift prints a Double ("1e+19", "inf").
    public static func rateKey(_ rate: Double) -> String { rate == rate.rounded() && abs(rate) < 1e15 ? String(Int(rate)) : String(rate) }

    /// The threshold calibrated for at most `falseAlarmsPerHour` false alarms per hour (`thresholds`, chosen by
    /// earshot-train on out-of-fold or validation audio): an operator picks an operating point by its cost in
    /// false alarms, not by a raw score. Throws `noOperatingPoint` listing the rates the file has.
    public func threshold(falseAlarmsPerHour rate: Double) throws -> Float {
        let available = thresholds.compactMap { k, v in Double(k).map { ($0, v) } }.sorted { $0.0 < $1.0 }
        if let hit = available.first(where: { abs($0.0 - rate) < 1e-9 }) { return hit.1 }
        throw ModelFileError.noOperatingPoint(path: path ?? name, requested: rate, available: available.map(\.0))
    }

    /// The score threshold to run at: `explicit` if given, else the one calibrated for `falseAlarmsPerHour`
    /// (throws `noOperatingPoint` if the file has none for it), else the model's own. The daemon's config
    /// and `earshot detect` resolve their settings through this.
    public func threshold(explicit: Float?, falseAlarmsPerHour rate: Double?) throws -> Float {
        if let explicit { return explicit }
        if let rate { return try threshold(falseAlarmsPerHour: rate) }
        return threshold
    }

    /// A serving session (BN folded, buffers preallocated). Also pins OpenBLAS to `threads`.
    public func makeInference(threads: Int = 1, maxBatch: Int = 1) throws -> InferenceSession {
        BLAS.setThreads(threads)
        return try InferenceSession(source: network, gunshotIndex: gunshotIndex, maxBatch: maxBatch, temperature: scoreTemperature)
    }

    /// Throws `featureMismatch` naming each differing parameter.
    public func checkCompatible(with other: FeatureConfig) throws {
        let d = features.differences(from: other)
        if !d.isEmpty { throw ModelFileError.featureMismatch(path: path ?? name, differences: d) }
    }

    // MARK: Save

    public func metadata() -> [String: String] {
        var m = provenance
        for (k, v) in features.metadata { m[k] = v }
        m["format"] = Self.formatName
        m["format_version"] = String(Self.formatVersion)
        m["layers"] = LayerSpec.encode(network.specs)
        let s = network.inputShape
        m["input_shape"] = "[\(s.c),\(s.h),\(s.w)]"
        m["classes"] = String(decoding: (try? JSONEncoder().encode(classes)) ?? Data(), as: UTF8.self)
        m["threshold"] = String(threshold)
        m["score_temperature"] = String(scoreTemperature)
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        m["thresholds"] = String(decoding: (try? enc.encode(thresholds)) ?? Data("{}".utf8), as: UTF8.self)
        m["fingerprint"] = scoreFingerprint
        m["decision_fingerprint"] = decisionFingerprint
        return m
    }

    /// Writes the model atomically.
    public func save(to url: URL) throws {
        var w = SafetensorsWriter(metadata: metadata())
        for p in network.parameters { w.add(p.name, shape: p.shape, floats: p.value) }
        w.add("mel_filterbank", shape: [features.nMels, features.nBins], floats: melFilterbank)
        try w.write(to: url)
        path = url.path
    }

    // MARK: Load

    /// Loads and validates a model file: everything is checked before any tensor is copied.
    public static func load(_ url: URL) throws -> Model {
        let path = url.path
        let st: Safetensors
        do { st = try Safetensors(contentsOf: url) } catch let e as SafetensorsError {
            switch e {
            case let .unreadable(_, r): throw ModelFileError.unreadable(path: path, reason: r)
            case let .malformed(_, r): throw ModelFileError.damaged(path: path, reason: "not valid safetensors: \(r)")
            default: throw ModelFileError.damaged(path: path, reason: "\(e)")
            }
        }
        let m = st.metadata
        guard let format = m["format"], format == formatName else { throw ModelFileError.notAModel(path: path, found: m["format"] ?? "none") }
        guard let vs = m["format_version"], let v = Int(vs), v >= 1 else {
            throw ModelFileError.badMetadata(path: path, key: "format_version", reason: "'\(m["format_version"] ?? "")' is not a version number")
        }
        guard v <= formatVersion else { throw ModelFileError.futureVersion(path: path, version: v) }
        let features: FeatureConfig
        do { features = try FeatureConfig(metadata: m, source: path) } catch let e as FeatureConfigError {
            switch e {
            case let .missingKey(_, k): throw ModelFileError.badMetadata(path: path, key: k, reason: "missing")
            case let .badValue(_, k, v): throw ModelFileError.badMetadata(path: path, key: k, reason: "'\(v)' is not a valid value")
            }
        }
        guard features.nMels <= 512, features.nFFT <= 65536, features.windowFrames <= 4096, features.hop <= features.nFFT else {
            throw ModelFileError.badMetadata(path: path, key: "feature.*", reason: "sizes out of range")
        }
        if let (key, reason) = features.inconsistency { throw ModelFileError.badMetadata(path: path, key: key, reason: reason) }
        guard let layersJSON = m["layers"], let specs = try? LayerSpec.decode(layersJSON), !specs.isEmpty else {
            throw ModelFileError.badMetadata(path: path, key: "layers", reason: "missing or not a JSON layer list")
        }
        let inputShape = Shape3(1, features.nMels, features.windowFrames)
        if let s = m["input_shape"] {
            guard s.replacingOccurrences(of: " ", with: "") == "[1,\(features.nMels),\(features.windowFrames)]" else {
                throw ModelFileError.badMetadata(path: path, key: "input_shape", reason: "\(s) does not match the feature parameters (1, \(features.nMels), \(features.windowFrames))")
            }
        }
        guard let classesJSON = m["classes"], let classes = try? JSONDecoder().decode([String].self, from: Data(classesJSON.utf8)), classes.count >= 2 else {
            throw ModelFileError.badMetadata(path: path, key: "classes", reason: "missing or not a JSON list of ≥ 2 names")
        }
        guard let ts = m["threshold"], let threshold = Float(ts), threshold >= 0, threshold <= 1 else {
            throw ModelFileError.badMetadata(path: path, key: "threshold", reason: "'\(m["threshold"] ?? "")' is not a probability in [0, 1]")
        }
        var temperature: Float = 1
        if let t = m["score_temperature"] {
            guard let v = Float(t), v.isFinite, v > 0, v <= 1000 else {
                throw ModelFileError.badMetadata(path: path, key: "score_temperature", reason: "'\(t)' is not a number in (0, 1000]; a training that diverged writes such a value — train again with a lower learning rate")
            }
            temperature = v
        }
        var thresholds: [String: Float] = [:]
        if let t = m["thresholds"] {
            guard let decoded = try? JSONDecoder().decode([String: Float].self, from: Data(t.utf8)) else {
                throw ModelFileError.badMetadata(path: path, key: "thresholds", reason: "'\(t.prefix(80))' is not a JSON object of false alarms per hour → threshold")
            }
            thresholds = decoded
        }
        guard thresholds.values.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw ModelFileError.badMetadata(path: path, key: "thresholds", reason: "every threshold must be a probability in [0, 1]")
        }
        // Shapes first, from the layer list alone: a hostile list must not make us allocate much.
        let network: Network
        do { network = try Network(specs: specs, inputShape: inputShape) } catch {
            throw ModelFileError.architecture(path: path, reason: "\(error)")
        }
        guard network.outputCount == classes.count else {
            throw ModelFileError.architecture(path: path, reason: "network has \(network.outputCount) outputs for \(classes.count) classes")
        }
        var expected = network.parameters.map { ($0.name, $0.shape) }
        expected.append(("mel_filterbank", [features.nMels, features.nBins]))
        for (name, shape) in expected {
            guard let info = st.tensors[name] else { throw ModelFileError.missingTensor(path: path, name: name) }
            guard info.dtype == "F32" else { throw ModelFileError.badMetadata(path: path, key: name, reason: "dtype \(info.dtype), expected F32") }
            guard info.shape == shape else { throw ModelFileError.wrongShape(path: path, name: name, expected: shape, found: info.shape) }
        }
        for p in network.parameters {
            let v = try st.floats(p.name)
            guard v.allSatisfy(\.isFinite) else { throw ModelFileError.damaged(path: path, reason: "tensor '\(p.name)' holds NaN or infinite weights") }
            p.value = v
        }
        let fb = try st.floats("mel_filterbank")
        guard fb.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw ModelFileError.badMetadata(path: path, key: "mel_filterbank", reason: "negative or non-finite weights") }
        // adapt.*: what `earshot-train adapt` says of its model (its base, its verdict) — dropped here before 2026-12-06
        let provenance = m.filter { $0.key.hasPrefix("train.") || $0.key.hasPrefix("eval.") || $0.key.hasPrefix("adapt.") }
        let model = Model(network: network, features: features, melFilterbank: fb, classes: classes, threshold: threshold, thresholds: thresholds, provenance: provenance)
        model.path = path
        model.scoreTemperature = temperature
        // A byte changed since the file was written (a flipped bit on a box's SD card) scores differently but
        // loads: the fingerprint written with the weights tells it. (Files before 2026-12-06 have none.)
        if let stored = m["fingerprint"], stored != model.scoreFingerprint {
            throw ModelFileError.damaged(path: path, reason: "its weights, feature parameters or mel filterbank do not match the fingerprint written with them (\(stored), now \(model.scoreFingerprint)): a byte changed since it was written")
        }
        if let stored = m["decision_fingerprint"], stored != model.decisionFingerprint {
            throw ModelFileError.damaged(path: path, reason: "its threshold or calibrated thresholds do not match the fingerprint written with them (\(stored), now \(model.decisionFingerprint)): a byte changed since it was written")
        }
        model.fingerprintStored = m["fingerprint"] != nil
        return model
    }

    /// Provenance key `earshot-train train` sets to `uncalibratedState` in the file it saves right after
    /// training a model, before calibrating it (so an interrupted run can go on with `--reuse`); the finished
    /// file, written after calibration and testing, has no such key.
    public static let stateKey = "train.state"
    public static let uncalibratedState = "uncalibrated"

    /// For a model saved before its calibration (`stateKey` is `uncalibratedState`: the trainer was
    /// interrupted or failed after training it): that its threshold and score temperature were never set for a
    /// false-alarm rate, and the fix; nil otherwise. `earshot detect`, `calibrate`, `model-info`, `check-config`,
    /// `listen` and earshotd warn with it.
    public var uncalibratedNote: String? {
        guard provenance[Self.stateKey] == Self.uncalibratedState else { return nil }
        let folder = path.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "ITS_FOLDER"
        return "model \(name) was saved by `earshot-train train` before its calibration (train.state \"uncalibrated\": the run was interrupted or failed), so its threshold \(String(format: "%g", threshold)) is no calibrated operating point; finish the run (the same command with --reuse \(folder)) and use the model it writes"
    }

    /// Provenance key `earshot-train adapt` sets to its verdict on the model it writes: `recommendedVerdict`, or
    /// "not recommended: WHY" (the adapted model finds fewer test shots than its base, or the held-out site audio is
    /// too short to show its threshold keeps to the target) — the file is written anyway, for a look.
    public static let adaptVerdictKey = "adapt.verdict"
    public static let recommendedVerdict = "recommended"

    /// For a site adaptation `earshot-train adapt` did not recommend (`adaptVerdictKey`): why, and what to use
    /// instead; nil otherwise. earshotd (at start and reload), `check-config`, `listen`, `detect`, `calibrate`
    /// and `model-info` warn with it, as the trainer's "Do not use it yet" is easily missed.
    public var notRecommendedNote: String? {
        guard let v = provenance[Self.adaptVerdictKey], v != Self.recommendedVerdict else { return nil }
        let base = provenance["adapt.base"].map { " (\($0))" } ?? ""
        return "model \(name) is a site adaptation `earshot-train adapt` did not recommend — \(v); keep the base model\(base) with the threshold `earshot calibrate` gives on the site's recordings, or record more and adapt again"
    }

    /// For a file with no stored fingerprint (`fingerprintStored` false): what that means and the fix; nil otherwise.
    public var unverifiedNote: String? {
        fingerprintStored ? nil : "model \(name) holds no fingerprint (written before 2026-12-06), so a byte changed since it was written cannot be detected; re-write it with `earshot-train evaluate --model \(path ?? "FILE") --data CORPUS --write-shot-scores \(path ?? "FILE")` (adds one), or use a model written since"
    }
}
