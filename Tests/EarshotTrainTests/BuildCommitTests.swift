import Foundation
import Testing
@testable import EarshotTrain

/// `train.commit` is the commit of the checkout that holds the trainer binary, whatever the working directory.
@Suite struct BuildCommitTests {
    static let a = String(repeating: "a", count: 40), b = String(repeating: "b", count: 40), c = String(repeating: "c", count: 40)

    static func write(_ text: String, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    @Test func findsTheCheckoutAboveTheExecutable() throws {
        let root = TestPaths.tempDir("buildcommit")
        defer { try? FileManager.default.removeItem(at: root) }
        // a clone: HEAD → refs/heads/main (loose), a branch only in packed-refs, a detached HEAD
        let repo = root.appendingPathComponent("repo"), git = repo.appendingPathComponent(".git")
        try Self.write("ref: refs/heads/main", git.appendingPathComponent("HEAD"))
        try Self.write(Self.a, git.appendingPathComponent("refs/heads/main"))
        try Self.write("# pack-refs with: peeled\n\(Self.b) refs/heads/packed", git.appendingPathComponent("packed-refs"))
        let exe = repo.appendingPathComponent(".build/x86_64-unknown-linux-gnu/release/earshot-train")
        #expect(BuildCommit.of(executable: exe) == Self.a)
        try Self.write("ref: refs/heads/packed", git.appendingPathComponent("HEAD"))
        #expect(BuildCommit.of(executable: exe) == Self.b)
        try Self.write(Self.c, git.appendingPathComponent("HEAD"))
        #expect(BuildCommit.of(executable: exe) == Self.c)
        // a worktree: `.git` is a file naming its git directory, whose refs are in the main one's
        let wt = root.appendingPathComponent("wt"), wtGit = git.appendingPathComponent("worktrees/wt")
        try Self.write("gitdir: \(wtGit.path)", wt.appendingPathComponent(".git"))
        try Self.write("ref: refs/heads/main", wtGit.appendingPathComponent("HEAD"))
        try Self.write("../..", wtGit.appendingPathComponent("commondir"))
        #expect(BuildCommit.of(executable: wt.appendingPathComponent(".build/release/earshot-train")) == Self.a)
        // outside any checkout (an installed binary)
        #expect(BuildCommit.of(executable: root.appendingPathComponent("usr/bin/earshot-train")) == "unknown")
    }

    /// This test binary lives in this repository's `.build`, so its commit is this checkout's HEAD — the same
    /// as `git rev-parse HEAD` here (skipped when git is not installed).
    @Test func theRunningBinaryIsThisCheckout() throws {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        guard FileManager.default.isExecutableFile(atPath: git.executableURL!.path) else { return }
        git.arguments = ["-C", TestPaths.repo.path, "rev-parse", "HEAD"]
        let out = Pipe()
        git.standardOutput = out; git.standardError = Pipe()
        try git.run(); git.waitUntilExit()
        let head = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard git.terminationStatus == 0 else { return }
        #expect(BuildCommit.current == head)
    }
}
