import EarshotDaemon
import EarshotDetect
import Foundation
import Testing

/// `earshot mute` through the whole daemon and the real ALSA path: while muted every shot is still an alert (in
/// the journal's form on stderr, marked EARSHOT_MUTED=1) but no hook runs; the health hook hears of the mute and
/// of its end; a shot after the expiry pages again; a broken mute file mutes nothing.
@Suite(.serialized) struct DaemonMuteTests {
    @Test func mutedShotsReachTheJournalButPageNobody() throws {
        let s = try DaemonHookFixture.setup()
        let err = try DaemonHookFixture.run(s, mute: Mute(until: Date().addingTimeInterval(3600), reason: "fireworks show", by: "alice"), pace: 0)
        let alerts = DaemonHookFixture.alerts(err)
        #expect(alerts.count == 2 && alerts.allSatisfy {
            $0.contains(" — MUTED until ") && $0.contains("by alice: fireworks show: no hook run") && $0.contains("EARSHOT_MUTED=1") && $0.contains("PRIORITY=4")
        }, "both shots are alerts, marked muted:\n\(err)")
        #expect(DaemonHookFixture.lines(s.hookOut).isEmpty, "no hook while muted: \(DaemonHookFixture.lines(s.hookOut))")
        #expect(DaemonHookFixture.lines(s.clipOut).isEmpty, "no clip hook either: \(DaemonHookFixture.lines(s.clipOut))")
        #expect(DaemonHookFixture.lines(s.incidentOut).isEmpty, "nor the incident hook: \(DaemonHookFixture.lines(s.incidentOut))")
        let health = DaemonHookFixture.lines(s.healthOut)
        #expect(health.count == 2 && health.first?.hasPrefix("muted 1 Paging muted until ") == true
                && health.first?.contains("by alice: fireworks show") == true, "\(health)")
        #expect(health.last?.hasPrefix("muted 0 earshotd is stopping: paging muted until ") == true && health.last?.contains("— withdrawn, not known to be over") == true,
                "the stop withdraws it (told again after a start): \(health)")
        #expect(err.contains("Paging muted until "), "said in the log/journal:\n\(err)")
        let prom = (try? String(contentsOfFile: s.state.path + "/earshot.prom", encoding: .utf8)) ?? ""
        #expect(prom.contains("earshot_muted 1\n") && prom.contains("earshot_muted_events_total 2\n") && prom.contains("earshot_events_total 2\n"), "\(prom)")
        let clips = (try? FileManager.default.contentsOfDirectory(atPath: s.state.path + "/clips")) ?? []
        #expect(clips.filter { $0.hasSuffix(".wav") }.count == 2, "evidence is kept while muted: \(clips)")
        // the score log marks every window muted, so calibration leaves them all out (a planned noisy event)
        let log = ScoreLog.load([s.state.path + "/scores"])
        #expect(log.seconds > 5 && log.mutedSeconds == log.seconds, "\(log.mutedSeconds) of \(log.seconds) s muted")
        #expect(log.scores().scores.streams.isEmpty && log.scores(includeMuted: true).scores.streams.count == 1)
    }

    /// At real-time pace: muted for the first 5 s, so the shot at 1 s is muted and the one at 8 s pages.
    @Test func pagingResumesWhenTheMuteEnds() throws {
        let s = try DaemonHookFixture.setup()
        let err = try DaemonHookFixture.run(s, mute: Mute(until: Date().addingTimeInterval(5), reason: "starter pistol", by: "bob"), pace: 1)
        let alerts = DaemonHookFixture.alerts(err)
        #expect(alerts.count == 2, "\(err)")
        if alerts.count == 2 {
            #expect(alerts[0].contains("EARSHOT_MUTED=1") && !alerts[1].contains("EARSHOT_MUTED"), "\(alerts)")
            let second = alerts[1].range(of: #"EARSHOT_EVENT_ID=\S+"#, options: .regularExpression).map { String(alerts[1][$0].dropFirst(17)) }
            #expect(DaemonHookFixture.lines(s.hookOut) == [second ?? "?"], "only the shot after the mute ran the hook: \(DaemonHookFixture.lines(s.hookOut))")
            #expect(DaemonHookFixture.lines(s.clipOut).map { String($0.split(separator: " ")[0]) } == [second ?? "?"], "and the clip hook: \(DaemonHookFixture.lines(s.clipOut))")
            // the incident hook hears from the first paged step on (the muted shot is counted in the incident)
            #expect(DaemonHookFixture.lines(s.incidentOut) == ["alert 1 2 0", "over 2 2 1"], "\(DaemonHookFixture.lines(s.incidentOut))")
        }
        // the score log: the windows heard while muted, then the rest; only the rest counts for calibration
        let log = ScoreLog.load([s.state.path + "/scores"])
        let flags = log.entries.flatMap { e in (0..<e.file.count).map(e.file.isMuted) }
        let firstPaging = flags.firstIndex(of: false) ?? flags.count
        #expect(flags.first == true && firstPaging < flags.count && !flags[firstPaging...].contains(true), "\(flags)")
        #expect(log.mutedSeconds > 2 && log.mutedSeconds < 5.5, "\(log.mutedSeconds) s muted of the first 5 s")
        #expect(abs(log.scores().scores.seconds - (log.seconds - log.mutedSeconds)) < 1e-6)
        let health = DaemonHookFixture.lines(s.healthOut)
        #expect(health.count == 2 && health.first?.hasPrefix("muted 1 ") == true
                && health.last?.hasPrefix("muted 0 Paging again: the mute ended") == true, "\(health)")
    }

    /// The same inside a private journald: the mute's own entry (MESSAGE_ID mute) and muted alerts as a warning.
    @Test func theJournalHasTheMuteAndTheMutedAlerts() throws {
        let s = try DaemonHookFixture.setup()
        try Mute(until: Date().addingTimeInterval(3600), reason: "memorial salute", by: "carol").write(path: Mute.path(stateDirectory: s.state.path))
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 10, shots: [1.0, 8.0]), rate: 16_000, dir: s.run.dir)
        let r = try s.run.journalRun(fx, config: s.config, environment: ["STATE_DIRECTORY": s.state.path])
        #expect(r.status == 0, "\(r.stderr)")
        let notices = r.entries.filter { $0["MESSAGE_ID"] == EarshotMessageID.mute }
        #expect(notices.count == 1, "\(r.entries)")
        if let n = notices.first {
            #expect(n["EARSHOT_MUTED"] == "1" && n["PRIORITY"] == "4" && n["EARSHOT_MUTE_REASON"] == "memorial salute" && n["EARSHOT_MUTE_BY"] == "carol"
                    && n["EARSHOT_MUTE_UNTIL"]?.hasSuffix("Z") == true && n["MESSAGE"]?.hasPrefix("Paging muted until ") == true, "\(n)")
        }
        let alerts = DaemonRun.alerts(r.entries)
        #expect(alerts.count == 2 && alerts.allSatisfy { $0["EARSHOT_MUTED"] == "1" && $0["PRIORITY"] == "4" && $0["EARSHOT_MUTE_REASON"] == "memorial salute" },
                "\(alerts)")
        #expect(DaemonHookFixture.lines(s.hookOut).isEmpty)
    }

    @Test func aBrokenMuteFileMutesNothing() throws {
        let s = try DaemonHookFixture.setup()
        try "{\"until\": \"tomorrow\"}".write(toFile: Mute.path(stateDirectory: s.state.path), atomically: true, encoding: .utf8)
        let err = try DaemonHookFixture.run(s, mute: nil, pace: 0)
        #expect(err.contains("mute file \(s.state.path)/mute is not a mute earshot wrote") && err.contains("NOT muted"), "\(err)")
        #expect(DaemonHookFixture.alerts(err).count == 2 && !err.contains("EARSHOT_MUTED=1"), "\(err)")
        #expect(DaemonHookFixture.lines(s.hookOut).count == 2, "both shots paged: \(DaemonHookFixture.lines(s.hookOut))")
        // one incident (incident_gap 60 s), still open when the recording ends: earshotd stopping ends it
        #expect(DaemonHookFixture.lines(s.incidentOut) == ["alert 1 1 0", "alert 2 2 0", "over 3 2 1"], "\(DaemonHookFixture.lines(s.incidentOut))")
        #expect(DaemonHookFixture.lines(s.healthOut).isEmpty, "no mute, no notice: \(DaemonHookFixture.lines(s.healthOut))")
    }
}
