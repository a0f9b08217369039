import Foundation
import Testing
@testable import EarshotDaemon

/// `IncidentLog`: journal entries grouped into incidents as `earshot incidents` lists them. The entries are
/// made by the journal field builders earshotd itself uses; DaemonIncidentTests reads a real journal.
struct IncidentLogTests {
    static let t0 = Date(timeIntervalSince1970: 1_764_000_000)

    static func entry(_ f: [(String, String)], at s: Double) -> JournalReader.Entry {
        JournalReader.Entry(time: t0.addingTimeInterval(s), fields: Dictionary(f.map { ($0.0, $0.1) }) { $1 })
    }

    static func event(_ id: String, at s: Double, incident: Incident, muted: Bool = false, clip: String? = nil) -> Alert {
        var a = Alert(eventID: id, score: 0.9612, start: t0.addingTimeInterval(s), device: "hw:1", location: "Gate 3", model: "m", clipPath: clip)
        a.incident = incident
        if muted { a.mute = Mute(until: t0.addingTimeInterval(3600), reason: "fireworks", by: "alice") }
        return a
    }

    @Test func entriesGroupByIncidentWithTheirKindsClipsAndEnd() throws {
        var i = Incident(id: "a-1", start: Self.t0, events: 1, alerts: 1, last: Self.t0)
        var entries = [Self.entry(JournalAlertSink.fields(Self.event("a-1", at: 0, incident: i, clip: "/c/a-1.wav"), priority: 2), at: 0)]
        i.events = 2
        entries.append(Self.entry(JournalAlertSink.heardInCooldownFields(Self.event("h-1", at: 3, incident: i, clip: "/c/h-1.wav"), cooldown: 10, priority: 2), at: 3))
        // a drill belongs to no incident; another incident, muted, that earshotd stopping ended
        var drill = Alert(eventID: "test-1", score: 1, start: Self.t0, device: "hw:1", model: "m", test: true)
        drill.incident = nil
        entries.append(Self.entry(JournalAlertSink.fields(drill, priority: 2), at: 4))
        i.alerts = 1; i.last = Self.t0.addingTimeInterval(3.2)
        entries.append(Self.entry(JournalAlertSink.incidentOverFields(i, device: "hw:1", location: "Gate 3", stopped: false), at: 70))
        let j = Incident(id: "b-1", start: Self.t0.addingTimeInterval(100), events: 1, alerts: 1, last: Self.t0.addingTimeInterval(100.3))
        entries.append(Self.entry(JournalAlertSink.fields(Self.event("b-1", at: 100, incident: j, muted: true), priority: 2), at: 100))
        entries.append(Self.entry(JournalAlertSink.incidentOverFields(j, device: "hw:1", location: "Gate 3", stopped: true), at: 101))

        let r = IncidentLog.incidents(entries)
        #expect(r.map(\.id) == ["a-1", "b-1"], "the drill is no incident: \(r.map(\.id))")
        guard r.count == 2 else { return }
        #expect(r[0].events.map(\.kind) == [.alert, .heard] && r[0].events.map(\.clip) == ["/c/a-1.wav", "/c/h-1.wav"])
        #expect(r[0].eventCount == 2 && r[0].alerts == 1 && r[0].over && !r[0].stopped && r[0].end == "2025-11-24T16:00:03.200Z")
        #expect(r[0].location == "Gate 3" && r[0].device == "hw:1" && r[0].start == "2025-11-24T16:00:00.000Z")
        #expect(abs((r[0].events[0].score ?? 0) - 0.9612) < 1e-9 && r[0].events[0].eventID == "a-1")
        #expect(r[1].events.map(\.muted) == [true] && r[1].stopped && r[1].over)
    }

    /// Read from a later time than its start, an incident shows the events found and says more came before;
    /// one with no end notice is not over.
    @Test func aPartlyReadIncidentAndOneWithoutItsEnd() throws {
        let i = Incident(id: "c-1", start: Self.t0, events: 5, alerts: 2, last: Self.t0)
        let r = IncidentLog.incidents([Self.entry(JournalAlertSink.fields(Self.event("c-5", at: 30, incident: i), priority: 2), at: 30)])
        #expect(r.count == 1 && r.first?.eventCount == 5 && r.first?.events.count == 1 && r.first?.alerts == 1)
        #expect(r.first?.over == false && r.first?.end == nil)
    }

    /// Each alert says whether its page went out (package QA 7, finding 4: every unmuted alert was "paged"): its
    /// `hook:`'s last journalled outcome — a retry's after the failed attempt's, another hook's (clip_hook) not
    /// counted — or no hook configured; a replay's alerts (drills) are no incident.
    @Test func eachAlertSaysWhetherItsPageWentOut() throws {
        func outcome(_ id: String, _ section: String, _ o: HookOutcome, at s: Double) -> JournalReader.Entry {
            Self.entry([("MESSAGE_ID", EarshotMessageID.hookOutcome), ("EARSHOT_EVENT_ID", id), ("HOOK_SECTION", section), ("HOOK_OUTCOME", o.rawValue)], at: s)
        }
        let i = Incident(id: "a-1", start: Self.t0, events: 1, alerts: 1, last: Self.t0)
        var entries: [JournalReader.Entry] = []
        for (k, id) in ["a-1", "a-2", "a-3", "a-4"].enumerated() {
            entries.append(Self.entry(JournalAlertSink.fields(Self.event(id, at: Double(k), incident: i), priority: 2), at: Double(k)))
        }
        entries += [outcome("a-1", "hook", .failed, at: 1), outcome("a-1", "clip_hook", .delivered, at: 2),
                    outcome("a-2", "hook", .failed, at: 2), outcome("a-2", "hook", .retrying, at: 1), outcome("a-2", "hook", .delivered, at: 7)]
        entries.sort { $0.time < $1.time }
        var noHook = JournalAlertSink.fields(Self.event("a-5", at: 8, incident: i), priority: 2)
        noHook.append(("EARSHOT_HOOK", "none"))
        entries.append(Self.entry(noHook, at: 8))
        entries.append(Self.entry(JournalAlertSink.fields(Self.event("a-6", at: 9, incident: i, muted: true), priority: 2), at: 9))
        var replayed = Self.event("r-1", at: 10, incident: Incident(id: "r-1", start: Self.t0, events: 1, alerts: 1, last: Self.t0))
        replayed.markReplay(of: "/tmp/demo.flac")
        entries.append(Self.entry(JournalAlertSink.fields(replayed, priority: 2), at: 10))
        let r = IncidentLog.incidents(entries)
        #expect(r.map(\.id) == ["a-1"], "the replay is no incident")
        let pages = r.first?.events.map(\.page) ?? []
        #expect(pages == [.failed, .delivered, nil, nil, .noHook, nil], "a-1 failed (its clip hook's success is not the page), a-2 delivered on retry, a-3/a-4 no outcome yet, a-5 no hook, a-6 muted: \(pages)")
    }
}
