import Yams

/// Typed access to one YAML mapping, remembering which keys were read so that unknown keys are errors,
/// and the line of every key so errors can point at it. ref: Yams `Node` API (`Node.Mark`).
struct ConfigReader {
    let source: String
    let prefix: String
    private(set) var entries: [String: (value: Node, line: Int)] = [:]
    private var used: Set<String> = []
    let line: Int?

    init(node: Node?, source: String, prefix: String = "") throws {
        self.source = source
        self.prefix = prefix
        line = node?.mark.map { $0.line }
        guard let node else { return }
        guard case let .mapping(m) = node else {
            throw ConfigError(source: source, key: prefix, line: line, problem: "must be a mapping of key: value pairs")
        }
        for (k, v) in m {
            guard let key = k.string else { throw ConfigError(source: source, key: prefix, line: k.mark?.line, problem: "has a non-string key") }
            entries[key] = (v, k.mark?.line ?? 0)
        }
    }

    /// Line of `key` in this mapping (or of the mapping itself when the key is absent).
    func lineOf(_ key: String) -> Int? { entries[key]?.line ?? line }

    func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    func fail(_ key: String, _ problem: String) -> ConfigError {
        ConfigError(source: source, key: path(key), line: entries[key]?.line ?? line, problem: problem)
    }

    private mutating func scalar(_ key: String) throws -> String? {
        guard let e = entries[key] else { return nil }
        used.insert(key)
        if case .scalar(let s) = e.value {
            if s.style == .plain && ["null", "~", ""].contains(s.string) { return nil }
            return s.string
        }
        throw fail(key, "must be a single value, not a list or mapping")
    }

    mutating func string(_ key: String, _ def: String) throws -> String { try scalar(key) ?? def }
    mutating func optionalString(_ key: String) throws -> String? { try scalar(key) }

    mutating func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard let s = try scalar(key) else { return def }
        guard let v = Int(s) else { throw fail(key, "must be a whole number, got '\(s)'") }
        guard range.contains(v) else { throw fail(key, "= \(v) is out of range (\(range.lowerBound)…\(range.upperBound))") }
        return v
    }

    mutating func double(_ key: String, _ def: Double, _ range: ClosedRange<Double>) throws -> Double {
        guard let s = try scalar(key) else { return def }
        guard let v = Double(s), v.isFinite else { throw fail(key, "must be a number, got '\(s)'") }
        guard range.contains(v) else { throw fail(key, "= \(v) is out of range (\(range.lowerBound)…\(range.upperBound))") }
        return v
    }

    mutating func optionalDouble(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
        guard try scalar(key) != nil else { return nil }
        return try double(key, 0, range)
    }

    /// A section's key with its `SettingRange`: out of it, the message the section's `validate()` gives
    /// (`SettingsError.configProblem`), so both checks say the same.
    mutating func int(_ key: String, _ def: Int, _ range: SettingRange<Int>) throws -> Int {
        try checked(key, try int(key, def, Int.min...Int.max), range)
    }

    mutating func double(_ key: String, _ def: Double, _ range: SettingRange<Double>) throws -> Double {
        try checked(key, try double(key, def, -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude), range)
    }

    /// A number stored as a Float, checked as the Float it becomes.
    mutating func float(_ key: String, _ def: Float, _ range: SettingRange<Float>) throws -> Float {
        try checked(key, Float(try double(key, Double(def), -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)), range)
    }

    mutating func optionalDouble(_ key: String, _ range: SettingRange<Double>) throws -> Double? {
        guard try scalar(key) != nil else { return nil }
        return try double(key, 0, range)
    }

    private func checked<T>(_ key: String, _ v: T, _ range: SettingRange<T>) throws -> T {
        do { try range.check(v, key: path(key)) } catch let e as SettingsError { throw fail(key, e.configProblem) }
        return v
    }

    mutating func bool(_ key: String, _ def: Bool) throws -> Bool {
        guard let s = try scalar(key) else { return def }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(key, "must be true or false, got '\(s)'")
        }
    }

    mutating func section(_ key: String) throws -> ConfigReader {
        used.insert(key)
        return try ConfigReader(node: entries[key]?.value, source: source, prefix: path(key))
    }

    /// Throws for the first key that no reader asked for (a typo, or a key from another version).
    func finish(known: [String]) throws {
        for (k, e) in entries.sorted(by: { $0.value.line < $1.value.line }) where !used.contains(k) {
            throw ConfigError(source: source, key: path(k), line: e.line, problem: "is not a known setting (known here: \(known.joined(separator: ", ")))")
        }
    }
}
