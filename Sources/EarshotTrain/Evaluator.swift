import EarshotDSP
import EarshotDetect
import EarshotNN
import Foundation

/// Everything reported for one model on one split.
public struct EvalReport: Codable, Sendable {
    public var model: String
    public var threshold: Float
    public var clips: Int
    public var metrics: BinaryMetrics
    public var accuracy: Double
    /// NaN when nothing was detected (`BinaryMetrics.precision` nil: 0 of 0 detections right is undefined);
    /// null in JSON. (A NaN, not an optional, so the report keeps its type for the code that prints it.)
    @NullWhenNaN public var precision: Double
    public var recall: Double, f1: Double, rocAUC: Double
    public var falseAlarmsPerHour: Double
    public var negativeHours: Double
    /// 95 % intervals (`ConfidenceInterval`): recall (Wilson, of the gunshot clips) and false alarms per hour
    /// (exact Poisson, of `falseAlarms` events over `negativeHours`). Optional: reports written before them
    /// still load (`--reuse`).
    public var recallInterval: ConfidenceInterval?
    public var falseAlarms: Int?
    public var falseAlarmsPerHourInterval: ConfidenceInterval?
    public var recallAtSNR: [String: Double]        // "+20", "+10", "0", "-5", "-10"
    public var recallAtGain: [String: Double]       // "+40", "+20" (clipped at full scale), "0", "-10", …, "-40"
    public var falseAlarmRateAtGain: [String: Double] // fraction of negative clips with an event
    public var recallBySource: [String: Double]
    /// Events (false alarms) per negative/crowd source, streaming the clips as for `falseAlarmsPerHour`.
    public var falseAlarmsBySource: [String: Int]
    /// Gunshot clips per peak-level band and how many were detected (`LevelBands`).
    public var recallByLevel: [LevelBand]
    /// Negative and crowd clips per peak-level band and how many raised a false alarm.
    public var falseAlarmClipsByLevel: [LevelBand]
    /// Recall when the threshold is set on these same negatives for N false alarms per hour (keys "5",
    /// "10", "20"): every model at an equal false-alarm rate, for ranking models only (the threshold saw
    /// the test negatives).
    public var recallAtEqualFA: [String: Double]
    public var roc: [[Double]]                      // [fpr, tpr] points of the clip-level ROC
    /// Which gunshot clips (indices in evaluation order) had an event: at the model's threshold, and at each
    /// equal-false-alarm threshold (keys as `recallAtEqualFA`). Two models evaluated on the same clips are
    /// compared clip by clip from these (`PairedComparison`). Optional: earlier reports still load.
    public var shotsFound: [Int]?
    public var shotsFoundAtEqualFA: [String: [Int]]?
    /// How soon the rule confirmed the shots it found (`ConfirmationLatency`): at the model's threshold and at
    /// each equal-false-alarm threshold. Optional: earlier reports still load.
    public var latency: ConfirmationLatency?
    public var latencyAtEqualFA: [String: ConfirmationLatency]?
    /// Recall of incidents of several shots (`ShotsInSuccession`): at the model's threshold and at each
    /// equal-false-alarm threshold. Optional: earlier reports still load.
    public var succession: ShotsInSuccession?
}

/// A Double that JSON holds as null when it is NaN (an undefined figure: 0 of 0), read back from null as NaN
/// (JSONEncoder refuses NaN).
@propertyWrapper public struct NullWhenNaN: Codable, Sendable {
    public var wrappedValue: Double
    public init(wrappedValue: Double) { self.wrappedValue = wrappedValue }
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? .nan : try c.decode(Double.self)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if wrappedValue.isNaN { try c.encodeNil() } else { try c.encode(wrappedValue) }
    }
}

/// Clip-level and stream-level evaluation through the Detector, with crowd mixed at fixed SNRs and clean
/// shots played at fixed levels.
public struct Evaluator {
    public static let snrs: [Double] = [20, 10, 0, -5, -10]
    /// Levels the shots (and, for the false-alarm rate, the negatives) are played at, in dB. Above 0 the
    /// signal is clamped to full scale, as an overdriven microphone input or ADC does: a shot a few metres
    /// from the microphone clips any input gain set for a room's normal sound (a shot is 140–170 dB SPL at a
    /// few metres; speech 60–70).
    public static let gains: [Double] = [40, 20, 0, -10, -20, -30, -40]
    public static let equalFATargets: [Double] = [5, 10, 20]
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// Given the gunshot clips' window scores as `evaluate` streamed them (for the model file's `ShotScores`).
    public var onShotScores: ((StreamScores) -> Void)?

    public init() {}

    /// An SNR's key in `recallAtSNR`: "+20", "+10", "+0", "-5", …
    public static func snrKey(_ snr: Double) -> String { String(format: "%+.0f", snr) }

    /// A level's key in `recallAtGain`: "+20", "+10", "0", "-10", …
    public static func gainKey(_ g: Double) -> String { g > 0 ? String(format: "%+.0f", g) : String(format: "%.0f", g) }

    public func evaluate(model: Model, name: String, rule: DecisionRule, gunshots: [Clip], negatives: [Clip], crowd: [Clip]) throws -> EvalReport {
        let detector = try Detector(model: model, rule: rule)
        var rng = SeededRNG(seed: 2024)
        let guns = gunshots.map(\.samples)
        let others = (negatives + crowd).map(\.samples)
        let gunScores = StreamScores.collect(guns, detector: detector, progress: ProgressBar("\(name): gunshot clips", total: guns.count))
        let negScores = StreamScores.collect(others, detector: detector, progress: ProgressBar("\(name): negative + crowd clips", total: others.count))
        onShotScores?(gunScores)
        let gunDetected = gunScores.events(rule: rule).map { $0 > 0 }
        // How soon: `earshot detect`'s padding (half a window) leaves no window that ends just after a shot in a
        // clip's first half second — the first window scored already holds it in its middle (most corpus shots
        // sit near their clip's start) — so each clip is streamed again after a window of noise at its own floor,
        // as a shot arriving in a continuous stream is heard, plus a random part of a hop so the shots fall at
        // every point between two scored windows.
        let f = detector.model.features
        var leadRNG = SeededRNG(seed: 2025)
        let leads = guns.map { _ in f.windowSamples + leadRNG.int(detector.hopFrames * f.hop) }
        let arriving = StreamScores.collect(zip(guns, leads).map { NoiseFloor.noise(count: $1, amplitude: NoiseFloor.amplitude($0), rng: &leadRNG) + $0 }, detector: detector)
        let shotTimes = zip(guns, leads).map { Double($1 + WindowSource.peakIndex($0)) / Double(detector.sampleRate) }
        let negEvents = negScores.events(rule: rule)
        let negDetected = negEvents.map { $0 > 0 }
        var m = BinaryMetrics()
        m.tp = gunDetected.filter { $0 }.count; m.fn = gunDetected.count - m.tp
        m.fp = negDetected.filter { $0 }.count; m.tn = negDetected.count - m.fp
        let scores = gunScores.maxScores() + negScores.maxScores()
        let labels = [Bool](repeating: true, count: guns.count) + [Bool](repeating: false, count: others.count)
        let auc = ROC.auc(scores: scores, labels: labels)
        let roc = ROC.curve(scores: scores, labels: labels).map { [$0.fpr, $0.tpr] }

        func recall(_ clips: [[Float]]) -> Double {
            StreamScores.collect(clips, detector: detector).fractionWithEvents(rule: rule)
        }
        var bySNR: [String: Double] = [:]
        let noise = crowd.isEmpty ? negatives : crowd
        for snr in Self.snrs where !noise.isEmpty {
            let mixed = guns.map { Augment.mix($0, noise: noise[rng.int(noise.count)].samples, snrDB: snr) }
            bySNR[Self.snrKey(snr)] = recall(mixed)
        }
        var byGain: [String: Double] = [:], faByGain: [String: Double] = [:]
        for g in Self.gains {
            let key = Self.gainKey(g)
            byGain[key] = recall(guns.map { Augment.played($0, gainDB: g) })
            faByGain[key] = StreamScores.collect(others.map { Augment.played($0, gainDB: g) }, detector: detector).fractionWithEvents(rule: rule)
        }
        var bySource: [String: Double] = [:]
        for (src, idx) in Dictionary(grouping: gunshots.indices, by: { gunshots[$0].info.source }) {
            bySource[src] = Double(idx.filter { gunDetected[$0] }.count) / Double(idx.count)
        }
        var faBySource: [String: Int] = [:]
        for (src, n) in zip((negatives + crowd).map(\.info.source), negEvents) where n > 0 { faBySource[src, default: 0] += n }
        let fah = negScores.falseAlarmsPerHour(rule: rule)
        let falseAlarms = negEvents.reduce(0, +), hours = negScores.seconds / 3600
        let byLevel = LevelBands.tally(guns, hits: gunDetected), faByLevel = LevelBands.tally(others, hits: negDetected)
        var equal: [String: Double] = [:], equalFound: [String: [Int]] = [:], equalLatency: [String: ConfirmationLatency] = [:]
        var equalRules: [String: DecisionRule] = [:]
        for target in Self.equalFATargets {
            var r = rule
            r.threshold = negScores.threshold(forFalseAlarmsPerHour: target, base: rule)
            equalRules[String(format: "%.0f", target)] = r
            let found = gunScores.streamsWithEvents(rule: r)
            equal[String(format: "%.0f", target)] = Double(found.count) / Double(max(1, guns.count))
            equalFound[String(format: "%.0f", target)] = found
            equalLatency[String(format: "%.0f", target)] = ConfirmationLatency.measure(confirmations: arriving.confirmations(rule: r), shotTimes: shotTimes)
        }
        return EvalReport(model: name, threshold: rule.threshold, clips: labels.count, metrics: m, accuracy: m.accuracy, precision: m.precision ?? .nan,
                          recall: m.recall, f1: m.f1, rocAUC: auc, falseAlarmsPerHour: fah, negativeHours: hours,
                          recallInterval: .wilson(successes: m.tp, trials: m.tp + m.fn), falseAlarms: falseAlarms,
                          falseAlarmsPerHourInterval: .poissonRate(events: falseAlarms, exposure: hours),
                          recallAtSNR: bySNR, recallAtGain: byGain, falseAlarmRateAtGain: faByGain, recallBySource: bySource, falseAlarmsBySource: faBySource,
                          recallByLevel: byLevel, falseAlarmClipsByLevel: faByLevel, recallAtEqualFA: equal, roc: roc,
                          shotsFound: gunDetected.indices.filter { gunDetected[$0] }, shotsFoundAtEqualFA: equalFound,
                          latency: ConfirmationLatency.measure(confirmations: arriving.confirmations(rule: rule), shotTimes: shotTimes),
                          latencyAtEqualFA: equalLatency,
                          succession: ShotsInSuccession.measure(gunshots: gunshots, crowd: noise, detector: detector, rule: rule, equalRules: equalRules))
    }
}
