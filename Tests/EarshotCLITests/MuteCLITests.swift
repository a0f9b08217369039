import Foundation
import Testing

/// `earshot mute` / `earshot unmute`: the file earshotd follows (its effect on the daemon is in
/// DaemonMuteTests), what they say, and what they refuse.
@Suite struct MuteCLITests {
    static func mute(_ args: [String], _ dir: String, user: String = "alice") throws -> CLIRunner.Result {
        try CLIRunner.run(["mute"] + args + ["--state-directory", dir], environment: ["SUDO_USER": user])
    }

    /// The mute file as earshotd reads it: JSON with ISO 8601 times.
    static func file(_ dir: String) throws -> (until: Date, reason: String, by: String) {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/mute"))
        let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        let until = try #require(ISO8601DateFormatter().date(from: o["until"] ?? ""))
        return (until, o["reason"] ?? "", o["by"] ?? "")
    }

    /// A user who may not look into earshotd's state directory (DynamicUser keeps /var/lib/private 0700) is told
    /// that it cannot be said whether paging is muted, and exit 1 — it was told "not muted" while paging was muted
    /// (package QA 7, finding 3). earshot runs as nobody (setpriv), from a copy nobody may execute.
    @Test func aUserWhoMayNotLookIsNotToldNotMuted() throws {
        try #require(getuid() == 0, "runs as root, to run earshot as another user")
        let dir = TestPaths.tempDir("mute-private")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        let priv = dir.appendingPathComponent("private"), state = priv.appendingPathComponent("earshot"), bin = dir.appendingPathComponent("bin")
        for d in [state, bin] { try fm.createDirectory(at: d, withIntermediateDirectories: true) }
        let muted = try Self.mute(["--for", "1h", "--reason", "party"], state.path)
        #expect(muted.status == 0, "\(muted.stderr)")
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: priv.path)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin.path)
        let exe = bin.appendingPathComponent("earshot")
        try fm.copyItem(at: try #require(CLIRunner.binary), to: exe)
        let asNobody = try Operator.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", exe.path, "mute", "--state-directory", state.path])
        #expect(asNobody.status == 1, "\(asNobody.output)")
        #expect(asNobody.output.contains("earshot.service: cannot tell whether paging is muted") && asNobody.output.contains("sudo earshot mute")
                && !asNobody.output.contains("not muted"), "\(asNobody.output)")
        let asRoot = try Self.mute([], state.path)
        #expect(asRoot.status == 0 && asRoot.stdout.contains("earshot.service: MUTED until "), "\(asRoot.stdout)")
    }

    @Test func muteShowAndUnmute() throws {
        let dir = TestPaths.tempDir("mute-cli").path
        let none = try Self.mute([], dir)
        #expect(none.status == 0 && none.stdout.contains("earshot.service: not muted"), "\(none.stdout)\(none.stderr)")

        let before = Date()
        let r = try Self.mute(["--for", "1h30m", "--reason", "New Year fireworks"], dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("paging muted until ") && r.stdout.contains("by alice: New Year fireworks (for 1 h 30 min)")
                && r.stdout.contains("no hook runs") && r.stdout.contains("earshot unmute"), "\(r.stdout)")
        let m = try Self.file(dir)
        #expect(m.reason == "New Year fireworks" && m.by == "alice")
        #expect(abs(m.until.timeIntervalSince(before) - 5400) < 5, "until \(m.until), asked at \(before)")

        let shown = try Self.mute([], dir)
        #expect(shown.status == 0 && shown.stdout.contains("earshot.service: MUTED until ") && shown.stdout.contains("New Year fireworks")
                && shown.stdout.contains("left)"), "\(shown.stdout)")

        // check-config and test-alert's set-up check tell whoever looks that paging is off
        let check = try CLIRunner.run(["check-config"], environment: ["STATE_DIRECTORY": dir])
        #expect(check.stderr.contains("warning: earshot.service: MUTED until ") && check.stderr.contains("a real alert would run no hook"), "\(check.stderr)")

        let un = try CLIRunner.run(["unmute", "--state-directory", dir])
        #expect(un.status == 0 && un.stdout.contains("unmuted (it was muted until ") && un.stdout.contains("New Year fireworks"), "\(un.stdout)\(un.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/mute"))
        let again = try CLIRunner.run(["unmute", "--state-directory", dir])
        #expect(again.status == 0 && again.stdout.contains("was not muted"), "\(again.stdout)")
        let check2 = try CLIRunner.run(["check-config"], environment: ["STATE_DIRECTORY": dir])
        #expect(!check2.stderr.contains("MUTED"), "\(check2.stderr)")
    }

    @Test func untilALocalTimeIsTheNextOne() throws {
        let dir = TestPaths.tempDir("mute-until").path
        let r = try Self.mute(["--until", "03:00", "--reason", "late show"], dir)
        #expect(r.status == 0, "\(r.stderr)")
        let m = try Self.file(dir)
        let left = m.until.timeIntervalSinceNow
        let parts = Calendar.current.dateComponents([.hour, .minute, .second], from: m.until)
        #expect(left > 0 && left <= 86_400 && parts.hour == 3 && parts.minute == 0 && parts.second == 0, "until \(m.until)")
    }

    @Test func refusesWhatItCannotDo() throws {
        let dir = TestPaths.tempDir("mute-bad").path
        let cases: [([String], String)] = [
            (["--for", "2h"], "say why with --reason"),
            (["--reason", "x"], "say how long with --for"),
            (["--for", "2h", "--until", "23:00", "--reason", "x"], "not both"),
            (["--for", "30", "--reason", "x"], "give a duration such as 90m"),
            (["--for", "25h", "--reason", "x"], "longer than the 24 hours"),
            // a huge one trapped (or gave an empty date); a negative one was "Missing value"
            (["--for", "99999999999999999999h", "--reason", "x"], "it lasts until after the year 9999, longer than the 24 hours"),
            (["--for", "3000000000000h", "--reason", "x"], "it lasts until after the year 9999, longer than the 24 hours"),
            (["--for", "-5m", "--reason", "x"], "--for -5m: give a duration such as 90m"),
            (["--until", "25:00", "--reason", "x"], "give a local time such as 23:30"),
            (["--for", "1h", "--reason", "two\nlines"], "control character"),
        ]
        for (args, says) in cases {
            let r = try Self.mute(args, dir)
            #expect(r.status != 0 && r.stderr.contains(says), "\(args): \(r.status) \(r.stderr)")
            // a usage line, if any, is mute's own (not the top-level "earshot <subcommand>", which says nothing here)
            #expect(!r.stderr.contains("<subcommand>"), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/mute"), "nothing written")
        let missing = try Self.mute(["--for", "1h", "--reason", "x"], dir + "/nope")
        #expect(missing.status == 1 && missing.stderr.contains("\(dir)/nope does not exist") && missing.stderr.contains("systemctl start earshot"), "\(missing.stderr)")
        // an instance whose state directory is missing: its own unit makes it
        let hall = try CLIRunner.run(["mute", "--instance", "qa-hall", "--for", "1h", "--reason", "x", "--state-directory", dir + "/nope"])
        #expect(hall.status == 1 && hall.stderr.contains("(systemctl start earshot@qa-hall)") && !hall.stderr.contains("--instance NAME"), "\(hall.stderr)")
        let inst = try CLIRunner.run(["mute", "--instance", "Bad Name", "--for", "1h", "--reason", "x"])
        #expect(inst.status != 0 && inst.stderr.contains("cannot name an instance"), "\(inst.stderr)")
        // a broken file is shown as such (earshotd ignores it) and unmute clears it
        try "garbage".write(toFile: dir + "/mute", atomically: true, encoding: .utf8)
        let shown = try Self.mute([], dir)
        #expect(shown.stdout.contains("NOT muted") && shown.stdout.contains("earshot unmute"), "\(shown.stdout)")
        let un = try CLIRunner.run(["unmute", "--state-directory", dir])
        #expect(un.status == 0 && un.stdout.contains("muted nothing, was removed"), "\(un.stdout)")
    }

    @Test func helpShowsExamples() throws {
        for c in ["mute", "unmute"] {
            let r = try CLIRunner.run([c, "--help"])
            #expect(r.status == 0 && r.stdout.contains("Example") && r.stdout.contains("earshot \(c)"), "\(c): \(r.stdout)")
        }
    }
}
