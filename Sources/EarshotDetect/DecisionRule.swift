/// How window scores become events. One rule for the CLI, the daemon and the trainer's evaluation.
public struct DecisionRule: Sendable, Equatable {
    /// A window scores "above" when its gunshot probability is ≥ threshold (default: the model's).
    public var threshold: Float
    /// Above-threshold windows needed to confirm an event (the alert fires then), consecutive but for up to
    /// `maxDips` below-threshold windows in a row between them.
    public var minConsecutive: Int = 2
    /// Below-threshold windows in a row that a run being confirmed survives (0: the windows must be
    /// consecutive). A shot's score can dip for one window as it moves through the window (the loud part at
    /// an edge); with 0, such a dip makes the rule start counting again.
    public var maxDips: Int = 0
    /// Above-threshold windows separated by less than this (seconds) belong to one event.
    public var mergeGap: Double = 0.5
    /// After an event ends, no new event may start for this long (seconds).
    public var cooldown: Double = 10.0
    /// The CNN scores a window every `hopSeconds` (rounded to whole feature frames).
    public var hopSeconds: Double = 0.1

    public init(threshold: Float, minConsecutive: Int = 2, maxDips: Int = 0, mergeGap: Double = 0.5, cooldown: Double = 10.0, hopSeconds: Double = 0.1) {
        self.threshold = threshold; self.minConsecutive = minConsecutive; self.maxDips = maxDips; self.mergeGap = mergeGap
        self.cooldown = cooldown; self.hopSeconds = hopSeconds
    }

    /// Throws `DecisionRuleError` naming the setting and its valid range.
    public func validate() throws {
        func bad(_ k: String, _ v: Any, _ range: String) -> DecisionRuleError { DecisionRuleError(setting: k, value: "\(v)", valid: range) }
        guard threshold >= 0, threshold <= 1 else { throw bad("threshold", threshold, "0…1") }
        guard minConsecutive >= 1, minConsecutive <= 50 else { throw bad("min_consecutive", minConsecutive, "1…50") }
        guard maxDips >= 0, maxDips <= 10 else { throw bad("max_dips", maxDips, "0…10") }
        guard mergeGap >= 0, mergeGap <= 60 else { throw bad("merge_gap", mergeGap, "0…60 s") }
        guard cooldown >= 0, cooldown <= 3600 else { throw bad("cooldown", cooldown, "0…3600 s") }
        guard hopSeconds >= 0.01, hopSeconds <= 1 else { throw bad("hop", hopSeconds, "0.01…1 s") }
    }
}

public struct DecisionRuleError: Error, CustomStringConvertible, Equatable {
    public var setting: String, value: String, valid: String
    /// Names the setting as the config file and as the command line spell it: `min_consecutive (--min-consecutive)`.
    public var description: String { "\(setting) (--\(setting.replacingOccurrences(of: "_", with: "-"))) = \(value) is out of range; use a value in \(valid)" }
}
