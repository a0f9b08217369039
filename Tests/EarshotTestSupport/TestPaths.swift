import Foundation

/// Locations the tests use: the repository root and the shared fixtures/corpus beside the checkout (../shared).
public enum TestPaths {
    public static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let shared = repo.deletingLastPathComponent().appendingPathComponent("shared")
    public static let fixtures = shared.appendingPathComponent("fixtures")
    public static let corpus = shared.appendingPathComponent("corpus")

    /// A fresh temporary directory for one test.
    public static func tempDir(_ tag: String = "t") -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-\(tag)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// A built executable of this package (`earshot`, `earshotd`, …): a sibling of the test bundle, else in
    /// `.build/debug`. nil when it has not been built.
    public static func builtProduct(_ name: String) -> URL? {
        var dirs: [URL] = []
        if let a = CommandLine.arguments.first { dirs.append(URL(fileURLWithPath: a).resolvingSymlinksInPath().deletingLastPathComponent()) }
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        dirs.append(Bundle.main.bundleURL)
        if let e = Bundle.main.executableURL { dirs.append(e.deletingLastPathComponent()) }
        dirs.append(repo.appendingPathComponent(".build/debug"))
        return dirs.map { $0.appendingPathComponent(name) }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
