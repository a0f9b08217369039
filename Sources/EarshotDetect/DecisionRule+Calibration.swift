import EarshotNN
import Foundation

/// The rule a model's thresholds were calibrated with. A threshold is "1 false alarm per hour" only under the
/// rule that counted the events: fewer confirming windows or more dips allowed count more events at the same
/// threshold, and another hop scores other windows. earshot-train records the rule in the model file
/// (`train.rule`); earshotd, `earshot check-config` and `earshot detect` warn when the configured rule can count
/// more events.
extension DecisionRule {
    /// The model file's provenance key.
    public static let calibrationKey = "train.rule"

    /// What every model file written before the record was calibrated with (the trainer's defaults then).
    public static let legacyCalibration = DecisionRule(threshold: 0.5, minConsecutive: 2, maxDips: 0, mergeGap: 0.5, cooldown: 10, hopSeconds: 0.1)

    private struct Record: Codable, Equatable {
        var min_consecutive: Int, max_dips: Int, hop: Double, merge_gap: Double, cooldown: Double
    }

    /// The record stored under `calibrationKey`: `{"cooldown":10,"hop":0.1,"max_dips":0,"merge_gap":0.5,"min_consecutive":2}`.
    public var calibrationRecord: String {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
        let r = Record(min_consecutive: minConsecutive, max_dips: maxDips, hop: hopSeconds, merge_gap: mergeGap, cooldown: cooldown)
        return String(decoding: (try? e.encode(r)) ?? Data(), as: UTF8.self)
    }

    /// The rule `model`'s thresholds were calibrated with (threshold: the model's own): its record, or
    /// `legacyCalibration` for a file without one. Nil for a record that does not parse (the model still loads;
    /// nothing is claimed about it).
    public static func calibration(of model: Model) -> DecisionRule? {
        guard let text = model.provenance[calibrationKey] else { var r = legacyCalibration; r.threshold = model.threshold; return r }
        guard let r = try? JSONDecoder().decode(Record.self, from: Data(text.utf8)) else { return nil }
        return DecisionRule(threshold: model.threshold, minConsecutive: r.min_consecutive, maxDips: r.max_dips, mergeGap: r.merge_gap, cooldown: r.cooldown, hopSeconds: r.hop)
    }

    /// The settings that count events (all but the threshold) as the config file spells them: key, value as
    /// written there, and its unit for prose ("" or " s").
    private var countingSettings: [(key: String, value: String, unit: String)] {
        func g(_ x: Double) -> String { String(format: "%g", x) }
        return [("min_consecutive", "\(minConsecutive)", ""), ("max_dips", "\(maxDips)", ""), ("hop", g(hopSeconds), " s"),
                ("merge_gap", g(mergeGap), " s"), ("cooldown", g(cooldown), " s")]
    }

    /// "min_consecutive 2, max_dips 0, hop 0.1 s, merge_gap 0.5 s, cooldown 10 s".
    public var countingDescription: String { countingSettings.map { "\($0.key) \($0.value)\($0.unit)" }.joined(separator: ", ") }

    /// This rule's counting settings that differ from `other`, as config lines: ["min_consecutive: 1", "cooldown: 0"].
    public func configLines(differingFrom other: DecisionRule) -> [String] {
        zip(countingSettings, other.countingSettings).filter { $0.value != $1.value }.map { "\($0.0.key): \($0.0.value)" }
    }

    /// The settings of this rule that can count more events than `other` at the same threshold, as the config
    /// file spells them: fewer confirming windows, more dips allowed, another hop (other windows are scored):
    /// ["min_consecutive 1 (calibrated: 2)", "hop 0.05 s (calibrated: 0.1 s)"]. Stricter settings count at most
    /// as many, so a threshold's "≤ N false alarms per hour" still holds. The merge gap and cooldown are left
    /// out: calibration streams each clip on its own, 2–4 s long, where a 10 s cooldown and a 0.5 s gap barely
    /// act, so it measured no value of them.
    public func looserCounting(than other: DecisionRule) -> [String] {
        let looser = [minConsecutive < other.minConsecutive, maxDips > other.maxDips, abs(hopSeconds - other.hopSeconds) > 1e-9]
        return zip(zip(countingSettings, other.countingSettings), looser).filter(\.1).map { pair, _ in
            "\(pair.0.key) \(pair.0.value)\(pair.0.unit) (calibrated: \(pair.1.value)\(pair.1.unit))"
        }
    }

    /// A warning when this rule runs one of `model`'s calibrated thresholds (`threshold` is the model's own or
    /// one of its `thresholds`) but can count more events than the rule they were calibrated with
    /// (`looserCounting`): the false-alarm rate the threshold stands for may not hold. Nil when it cannot, or
    /// when the threshold is the operator's own number.
    public func calibrationProblem(model: Model) -> String? {
        guard threshold == model.threshold || model.thresholds.values.contains(threshold),
              let c = Self.calibration(of: model) else { return nil }
        let d = looserCounting(than: c)
        guard !d.isEmpty else { return nil }
        return "\(d.joined(separator: ", ")): \(model.name)'s thresholds stand for false alarms per hour counted under its calibration rule, not under these settings (fewer confirming windows, more dips allowed or another hop can count more events at the same threshold). Measure the rate with `earshot calibrate` on the site's recordings with the same settings, or set them back"
    }
}
