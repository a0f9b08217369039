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
