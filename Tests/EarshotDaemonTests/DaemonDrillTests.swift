import EarshotDaemon
import Foundation
import Testing

/// `earshot test-alert` while earshotd runs (package QA 7, finding 1): earshotd takes the request and runs the
/// hooks itself — so a hook runs as the service runs it (here: earshotd is its parent process), not as the
/// command's root shell — and the command prints each run's outcome, read from the journal.
@Suite(.serialized) struct DaemonDrillTests {
    @Test func earshotdRunsTheDrillAndTheCommandReportsEachHook() throws {
        let run = try DaemonRun()
        // 8 s of quiet at real time: earshotd runs while the command asks, 1.5 s in
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 8, shots: []), rate: 16_000, dir: run.dir)
        let state = run.dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let ran = run.dir.appendingPathComponent("ran.txt"), out = run.dir.appendingPathComponent("test-alert.txt")
        let hook = try HookFixture.script(run.dir, "hook.sh", "echo \"hook $EARSHOT_TEST $EARSHOT_EVENT_ID $(cat /proc/$PPID/comm)\" >> '\(ran.path)'")
        // a health hook that cannot do its job in the service (as one that may not write its log): FAILED, exit 1
        let health = try HookFixture.script(run.dir, "health.sh", "echo \"health $(cat /proc/$PPID/comm)\" >> '\(ran.path)'; echo 'cannot create /var/log/pages.log: Permission denied' >&2; exit 4")
        let config = try run.writeConfig(extra: "hook:\n  path: \(hook)\n  retries: 0\nhealth_hook:\n  path: \(health)\n  retries: 0")
        let cli = try DaemonProcess.requireBinary().deletingLastPathComponent().appendingPathComponent("earshot").path
        let during = "sleep 1.5; '\(cli)' test-alert --config '\(config.path)' > '\(out.path)' 2>&1; echo \"rc=$?\" >> '\(out.path)'"
        let r = try run.journalRun(config: config, args: ["--max-frames", String(fx.frames), "--pace", "1", "--exit-at-end"],
                                   environment: ["ALSA_CONFIG_PATH": try fx.writeConfigFile(in: run.dir).path, "STATE_DIRECTORY": state.path, "DURING": during])
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let said = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let alerts = DaemonRun.alerts(r.entries)
        #expect(alerts.count == 1 && alerts.allSatisfy { $0["EARSHOT_TEST"] == "1" && $0["MESSAGE"]?.hasPrefix("[TEST] Gunshot detected") == true }, "\(alerts)")
        let id = alerts.first?["EARSHOT_EVENT_ID"] ?? "?"
        #expect(id.hasPrefix("test-") && said.contains("earshotd took test alert \(id)"), "\(said)")
        #expect(said.contains("journal: earshotd journalled test alert \(id)") && said.contains("hook: OK — hook for event \(id) exited with status 0"), "\(said)")
        #expect(said.contains("health hook: FAILED — health_hook for ") && said.contains("exited with status 4") && said.contains("Permission denied")
                && said.hasSuffix("rc=1\n"), "\(said)")
        #expect(!said.contains("the hooks run from this command"), "earshotd ran them: \(said)")
        // earshotd was the hooks' parent: they ran as the service runs them
        let lines = ((try? String(contentsOf: ran, encoding: .utf8)) ?? "").split(separator: "\n").sorted()
        #expect(lines == ["health earshotd", "hook 1 \(id) earshotd"], "\(lines)")
        #expect(!FileManager.default.fileExists(atPath: DrillRequest.path(stateDirectory: state.path)), "the request was taken")
    }
}
