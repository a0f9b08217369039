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
}
