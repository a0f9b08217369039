import Foundation
import Testing

/// `scripts/package-version.sh`: the Debian version of a build sorts after the build of every earlier commit,
/// whatever the timezone the commits were made in (QA 7 finding 6) and however close together they were.
@Suite("scripts/package-version.sh: later commits make higher package versions")
struct PackageVersionTests {
    static let script = TestPaths.repo.appendingPathComponent("scripts/package-version.sh").path

    /// A scratch repository; `commit` adds a commit dated `date` (ISO 8601 with the committer's offset).
    struct Repo {
        let dir: URL
        init(_ name: String) throws {
            dir = TestPaths.tempDir(name)
            let r = try Operator.run("/usr/bin/git", ["init", "-q", dir.path])
            guard r.status == 0 else { throw CLITestError("git init: \(r.output)") }
        }
        func commit(_ message: String, date: String) throws {
            let r = try Operator.run("/usr/bin/git", ["-C", dir.path, "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
                                                      "commit", "-q", "--allow-empty", "-m", message],
                                     environment: ["GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date])
            guard r.status == 0 else { throw CLITestError("git commit: \(r.output)") }
        }
        func suffix() throws -> String {
            let r = try Operator.run("/bin/bash", [PackageVersionTests.script, dir.path])
            guard r.status == 0 else { throw CLITestError("package-version.sh: \(r.output)") }
            return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static func lessThan(_ a: String, _ b: String) throws -> Bool {
        try Operator.run("/usr/bin/dpkg", ["--compare-versions", a, "lt", b]).status == 0
    }

    @Test("successive commits from other timezones, in the same second, or from a clock that is behind: each upgrades")
    func monotonic() throws {
        let repo = try Repo("version-repo")
        var versions: [String] = []
        for (message, date) in [("A: 09:00 UTC from +01:00", "2026-12-06T10:00:00+01:00"),
                                ("B: 10:30 UTC from -08:00", "2026-12-06T02:30:00-08:00"),
                                ("C: the same second as B", "2026-12-06T10:30:00+00:00"),
                                ("D: a committer whose clock is an hour behind", "2026-12-06T09:30:00+00:00")] {
            try repo.commit(message, date: date)
            versions.append("0.9.0" + (try repo.suffix()))
        }
        #expect(versions[0].hasPrefix("0.9.0+git20261206090000.1."), "UTC, to the second, then the count: \(versions[0])")
        #expect(versions[1].hasPrefix("0.9.0+git20261206103000.2."), "\(versions[1])")
        for i in 1..<versions.count {
            #expect(try Self.lessThan(versions[i - 1], versions[i]), "\(versions[i - 1]) does not sort before the later commit's \(versions[i])")
        }
        // a package of the old scheme (local time to the minute, then the hash) is upgraded by the new one
        #expect(try Self.lessThan("0.9.0+git202612061722.7704cb1", versions[0]))
    }

    @Test("outside a git repository: no suffix, the plain release version")
    func notARepository() throws {
        let dir = TestPaths.tempDir("version-plain")
        let r = try Operator.run("/bin/bash", [Self.script, dir.path], environment: ["GIT_CEILING_DIRECTORIES": dir.deletingLastPathComponent().path])
        #expect(r.status == 0 && r.output.isEmpty, "\(r.status): \(r.output)")
    }
}
