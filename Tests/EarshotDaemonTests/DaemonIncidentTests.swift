import EarshotDaemon
import EarshotDSP
import Foundation
import Testing

/// End to end: a shooting of five shots through the real ALSA path and the earshotd binary, into a private
/// journald. The cooldown pages one alert per `cooldown`; the shots it holds back are still in the journal and
/// the incident's count, and the next alert says which event of the incident it is.
@Suite(.serialized) struct DaemonIncidentTests {
    @Test func shotsHeldBackByTheCooldownCountIntoTheIncident() throws {
        let run = try DaemonRun()
        // cooldown 5 s: the shot at 2 s is paged and holds back those at 4 and 6 s (its event ends ≈ 3 s, the
        // cooldown ≈ 8 s); 9 s is paged as the incident's 4th event; 20 s comes > 8 s (incident_gap) after the
        // last event: a new incident, and the first is over. The recording goes on to 34 s, so the second is
        // over by then too: no event for 8 s is enough, no further event is needed to say so.
        let shots = [2.0, 4.0, 6.0, 9.0, 20.0]
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 34, shots: shots), rate: 16_000, dir: run.dir)
        let clipDir = run.dir.appendingPathComponent("clips")
        // incident_hook: told of every step, in order (one run at a time by default)
        let steps = run.dir.appendingPathComponent("steps.txt")
        let hook = try HookFixture.script(run.dir, "incident.sh", "echo \"$EARSHOT_INCIDENT_UPDATE $EARSHOT_INCIDENT_SEQ $EARSHOT_INCIDENT_ID "
            + "$EARSHOT_INCIDENT_EVENTS $EARSHOT_INCIDENT_ALERTS $EARSHOT_INCIDENT_STOPPED $EARSHOT_EVENT_ID|$EARSHOT_MESSAGE\" >> '\(steps.path)'")
        // earshot incidents reads the same journal back once earshotd is done
        let cli = try DaemonProcess.requireBinary().deletingLastPathComponent().appendingPathComponent("earshot").path
        let (listJSON, listText) = (run.dir.appendingPathComponent("incidents.json"), run.dir.appendingPathComponent("incidents.txt"))
        let fromFiles = run.dir.appendingPathComponent("incidents-files.json")
        let (exported, exportLog, gone) = (run.dir.appendingPathComponent("exported"), run.dir.appendingPathComponent("export.log"), run.dir.appendingPathComponent("gone.txt"))
        let unwritable = run.dir.appendingPathComponent("unwritable.txt")
        let after = "'\(cli)' incidents --json --since 1h > '\(listJSON.path)' && '\(cli)' incidents --since 2h > '\(listText.path)'"
            + " && '\(cli)' incidents --json --directory /run/log/journal > '\(fromFiles.path)'"
            // --export copies the clips and records; a clip gone from the box is said to be so
            + " && '\(cli)' incidents --export '\(exported.path)' > /dev/null 2> '\(exportLog.path)'"
            + " && c=$(ls '\(clipDir.path)'/*.wav | head -n 1) && mv \"$c\" \"$c.away\" && '\(cli)' incidents > '\(gone.path)'; mv \"$c.away\" \"$c\""
            // a place it cannot write to (below a plain file: even root cannot) is refused, naming it and the fix
            + "; '\(cli)' incidents --export '\(steps.path)/exported' > /dev/null 2> '\(unwritable.path)'; echo \"exit $?\" >> '\(unwritable.path)'"
        let r = try run.journalRun(fx, config: try run.writeConfig(extra: "incident_gap: 8\nincident_hook:\n  path: \(hook)", clips: ["enabled: true", "directory: \(clipDir.path)", "pre_roll: 1", "post_roll: 1"], cooldown: 5),
                                   environment: ["AFTER": after])
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        func offset(_ e: [String: String]) -> Double { Double(e["EARSHOT_OFFSET"] ?? "") ?? -1 }
        let alerts = DaemonRun.alerts(r.entries).sorted { offset($0) < offset($1) }
        let heard = r.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.heardInCooldown }.sorted { offset($0) < offset($1) }
        let over = r.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.incidentOver }
        #expect(alerts.map(offset).count == 3 && zip(alerts.map(offset), [2.0, 9.0, 20.0]).allSatisfy { abs($0 - $1) <= 0.1 },
                "alerts at \(alerts.map(offset))")
        #expect(heard.count == 2 && zip(heard.map(offset), [4.0, 6.0]).allSatisfy { abs($0 - $1) <= 0.1 }, "heard in the cooldown at \(heard.map(offset))")
        guard alerts.count == 3, heard.count == 2 else { return }
        let first = alerts[0]["EARSHOT_EVENT_ID"]
        #expect(first != nil && alerts[0]["EARSHOT_INCIDENT_ID"] == first && alerts[0]["EARSHOT_INCIDENT_EVENTS"] == "1")
        #expect(heard.map { $0["EARSHOT_INCIDENT_ID"] } == [first, first] && heard.map { $0["EARSHOT_INCIDENT_EVENTS"] } == ["2", "3"])
        #expect(heard.allSatisfy { ($0["MESSAGE"] ?? "").hasPrefix("Gunshot heard again on default, score ") && $0["PRIORITY"] == "2" }, "\(heard.map { $0["MESSAGE"] ?? "" })")
        // every gunshot event has its evidence clip, the held-back ones too: 2 s each around its start
        let clips = (alerts + heard).compactMap { $0["EARSHOT_CLIP"] }
        #expect(clips.count == 5 && Set(clips).count == 5, "\(clips)")
        for c in clips {
            let n = (try? AudioFile.read(URL(fileURLWithPath: c)).samples.count) ?? 0
            // (up to one hop more pre-roll: a clip starts on the detector's window grid, DaemonClipGridTests)
            #expect(n >= 32_000 && n < 32_000 + 1_600, "\(c): \(n) samples")
            // not world-readable, as under the unit's UMask=0027 (operator QA 5)
            let mode = (try? FileManager.default.attributesOfItem(atPath: c)[.posixPermissions] as? Int) ?? -1
            #expect(mode >= 0 && mode & 0o027 == 0, "\(c): mode \(String(mode, radix: 8))")
        }
        #expect(alerts[1]["EARSHOT_INCIDENT_ID"] == first && alerts[1]["EARSHOT_INCIDENT_EVENTS"] == "4")
        #expect(alerts[1]["MESSAGE"]?.contains(" — gunshot event 4 of an incident since ") == true, "\(alerts[1]["MESSAGE"] ?? "")")
        #expect(alerts[1]["EARSHOT_INCIDENT_START"] == alerts[0]["EARSHOT_START"])
        #expect(alerts[2]["EARSHOT_INCIDENT_ID"] == alerts[2]["EARSHOT_EVENT_ID"] && alerts[2]["EARSHOT_INCIDENT_EVENTS"] == "1", "a new incident")
        // each incident is over once 8 s pass without an event
        #expect(over.count == 2, "\(over.map { $0["MESSAGE"] ?? "" })")
        guard over.count == 2 else { return }
        #expect(over[0]["EARSHOT_INCIDENT_ID"] == first && over[0]["EARSHOT_INCIDENT_EVENTS"] == "4" && over[0]["EARSHOT_INCIDENT_ALERTS"] == "2")
        #expect(over[0]["MESSAGE"]?.hasPrefix("Gunshot incident over on default: 4 gunshot events from ") == true, "\(over[0]["MESSAGE"] ?? "")")
        #expect(over[1]["EARSHOT_INCIDENT_ID"] == alerts[2]["EARSHOT_EVENT_ID"] && over[1]["EARSHOT_INCIDENT_EVENTS"] == "1"
                && over[1]["MESSAGE"]?.hasPrefix("Gunshot incident over on default: 1 gunshot event from ") == true, "\(over[1]["MESSAGE"] ?? "")")

        // incident_hook ran for each step, in order, numbered per incident, with the journal entry's message
        func id(_ e: [String: String]) -> String { e["EARSHOT_EVENT_ID"] ?? "?" }
        func msg(_ e: [String: String]) -> String { e["MESSAGE"] ?? "?" }
        let (first1, second) = (first ?? "?", id(alerts[2]))
        let want = [
            "alert 1 \(first1) 1 1 0 \(id(alerts[0]))|\(msg(alerts[0]))",
            "heard 2 \(first1) 2 1 0 \(id(heard[0]))|\(msg(heard[0]))",
            "heard 3 \(first1) 3 1 0 \(id(heard[1]))|\(msg(heard[1]))",
            "alert 4 \(first1) 4 2 0 \(id(alerts[1]))|\(msg(alerts[1]))",
            "over 5 \(first1) 4 2 0 |\(msg(over[0]))",
            "alert 1 \(second) 1 1 0 \(second)|\(msg(alerts[2]))",
            "over 2 \(second) 1 1 0 |\(msg(over[1]))",
        ]
        let got = ((try? String(contentsOf: steps, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(got == want, "incident_hook's steps:\n\(got.joined(separator: "\n"))\nwanted:\n\(want.joined(separator: "\n"))")

        // earshot incidents: the two incidents, each event with its kind, score and clip, as the journal has them
        let records = ((try? String(contentsOf: listJSON, encoding: .utf8)) ?? "").split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == 2, "earshot incidents --json: \(records)")
        guard records.count == 2 else { return }
        let entries = records.map { ($0["entries"] as? [[String: Any]]) ?? [] }
        #expect(records[0]["id"] as? String == first && records[0]["events"] as? Int == 4 && records[0]["alerts"] as? Int == 2
                && records[0]["over"] as? Bool == true && records[0]["stopped"] as? Bool == false && records[0]["end"] as? String == over[0]["EARSHOT_INCIDENT_END"], "\(records[0])")
        #expect(entries[0].map { $0["type"] as? String ?? "?" } == ["alert", "heard", "heard", "alert"], "\(entries[0])")
        #expect(entries[0].map { $0["clip"] as? String ?? "?" } == [alerts[0], heard[0], heard[1], alerts[1]].map { $0["EARSHOT_CLIP"] ?? "-" })
        #expect(entries[0].map { $0["event_id"] as? String ?? "?" } == [alerts[0], heard[0], heard[1], alerts[1]].map(id))
        #expect(records[1]["id"] as? String == second && records[1]["events"] as? Int == 1 && entries[1].count == 1 && records[1]["over"] as? Bool == true)
        let copied = try? String(contentsOf: fromFiles, encoding: .utf8)
        #expect(copied == (try? String(contentsOf: listJSON, encoding: .utf8)), "--directory reads the journal's files alike: \(copied ?? "nothing")")
        // the export: per incident its record and its clips, byte for byte
        let log = (try? String(contentsOf: exportLog, encoding: .utf8)) ?? ""
        #expect(log.hasPrefix("exported 2 incidents to \(exported.path): 5 clips\n"), "\(log)")
        for (k, rec) in records.enumerated() {
            let dir = exported.appendingPathComponent(rec["id"] as? String ?? "?")
            let saved = (try? Data(contentsOf: dir.appendingPathComponent("incident.json"))).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            #expect(saved?["id"] as? String == rec["id"] as? String && saved?["events"] as? Int == rec["events"] as? Int, "\(dir.path)/incident.json: \(String(describing: saved))")
            for clip in entries[k].compactMap({ $0["clip"] as? String }) {
                let copy = dir.appendingPathComponent((clip as NSString).lastPathComponent)
                #expect(FileManager.default.contentsEqual(atPath: clip, andPath: copy.path), "\(copy.path) is a copy of \(clip)")
            }
        }
        let goneText = (try? String(contentsOf: gone, encoding: .utf8)) ?? ""
        #expect(goneText.components(separatedBy: "(not on this machine)").count == 2, "one clip moved away is said to be missing: \(goneText)")
        let refused = (try? String(contentsOf: unwritable, encoding: .utf8)) ?? ""
        #expect(refused.contains("cannot write to \(steps.path)/exported/") && refused.contains("give --export a directory you may write to")
                && refused.hasSuffix("exit 1\n"), "\(refused)")
        let text = (try? String(contentsOf: listText, encoding: .utf8)) ?? ""
        #expect(text.hasPrefix("2 gunshot incidents from ") && text.contains("Incident \(first1) on default: 4 gunshot events, 2 alerted; began ")
                && text.contains("heard in the cooldown (not paged)"), "\(text)")
    }

    /// Operator QA 1 (session 50): a sound heard in the cooldown that is still going on when the cooldown ends is
    /// paged then, as the same gunshot event. Its alert names the heard entry (EARSHOT_CONTINUES, in the journal,
    /// the hook and `earshot incidents`) and says so, so "gunshot event 2" told twice is one event, and the count,
    /// the alert hook's, the end notice's and `earshot incidents`' listing agree.
    @Test func anAlertThatContinuesAHeardEventSaysSoAndIsCountedOnce() throws {
        let run = try DaemonRun()
        // cooldown 5 s: the shot at 2 s is paged (its event ends ≈ 3 s, the cooldown ≈ 8 s); shots every 0.4 s
        // from 6.6 to 9.8 s are one sound (less than merge_gap apart), heard at 6.6 s, still going on at ≈ 8 s
        let shots = [2.0] + (0..<9).map { 6.6 + 0.4 * Double($0) }
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 24, shots: shots), rate: 16_000, dir: run.dir)
        let hookLog = run.dir.appendingPathComponent("hook.txt")
        let hook = try HookFixture.script(run.dir, "hook.sh", "echo \"$EARSHOT_EVENT_ID $EARSHOT_INCIDENT_EVENTS $EARSHOT_CONTINUES\" >> '\(hookLog.path)'")
        let cli = try DaemonProcess.requireBinary().deletingLastPathComponent().appendingPathComponent("earshot").path
        let (listJSON, listText) = (run.dir.appendingPathComponent("incidents.json"), run.dir.appendingPathComponent("incidents.txt"))
        let after = "'\(cli)' incidents --json --since 1h > '\(listJSON.path)' && '\(cli)' incidents --since 1h > '\(listText.path)'"
        let r = try run.journalRun(fx, config: try run.writeConfig(extra: "incident_gap: 8\nhook:\n  path: \(hook)", cooldown: 5), environment: ["AFTER": after])
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        func offset(_ e: [String: String]) -> Double { Double(e["EARSHOT_OFFSET"] ?? "") ?? -1 }
        let alerts = DaemonRun.alerts(r.entries).sorted { offset($0) < offset($1) }
        let heard = r.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.heardInCooldown }
        let over = r.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.incidentOver }
        #expect(alerts.count == 2 && heard.count == 1 && over.count == 1, "alerts at \(alerts.map(offset)), heard at \(heard.map(offset)), \(over.count) over")
        guard alerts.count == 2, heard.count == 1, over.count == 1 else { return }
        #expect(abs(offset(heard[0]) - 6.6) <= 0.1 && offset(alerts[1]) > 7.5 && offset(alerts[1]) < 9.9, "heard at \(offset(heard[0])), paged at \(offset(alerts[1]))")
        let heardID = heard[0]["EARSHOT_EVENT_ID"] ?? "?"
        #expect(alerts[1]["EARSHOT_CONTINUES"] == heardID && alerts[0]["EARSHOT_CONTINUES"] == nil, "\(alerts.map { $0["EARSHOT_CONTINUES"] ?? "-" })")
        #expect(heard[0]["EARSHOT_INCIDENT_EVENTS"] == "2" && alerts[1]["EARSHOT_INCIDENT_EVENTS"] == "2", "one event, counted once")
        #expect(alerts[1]["MESSAGE"]?.contains(" — gunshot event 2 of an incident since ") == true
                && alerts[1]["MESSAGE"]?.contains(", heard during the cooldown and still going on") == true, "\(alerts[1]["MESSAGE"] ?? "")")
        #expect(over[0]["EARSHOT_INCIDENT_EVENTS"] == "2" && over[0]["EARSHOT_INCIDENT_ALERTS"] == "2", "\(over[0]["MESSAGE"] ?? "")")
        // the alert hook: the first alert continues nothing, the second the heard event
        let hooked = ((try? String(contentsOf: hookLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).sorted()
        let want = ["\(alerts[0]["EARSHOT_EVENT_ID"] ?? "?") 1 ", "\(alerts[1]["EARSHOT_EVENT_ID"] ?? "?") 2 \(heardID)"].sorted()
        #expect(hooked == want, "hook runs: \(hooked), wanted \(want)")
        // earshot incidents: three entries, two events; the alert marked as the heard event going on
        let record = ((try? String(contentsOf: listJSON, encoding: .utf8)) ?? "").split(separator: "\n").first
            .flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let entries = (record?["entries"] as? [[String: Any]]) ?? []
        #expect(record?["events"] as? Int == 2 && entries.map { $0["type"] as? String ?? "?" } == ["alert", "heard", "alert"], "\(String(describing: record))")
        #expect(entries.map { $0["continues"] as? String ?? "-" } == ["-", "-", heardID], "\(entries)")
        let text = (try? String(contentsOf: listText, encoding: .utf8)) ?? ""
        #expect(text.contains(": 2 gunshot events, 2 alerted; began ") && text.contains("alert (paged) — the event heard above, still going on"), "\(text)")
    }

    /// A hook that fails every attempt: the journal says so for the alert (MESSAGE_ID hook outcome, HOOK_OUTCOME
    /// failed), and `earshot incidents` lists the alert as "page FAILED", not "paged" (package QA 7, finding 4).
    @Test func anAlertWhosePageFailedIsListedSo() throws {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 6, shots: [2.0]), rate: 16_000, dir: run.dir)
        let hook = try HookFixture.script(run.dir, "hook.sh", "echo 'ntfy: curl: not found' >&2; exit 3")
        let cli = try DaemonProcess.requireBinary().deletingLastPathComponent().appendingPathComponent("earshot").path
        let (listJSON, listText) = (run.dir.appendingPathComponent("incidents.json"), run.dir.appendingPathComponent("incidents.txt"))
        let after = "'\(cli)' incidents --json --since 1h > '\(listJSON.path)' && '\(cli)' incidents --since 1h > '\(listText.path)'"
        let r = try run.journalRun(fx, config: try run.writeConfig(extra: "hook:\n  path: \(hook)\n  retries: 0"), environment: ["AFTER": after])
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let alerts = DaemonRun.alerts(r.entries)
        #expect(alerts.count == 1, "\(alerts)")
        let id = alerts.first?["EARSHOT_EVENT_ID"] ?? "?"
        let outcomes = r.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.hookOutcome && $0["EARSHOT_EVENT_ID"] == id }
        #expect(outcomes.map { $0["HOOK_OUTCOME"] ?? "-" } == ["failed"] && outcomes.allSatisfy { $0["HOOK_SECTION"] == "hook" && $0["HOOK_EXIT_STATUS"] == "3" },
                "\(outcomes)")
        let record = ((try? String(contentsOf: listJSON, encoding: .utf8)) ?? "").split(separator: "\n").first
            .flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let entries = (record?["entries"] as? [[String: Any]]) ?? []
        #expect(entries.map { $0["page"] as? String ?? "-" } == ["failed"], "\(String(describing: record))")
        let text = (try? String(contentsOf: listText, encoding: .utf8)) ?? ""
        #expect(text.contains("alert (page FAILED: the hook gave up") && !text.contains("alert (paged)"), "\(text)")
    }
}
