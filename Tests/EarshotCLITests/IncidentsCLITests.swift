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

    /// A negative span gets the --since/--until message (it got "Missing value", "-5m" taken for an option), and an
    /// end before the start is refused, naming both (it listed "No gunshot incident from 09:15 to 08:15").
    @Test func aSpanIsCheckedAsGiven() throws {
        for (args, says) in [(["--since", "-5m"], "--since -5m: give a span such as 12h or 7d"), (["--until", "-1h"], "--until -1h: give a span"),
                             (["--since", "1h", "--until", "2h"], "--until 2h ("), (["--since", "2026-12-05", "--until", "2026-12-04"], "--until 2026-12-04 (")] {
            let r = try CLIRunner.run(["incidents"] + args)
            #expect(r.status == 64 && r.stderr.contains(says) && !r.stderr.contains("Missing value"), "\(args): \(r.status) \(r.stderr)")
            if args.count == 4 { #expect(r.stderr.contains("is before --since \(args[1]) ("), "\(r.stderr)") }
        }
    }
}
