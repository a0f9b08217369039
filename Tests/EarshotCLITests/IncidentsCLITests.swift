import Foundation
import Testing

/// `earshot incidents`' refusals: each names the bad value and what to give instead. Reading a real journal
/// is in DaemonIncidentTests (earshotd's entries in a private journald, and its files with --directory).
struct IncidentsCLITests {
    @Test func badInputsAreRefusedWithTheFix() throws {
        let since = try CLIRunner.run(["incidents", "--since", "yesterday"])
        #expect(since.status == 64 && since.stderr.contains("--since yesterday: give a span such as 12h or 7d"), "\(since.stderr)")
        let until = try CLIRunner.run(["incidents", "--until", "soon"])
        #expect(until.status == 64 && until.stderr.contains("--until soon:"), "\(until.stderr)")
        let missing = try CLIRunner.run(["incidents", "--directory", "/nonexistent/journal"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/journal holds no journal files (*.journal)"), "\(missing.stderr)")
        let empty = TestPaths.tempDir("incidents-empty")
        let none = try CLIRunner.run(["incidents", "--directory", empty.path])
        #expect(none.status == 1 && none.stderr.contains("holds no journal files"), "\(none.stderr)")
    }
}
