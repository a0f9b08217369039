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

    /// Throws unless `lo ≤ value ≤ hi` (and finite).
    static func checkRange<T: Comparable & CustomStringConvertible>(_ value: T, _ lo: T, _ hi: T, key: String, unit: String = "") throws {
        if let d = value as? Double, !d.isFinite {
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
