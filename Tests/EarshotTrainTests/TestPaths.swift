import Foundation

/// Locations the tests use: the repository root and the shared fixtures/corpus beside the checkout (../shared).
enum TestPaths {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repo.deletingLastPathComponent().appendingPathComponent("shared")
    static let fixtures = shared.appendingPathComponent("fixtures")
    static let corpus = shared.appendingPathComponent("corpus")

    /// A fresh temporary directory for one test.
    static func tempDir(_ tag: String = "t") -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-\(tag)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}
