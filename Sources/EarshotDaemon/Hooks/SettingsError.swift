/// A value in the `hook:`, `clips:`, `recording:`, `liveness:` or `metrics:` config sections that the daemon cannot use.
/// `key` is the dotted YAML path (`hook.timeout`), so the config parser can add the line number and the
/// operator knows what to change; `fix` says what a valid value looks like.
public struct SettingsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Dotted config key, e.g. `clips.pre_roll`.
    public var key: String
    /// The offending value as the operator wrote it (after parsing).
    public var value: String
    /// What is wrong with it.
    public var problem: String
    /// What to write instead.
    public var fix: String

    public init(key: String, value: String, problem: String, fix: String) {
        self.key = key; self.value = value; self.problem = problem; self.fix = fix
    }

    public var description: String { "\(key): \(value) \(problem); \(fix)" }

    /// The message without the key, as a `ConfigError`'s problem ("5000.0 is out of range; set it between …"): the
    /// config parser says it for a value out of a `SettingRange`, and for any `validate()` error of a section.
    public var configProblem: String { "\(value) \(problem); \(fix)" }

    /// Throws unless `lo ≤ value ≤ hi` (and finite).
    static func checkRange<T: Comparable & CustomStringConvertible>(_ value: T, _ lo: T, _ hi: T, key: String, unit: String = "") throws {
        if (value as? Double).map({ !$0.isFinite }) ?? (value as? Float).map({ !$0.isFinite }) ?? false {
            throw SettingsError(key: key, value: "\(value)", problem: "is not a finite number", fix: "set it between \(lo) and \(hi)\(unit)")
        }
        guard value >= lo && value <= hi else {
            throw SettingsError(key: key, value: "\(value)", problem: "is out of range", fix: "set it between \(lo) and \(hi)\(unit)")
        }
    }

    /// Throws unless `path` is a non-empty absolute path.
    static func checkAbsolutePath(_ path: String, key: String) throws {
        guard path.hasPrefix("/") else {
            throw SettingsError(key: key, value: "\"\(path)\"", problem: "is not an absolute path",
                                fix: "write the full path starting with /, e.g. /var/lib/earshot/…")
        }
    }
}

/// A numeric setting's allowed values: one constant per key (e.g. `ClipSettings.maxAgeDaysRange`), read by both
/// the config parser (`DaemonConfig.parse`) and the section's `validate()`, so the two checks accept the same
/// values and refuse the others with the same message, whichever of them meets the value first.
public struct SettingRange<T: Comparable & CustomStringConvertible & Sendable>: Sendable {
    public let bounds: ClosedRange<T>
    /// Said after the bounds: the unit, and what a special value means (" days (0 = keep forever)").
    public let unit: String

    public init(_ bounds: ClosedRange<T>, unit: String = "") {
        self.bounds = bounds; self.unit = unit
    }

    /// Throws a `SettingsError` naming `key` and the bounds unless `value` is within them (and finite).
    public func check(_ value: T, key: String) throws {
        try SettingsError.checkRange(value, bounds.lowerBound, bounds.upperBound, key: key, unit: unit)
    }
}
