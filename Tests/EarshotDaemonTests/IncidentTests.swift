import EarshotDaemon
import Foundation
import Testing

/// Gunshot events grouped into incidents (`IncidentTracker`), and what the journal and hooks say of them
/// (delivery through a real journald is in DaemonIncidentTests).
@Suite struct IncidentTests {
    static let t0 = Date(timeIntervalSince1970: 1_764_000_000)
    static func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }
    static func fields(_ f: [(String, String)]) -> [String: String] { Dictionary(f.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a }) }

    @Test func eventsWithinTheGapAreOneIncidentCountedOnce() {
        var t = IncidentTracker(gap: 10)
        let a = t.heard(id: "a", at: Self.at(2), stream: 2, streamEnd: 3, alert: true)
        #expect(a.incident.id == "a" && a.incident.events == 1 && a.incident.alerts == 1 && a.closed == nil)
        let b = t.heard(id: "b", at: Self.at(4), stream: 4, streamEnd: 5, alert: false)     // heard in the cooldown
        #expect(b.incident.id == "a" && b.incident.events == 2 && b.incident.alerts == 1)
        // an alert that goes on with the sound heard in the cooldown (`continuesHeard`) is not counted again
        let c = t.heard(id: "c", at: Self.at(8), stream: 8, streamEnd: 9, alert: true, counts: false)
        #expect(c.incident.id == "a" && c.incident.events == 2 && c.incident.alerts == 2 && c.incident.start == Self.at(2))
        t.extend(streamEnd: 12, at: Self.at(12))              // its event closed later
        #expect(t.close(now: 22) == nil, "10 s after the last event's end: still open")
        // 10.5 s after: a new event begins a new incident and closes the old one
        let d = t.heard(id: "d", at: Self.at(22.5), stream: 22.5, streamEnd: 23.5, alert: true)
        #expect(d.closed?.id == "a" && d.closed?.events == 2 && d.closed?.last == Self.at(12), "\(String(describing: d.closed))")
        #expect(d.incident.id == "d" && d.incident.events == 1)
        #expect(t.close(now: 33.4) == nil && t.close(now: 33.6)?.id == "d" && t.current == nil)
        #expect(t.close(now: 100) == nil, "closed once")
        _ = t.heard(id: "e", at: Self.at(200), stream: 200, streamEnd: 201, alert: true)
        #expect(t.close(now: 0, force: true)?.id == "e", "at shutdown the open incident closes whatever the time")
    }

    @Test func theGapIsAtLeastTheCooldown() throws {
        let c = try DaemonConfig.parse("cooldown: 30\nincident_gap: 5\n", source: "t.yaml")
        #expect(c.incidentGap == 5 && c.incidentGapInEffect == 30)
        #expect(DaemonConfig().incidentGapInEffect == 60)
        #expect(throws: ConfigError.self) { try DaemonConfig.parse("incident_gap: 0\n", source: "t.yaml") }
        do { _ = try DaemonConfig.parse("incident_gap: 0\n", source: "t.yaml") } catch let e as ConfigError {
            #expect(e.description.contains("incident_gap") && e.description.contains("1"), "\(e)")
        }
    }

    @Test func alertsNameTheirIncidentAndSayWhichEventTheyAre() throws {
        var t = IncidentTracker(gap: 60)
        var first = Alert(eventID: "ev-1", score: 0.99, start: Self.at(0), device: "hw:1", location: "Gate 3", model: "m")
        first.incident = t.heard(id: "ev-1", at: Self.at(0), stream: 0, streamEnd: 1, alert: true).incident
        let f1 = Self.fields(JournalAlertSink.fields(first, priority: 2))
        #expect(f1["MESSAGE"] == "Gunshot detected at Gate 3 (hw:1), score 0.99", "the first event says nothing more")
        #expect(f1["EARSHOT_INCIDENT_ID"] == "ev-1" && f1["EARSHOT_INCIDENT_EVENTS"] == "1" && f1["EARSHOT_INCIDENT_START"] == "2025-11-24T16:00:00.000Z")

        var heard = Alert(eventID: "ev-2", score: 0.97, start: Self.at(3), device: "hw:1", location: "Gate 3", model: "m", streamOffset: 3)
        heard.incident = t.heard(id: "ev-2", at: Self.at(3), stream: 3, streamEnd: 4, alert: false).incident
        let h = Self.fields(JournalAlertSink.heardInCooldownFields(heard, cooldown: 10, priority: 2))
        #expect(h["MESSAGE"] == "Gunshot heard again at Gate 3 (hw:1), score 0.97 — gunshot event 2 of an incident since 16:00:00 UTC — not paged: one alert per cooldown (10 s)", "\(h["MESSAGE"] ?? "")")
        #expect(h["MESSAGE_ID"] == EarshotMessageID.heardInCooldown && h["MESSAGE_ID"] != EarshotMessageID.alert)
        #expect(h["PRIORITY"] == "2" && h["EARSHOT_INCIDENT_ID"] == "ev-1" && h["EARSHOT_INCIDENT_EVENTS"] == "2" && h["EARSHOT_OFFSET"] == "3.000")
        #expect(JournalAlertSink.heardInCooldownFields(heard, cooldown: 10, priority: 2).filter { $0.0 == "MESSAGE" }.count == 1)
        #expect(h["EARSHOT_CLIP"] == nil)
        heard.clipPath = "/var/lib/earshot/clips/ev-2.wav"
        #expect(Self.fields(JournalAlertSink.heardInCooldownFields(heard, cooldown: 10, priority: 2))["EARSHOT_CLIP"] == "/var/lib/earshot/clips/ev-2.wav", "its own evidence clip")

        var next = Alert(eventID: "ev-3", score: 0.98, start: Self.at(12), device: "hw:1", location: "Gate 3", model: "m")
        next.incident = t.heard(id: "ev-3", at: Self.at(12), stream: 12, streamEnd: 13, alert: true).incident
        let f3 = Self.fields(JournalAlertSink.fields(next, priority: 2))
        #expect(f3["MESSAGE"] == "Gunshot detected at Gate 3 (hw:1), score 0.98 — gunshot event 3 of an incident since 16:00:00 UTC", "\(f3["MESSAGE"] ?? "")")
        #expect(f3["EARSHOT_INCIDENT_ID"] == "ev-1" && f3["EARSHOT_INCIDENT_EVENTS"] == "3")

        // hooks: the incident in the environment and on stdin; a drill is an incident of its own
        let env = HookPayload(alert: next, host: "h").environment()
        #expect(env.contains("EARSHOT_INCIDENT_ID=ev-1") && env.contains("EARSHOT_INCIDENT_EVENTS=3") && env.contains("EARSHOT_INCIDENT_START=2025-11-24T16:00:00.000Z"))
        let json = try #require(JSONSerialization.jsonObject(with: HookPayload(alert: next, host: "h").json()) as? [String: Any])
        #expect(json["incident_id"] as? String == "ev-1" && json["incident_events"] as? Int == 3 && json["incident_start"] as? String == "2025-11-24T16:00:00.000Z")
        let drill = HookPayload(alert: Alert(eventID: "drill", score: 1, start: Self.at(5), device: "d", model: "m", test: true), host: "h").environment()
        #expect(drill.contains("EARSHOT_INCIDENT_ID=drill") && drill.contains("EARSHOT_INCIDENT_EVENTS=1"))

        t.extend(streamEnd: 14.5, at: Self.at(14.5))
        let closed = t.close(now: 80)
        let over = try #require(closed)
        let o = Self.fields(JournalAlertSink.incidentOverFields(over, device: "hw:1", location: "Gate 3", stopped: false))
        #expect(o["MESSAGE"] == "Gunshot incident over at Gate 3 (hw:1): 3 gunshot events from 16:00:00 to 16:00:14 UTC (14 s), 2 alerted", "\(o["MESSAGE"] ?? "")")
        #expect(o["MESSAGE_ID"] == EarshotMessageID.incidentOver && o["PRIORITY"] == "5")
        #expect(o["EARSHOT_INCIDENT_ID"] == "ev-1" && o["EARSHOT_INCIDENT_EVENTS"] == "3" && o["EARSHOT_INCIDENT_ALERTS"] == "2"
                && o["EARSHOT_INCIDENT_END"] == "2025-11-24T16:00:14.500Z" && o["EARSHOT_INCIDENT_STOPPED"] == nil)
        let stopped = Self.fields(JournalAlertSink.incidentOverFields(over, device: "hw:1", location: "", stopped: true))
        #expect(stopped["MESSAGE"]?.hasPrefix("Gunshot incident ended by earshotd stopping on hw:1: 3 gunshot events") == true && stopped["EARSHOT_LOCATION"] == nil)
        #expect(stopped["EARSHOT_INCIDENT_STOPPED"] == "1", "earshot incidents tells the two ends apart by it")
    }
}
