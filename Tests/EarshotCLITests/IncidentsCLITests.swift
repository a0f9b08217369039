import EarshotDSP
import Foundation
import Testing

/// `earshot incidents`' refusals: each names the bad value and what to give instead. Reading a real journal
/// is in DaemonIncidentTests (earshotd's entries in a private journald, and its files with --directory); a journal
/// it cannot read, here. Serialized: it starts a private journald.
@Suite(.serialized) struct IncidentsCLITests {
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

    /// A journal it cannot read is no journal without incidents: as a user without journal access (nobody, from
    /// a copy of the binary it may run), and with --directory holding a damaged copy, it exits 1 naming the files
    /// and the fix; a damaged file beside a good one is a warning, and the good one's incident is listed.
    @Test func aJournalItCannotReadIsAnErrorNotNoIncident() throws {
        guard FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd-journald") else {
            Issue.record("systemd-journald not installed: run scripts/setup.sh"); return
        }
        let dir = TestPaths.tempDir("incidents-unreadable")
        let exe = dir.appendingPathComponent("earshot")
        try FileManager.default.copyItem(at: try #require(CLIRunner.binary), to: exe)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        let copy = dir.appendingPathComponent("copy")
        // an incident as earshotd journals it (its alert), read back as root and as nobody; then the journal's files copied
        let script = try Operator.write("""
            set -u
            now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
            logger --journald <<EOT
            SYSLOG_IDENTIFIER=earshotd
            MESSAGE_ID=88a049a25a974a828bee9f70b35c0a93
            MESSAGE=Gunshot detected on hw:1, score 0.99
            EARSHOT_EVENT_ID=ev1
            EARSHOT_INCIDENT_ID=ev1
            EARSHOT_INCIDENT_START=$now
            EARSHOT_INCIDENT_EVENTS=1
            EARSHOT_START=$now
            EARSHOT_SCORE=0.99
            EARSHOT_DEVICE=hw:1
            EOT
            journalctl --sync 2>/dev/null || sleep 0.5
            cd '\(dir.path)'
            ./earshot incidents --since 1h > root.txt 2>&1; echo "exit $?" >> root.txt
            runuser -u nobody -- ./earshot incidents --since 1h > nobody.txt 2>&1; echo "exit $?" >> nobody.txt
            runuser -u nobody -- ./earshot incidents --since 1h --json > nobody-json.txt 2>&1; echo "exit $?" >> nobody-json.txt
            mkdir -p '\(copy.path)' && cp -r /run/log/journal/. /var/log/journal/. '\(copy.path)/'
            """, to: dir.appendingPathComponent("inner.sh"))
        let r = try Operator.withPrivateJournal(["/bin/bash", script.path], dir: dir)
        #expect(r.status == 0, "\(r.output)")
        func text(_ name: String) -> String { (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        #expect(text("root.txt").hasPrefix("1 gunshot incident from ") && text("root.txt").hasSuffix("exit 0\n"), "\(text("root.txt"))")
        for name in ["nobody.txt", "nobody-json.txt"] {
            let t = text(name)
            #expect(t.contains("cannot read the system journal, so no incident can be listed: /run/log/journal/") && t.contains("Permission denied")
                    && t.contains("run it with sudo, or add the user to the systemd-journal group") && !t.contains("No gunshot incident") && t.hasSuffix("exit 1\n"), "\(name): \(t)")
        }

        // --directory: random bytes named system.journal, the real file cut to 4096 bytes, the real file beside a bad one
        let real = try #require(FileManager.default.enumerator(atPath: copy.path)?.allObjects.compactMap { $0 as? String }.first { $0.hasSuffix("system.journal") })
        let good = try Data(contentsOf: copy.appendingPathComponent(real))
        var noise = SeededRNG(seed: 7)
        let garbage = Data((0..<100_000).map { _ in UInt8.random(in: 0...255, using: &noise) })
        func folder(_ name: String, _ files: [String: Data]) throws -> URL {
            let u = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
            for (file, data) in files { try data.write(to: u.appendingPathComponent(file)) }
            return u
        }
        for (name, data, why) in [("garbage", garbage, "Bad message"), ("truncated", good.prefix(4096), "sd_journal_open_files failed")] {
            let d = try folder(name, ["system.journal": data])
            let t = try CLIRunner.run(["incidents", "--since", "1h", "--directory", d.path])
            #expect(t.status == 1 && t.stderr.contains("cannot read the journal files in \(d.path), so no incident can be listed: \(d.path)/system.journal: ")
                    && t.stderr.contains(why) && t.stderr.contains("re-copy them from the box's /var/log/journal") && t.stdout.isEmpty, "\(name): \(t.stdout)\(t.stderr)")
        }
        let part = try folder("partly", ["system.journal": good, "system@0000000000000000-0000000000000000.journal": garbage])
        let p = try CLIRunner.run(["incidents", "--since", "1h", "--directory", part.path])
        #expect(p.status == 0 && p.stdout.hasPrefix("1 gunshot incident from ")
                && p.stderr.contains("warning: 1 of the 2 journal files in \(part.path) cannot be read and are left out"), "\(p.stdout)\(p.stderr)")
    }
}
