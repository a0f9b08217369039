@testable import EarshotDaemon
import EarshotDSP
import Foundation
import Testing

/// `earshotd --replay FILE` (the README's demo): the recording is decoded, played through the real ALSA capture
/// path, alerts go to the journal, the daemon exits by itself — and the decoded copy it handed to ALSA's file
/// plugin is gone afterwards (a day of replays would otherwise leave gigabytes in /tmp).
@Suite(.serialized) struct DaemonReplayTests {
    @Test func replayAlertsExitsAndLeavesNoTemporaryFile() throws {
        let run = try DaemonRun()
        let tmp = run.dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let wav = run.dir.appendingPathComponent("replay.wav")
        try AudioFileWriter.writeWAV16(DaemonTestSignals.recording(seconds: 4, shots: [1.5]), sampleRate: 16_000, to: wav)
        // the box's own hooks are configured: a replay must not page as a real alert (package QA 7, finding 2)
        let hookOut = run.dir.appendingPathComponent("hook.txt"), incidentOut = run.dir.appendingPathComponent("incident.txt")
        let hook = try HookFixture.script(run.dir, "hook.sh", "echo \"$EARSHOT_TEST $EARSHOT_REPLAY\" >> '\(hookOut.path)'")
        let incident = try HookFixture.script(run.dir, "incident.sh", "echo \"$EARSHOT_INCIDENT_UPDATE $EARSHOT_TEST $EARSHOT_REPLAY $EARSHOT_MESSAGE\" >> '\(incidentOut.path)'")
        let config = try run.writeConfig(extra: "location: North entrance\nincident_gap: 1\nhook:\n  path: \(hook)\nincident_hook:\n  path: \(incident)")
        let r = try run.journalRun(config: config, args: ["--replay", wav.path, "--pace", "8"],
                                   environment: ["TMPDIR": tmp.path], timeout: 60)
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let alerts = DaemonRun.alerts(r.entries)
        let offsets = alerts.compactMap { $0["EARSHOT_OFFSET"].flatMap(Double.init) }
        #expect(offsets.count == 1 && offsets.allSatisfy { abs($0 - 1.5) < 0.6 }, "alerts at \(offsets)")
        // a drill, marked a replay of the file: in the journal, to the hooks, and left out of `earshot incidents`
        #expect(alerts.allSatisfy { $0["EARSHOT_TEST"] == "1" && $0["EARSHOT_REPLAY"] == wav.path && $0["MESSAGE"]?.hasPrefix("[REPLAY] Gunshot detected at North entrance") == true },
                "\(alerts)")
        #expect(try String(contentsOf: hookOut, encoding: .utf8) == "1 \(wav.path)\n")
        let steps = try String(contentsOf: incidentOut, encoding: .utf8).split(separator: "\n")
        #expect(steps.count == 2 && steps.allSatisfy { $0.contains(" 1 \(wav.path) [REPLAY] Gunshot ") }, "alert and over: \(steps)")
        let over = r.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.incidentOver }
        #expect(over.count == 1 && over.allSatisfy { $0["EARSHOT_TEST"] == "1" && $0["EARSHOT_REPLAY"] == wav.path }, "\(over)")
        #expect(IncidentLog.incidents(r.entries.map { JournalReader.Entry(time: Date(), fields: $0) }).isEmpty, "a replay is no incident of the site's")
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        #expect(left.isEmpty, "left in TMPDIR: \(left)")
    }

    /// A replay's health notices are drills too, as its alerts are (a recording's silence is not the site's
    /// microphone): `EARSHOT_TEST=1`, "[REPLAY] …", the silence it ends in withdrawn at its end. And it leaves the
    /// ledger of the service whose state directory it shares alone: neither taken (withdrawn) nor written over.
    @Test func aReplaysHealthNoticesAreDrillsAndLeaveTheServicesLedger() throws {
        let run = try DaemonRun()
        var x = DaemonTestSignals.recording(seconds: 5, shots: [])
        for i in (2 * 16_000)..<(5 * 16_000) { x[i] = 0 }   // ends in 3 s of digital silence: in force at its end
        let wav = run.dir.appendingPathComponent("replay.wav")
        try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: wav)
        let state = run.dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let ledger = state.appendingPathComponent(HealthLedger.fileName)
        let planted = #"[{"condition":"device","device":"hw:1","location":"","since":"2026-12-08T00:00:00Z"}]"#
        try planted.write(to: ledger, atomically: true, encoding: .utf8)
        let health = try HealthHookLog(dir: run.dir)
        let config = try run.writeConfig(extra: "liveness:\n  silence_seconds: 1\nhealth_hook:\n  path: \(health.hook)")
        let d = try DaemonProcess(args: ["--config", config.path, "--replay", wav.path, "--pace", "8"], environment: ["STATE_DIRECTORY": state.path], dir: run.dir)
        #expect(d.waitExit(timeout: 60) == 0, "stderr:\n\(d.stderr)")
        let n = health.notices
        #expect(n.count == 2 && n.allSatisfy { $0.contains("EARSHOT_HEALTH=silence\n") && $0.contains("EARSHOT_TEST=1\n") && $0.contains("EARSHOT_MESSAGE=[REPLAY] ") }, "\(n)")
        #expect(n.first?.contains("EARSHOT_PROBLEM=1\n") == true && n.last?.contains("EARSHOT_MESSAGE=[REPLAY] earshotd is stopping: microphone input: digital silence") == true, "\(n)")
        #expect((try? String(contentsOf: ledger, encoding: .utf8)) == planted, "the service's ledger, untouched")
    }
}
