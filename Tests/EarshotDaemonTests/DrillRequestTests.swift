import EarshotDaemon
import Foundation
import Testing

/// `earshot test-alert`'s request file, as earshotd's detection loop takes it (`DrillRequest.take`).
@Suite("DrillRequest: taken once; a stale or broken request is removed, not answered")
struct DrillRequestTests {
    /// Now to the second: the request file's ISO 8601 date keeps no fraction.
    static func wholeSecond() -> Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)) }

    static func file(_ tag: String) -> (URL, String) {
        let dir = TestPaths.tempDir(tag)
        return (dir, DrillRequest.path(stateDirectory: dir.path))
    }

    @Test("a request just written is taken once and removed")
    func freshRequestIsTakenOnce() throws {
        let (dir, path) = Self.file("drill-fresh")
        defer { try? FileManager.default.removeItem(at: dir) }
        let asked = DrillRequest(id: "test-1", by: "alice", at: Self.wholeSecond())
        try asked.write(path: path)
        #expect(DrillRequest.take(path: path) == .success(asked))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(DrillRequest.take(path: path) == nil, "answered once")
    }

    /// A request the command could not withdraw (killed while it waited) stays in the state directory; an earshotd
    /// started there later must not page every hook with it.
    @Test("a request older (or newer) than maxAge is removed with its problem, no drill")
    func staleRequestIsNotAnswered() throws {
        let (dir, path) = Self.file("drill-stale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = Self.wholeSecond()
        for at in [now.addingTimeInterval(-DrillRequest.maxAge - 1), now.addingTimeInterval(-3600 * 5), now.addingTimeInterval(DrillRequest.maxAge + 1)] {
            let old = DrillRequest(id: "test-2", by: "bob", at: at)
            try old.write(path: path)
            let taken = DrillRequest.take(path: path, now: now)
            #expect(taken == .failure(DrillRequestError(path: path, stale: old)), "\(String(describing: taken))")
            #expect(!FileManager.default.fileExists(atPath: path))
            if case let .failure(e)? = taken { #expect(e.description.contains("bob") && e.description.contains("no drill")) }
        }
        // within maxAge either way: answered
        let near = DrillRequest(id: "test-3", by: "carol", at: now.addingTimeInterval(-DrillRequest.maxAge + 1))
        try near.write(path: path)
        #expect(DrillRequest.take(path: path, now: now) == .success(near))
    }

    @Test("a file that is not a request is removed with its problem")
    func brokenFileIsRemoved() throws {
        let (dir, path) = Self.file("drill-broken")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect(DrillRequest.take(path: path) == .failure(DrillRequestError(path: path, stale: nil)))
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
