import Foundation
import Testing
@testable import EarshotDaemon

/// `incident_hook:`: what it is given for each step of an incident (environment and JSON), that its steps run
/// in order by default, and its config section. The daemon's side is in DaemonIncidentTests and DaemonMuteTests.
@Suite("incident_hook: the steps of an incident", .serialized)
struct IncidentHookTests {
    static let start = Date(timeIntervalSince1970: 1_764_059_000.125)
    static let incident = Incident(id: "inc-1", start: start, events: 3, alerts: 1, last: start.addingTimeInterval(4.5))

    static func step(_ kind: IncidentUpdate.Kind, seq: Int, stopped: Bool = false) -> IncidentUpdate {
        var event = HookFixture.alert("ev-\(seq)", location: "Gate 3", clip: "/var/lib/earshot/clips/ev-\(seq).wav")
        event.incident = incident
        return IncidentUpdate(kind: kind, incident: incident, event: kind == .over ? nil : event, seq: seq, stopped: stopped,
                              message: "message \(seq)", device: "hw:1", location: "Gate 3")
    }

    static func env(_ u: IncidentUpdate) -> [String: String] {
        var d: [String: String] = [:]
        for line in HookPayload(incident: u, host: "venue-box").environment() {
            let kv = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            d[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        return d
    }

    static func json(_ u: IncidentUpdate) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: HookPayload(incident: u, host: "venue-box").json()) as? [String: Any])
    }

    @Test("a held-back shot's step: the incident so far and the event, in the environment and as JSON")
    func heardStep() throws {
        let e = Self.env(Self.step(.heard, seq: 3))
        let want = [
            "EARSHOT_INCIDENT_UPDATE": "heard", "EARSHOT_INCIDENT_SEQ": "3", "EARSHOT_INCIDENT_ID": "inc-1",
            "EARSHOT_INCIDENT_START": "2025-11-25T08:23:20.125Z", "EARSHOT_INCIDENT_END": "", "EARSHOT_INCIDENT_EVENTS": "3",
            "EARSHOT_INCIDENT_ALERTS": "1", "EARSHOT_INCIDENT_STOPPED": "0", "EARSHOT_MESSAGE": "message 3", "EARSHOT_EVENT_ID": "ev-3",
            "EARSHOT_SCORE": "0.973", "EARSHOT_START": "2025-11-25T08:23:20.125Z", "EARSHOT_CLIP": "/var/lib/earshot/clips/ev-3.wav",
            "EARSHOT_MODEL": "earshot-default.safetensors", "EARSHOT_DEVICE": "hw:1", "EARSHOT_LOCATION": "Gate 3", "EARSHOT_TEST": "0",
            "EARSHOT_HOST": "venue-box", "EARSHOT_ATTEMPT": "1",
        ]
        for (k, v) in want { #expect(e[k] == v, "\(k): \(e[k] ?? "absent")") }
        #expect(e["EARSHOT_HEALTH"] == nil && e["EARSHOT_CLIP_READY"] == nil, "no other hook's keys")

        let j = try Self.json(Self.step(.heard, seq: 3))
        #expect(j["update"] as? String == "heard" && j["seq"] as? Int == 3 && j["incident_id"] as? String == "inc-1")
        #expect(j["incident_events"] as? Int == 3 && j["incident_alerts"] as? Int == 1 && j["stopped"] as? Bool == false)
        #expect(j["event_id"] as? String == "ev-3" && abs((j["score"] as? Double ?? 0) - 0.973) < 1e-9 && j["clip"] as? String == "/var/lib/earshot/clips/ev-3.wav")
        #expect(j["incident_end"] == nil, "no end before the incident is over: \(j)")
        #expect(j["host"] as? String == "venue-box" && j["location"] as? String == "Gate 3" && j["message"] as? String == "message 3")
    }

    @Test("the last step: the incident's end, its counts and whether earshotd stopping ended it; no event")
    func overStep() throws {
        for stopped in [false, true] {
            let e = Self.env(Self.step(.over, seq: 4, stopped: stopped))
            #expect(e["EARSHOT_INCIDENT_UPDATE"] == "over" && e["EARSHOT_INCIDENT_SEQ"] == "4")
            #expect(e["EARSHOT_INCIDENT_END"] == "2025-11-25T08:23:24.625Z", "\(e["EARSHOT_INCIDENT_END"] ?? "")")
            #expect(e["EARSHOT_INCIDENT_STOPPED"] == (stopped ? "1" : "0"))
            #expect(e["EARSHOT_EVENT_ID"] == "" && e["EARSHOT_SCORE"] == "" && e["EARSHOT_CLIP"] == "", "no event at the end")
            let j = try Self.json(Self.step(.over, seq: 4, stopped: stopped))
            #expect(j["incident_end"] as? String == "2025-11-25T08:23:24.625Z" && j["stopped"] as? Bool == stopped)
            #expect(j["event_id"] == nil && j["score"] == nil && j["clip"] == nil, "\(j)")
        }
        #expect(HookPayload(incident: Self.step(.over, seq: 4), host: "h").logID == "incident inc-1: over 4")
    }

    /// The default runs one step at a time, so a slow first run (1.5 s: room for a loaded machine to start the
    /// others) cannot let the second overtake it; with runs at
    /// once (max_concurrent 4) it does, and EARSHOT_INCIDENT_SEQ is how a script tells.
    @Test("steps run in order by default: a slow step is not overtaken")
    func stepsRunInOrder() throws {
        let dir = TestPaths.tempDir("incident-hook-order")
        let out = dir.appendingPathComponent("steps")
        let hook = try HookFixture.script(dir, "incident.sh", """
            [ "$EARSHOT_INCIDENT_SEQ" = 1 ] && sleep 1.5
            echo "$EARSHOT_INCIDENT_UPDATE $EARSHOT_INCIDENT_SEQ" >> '\(out.path)'
            """)
        func run(_ settings: HookSettings) throws -> [String] {
            try? FileManager.default.removeItem(at: out)
            let runner = HookRunner(settings: settings, logger: LogCapture().logger)
            for (k, seq) in [(IncidentUpdate.Kind.alert, 1), (.heard, 2), (.over, 3)] { #expect(runner.submit(incident: Self.step(k, seq: seq))) }
            #expect(runner.waitIdle(timeout: 20))
            return ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        var settings = DaemonConfig().incidentHook
        #expect(settings.maxConcurrent == 1 && settings.section == "incident_hook")
        settings.path = hook
        #expect(try run(settings) == ["alert 1", "heard 2", "over 3"])
        settings.maxConcurrent = 4
        let atOnce = try run(settings)
        #expect(atOnce.last == "alert 1" && atOnce.count == 3, "at once, the slow first step finishes last: \(atOnce)")
    }

    @Test("incident_hook: is read like hook:, and a bad key names itself")
    func config() throws {
        let c = try DaemonConfig.parse("incident_hook:\n  path: /etc/earshot/hooks/mqtt.sh\n  retries: 1\n", source: "t.yaml")
        #expect(c.incidentHook.path == "/etc/earshot/hooks/mqtt.sh" && c.incidentHook.retries == 1 && c.incidentHook.maxConcurrent == 1)
        #expect(c.hook.path == nil, "the alert hook is its own")
        #expect(throws: ConfigError.self) { try DaemonConfig.parse("incident_hook:\n  path: hooks/mqtt.sh\n", source: "t.yaml") }
        do {
            _ = try DaemonConfig.parse("incident_hook:\n  pathh: /x\n", source: "t.yaml")
            Issue.record("an unknown key is refused")
        } catch {
            #expect("\(error)".contains("incident_hook") && "\(error)".contains("pathh"), "\(error)")
        }
    }
}
