import Yams

/// A configuration problem, naming the file, the key (dotted path), the line, and the fix.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var key: String
    public var line: Int?
    public var problem: String

    public var description: String {
        "\(source)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : "'\(key)' ")\(problem)"
    }
}

extension ConfigError {
    /// A YAML syntax error (`Yams.compose`) as a config problem at its line: libyaml's problem in words, and
    /// for a key given twice in one section, the lines of both.
    static func yaml(_ error: Error, text: String, source: String) -> ConfigError {
        switch error as? YamlError {
        case let .scanner(context, problem, mark, _)?, let .parser(context, problem, mark, _)?, let .composer(context, problem, mark, _)?:
            return ConfigError(source: source, key: "", line: mark.line,
                               problem: "is not valid YAML (column \(mark.column): \(context.map { $0.text + ", " } ?? "")\(problem)): check that line's indentation (spaces, not tabs), colons and quotes")
        case let .duplicatedKeysInMapping(duplicates, context)?:
            let keys = duplicates.sorted()
            // where the keys are written: from the first one (its mark), the lines at its indentation until the
            // mapping ends (a line indented less)
            let indent = context.mark.column - 1
            var lines: [Int] = []
            for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().dropFirst(max(0, context.mark.line - 1)) {
                let t = l.drop { $0 == " " }
                if t.isEmpty || t.hasPrefix("#") { continue }
                let depth = l.count - t.count
                if depth < indent { break }
                if depth == indent, keys.contains(where: { t.hasPrefix($0 + ":") }) { lines.append(i + 1) }
            }
            return ConfigError(source: source, key: keys.joined(separator: "', '"), line: lines.dropFirst().first ?? context.mark.line,
                               problem: "is given more than once in one section (lines \(lines.map(String.init).joined(separator: ", "))): keep one")
        default:
            return ConfigError(source: source, key: "", line: nil, problem: "is not valid YAML: \(error)")
        }
    }
}
