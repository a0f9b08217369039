import Foundation

/// What a hook receives for one alert (`hook:`), its written evidence clip (`clip_hook:`), a health notice
/// (`health_hook:`, `heartbeat:`) or a step of an incident (`incident_hook:`): the environment (EARSHOT_*)
/// and the same data as one JSON object on stdin. Values are passed as data, never through a shell, so nothing
/// in them is interpreted.
public struct HookPayload: Sendable, Equatable {
    public enum Content: Sendable, Equatable { case alert(Alert), health(HealthNotice), incident(IncidentUpdate) }
    public var content: Content
    public var host: String
    /// Which run this is, 1 for the first; a retry after a failed run counts up (EARSHOT_ATTEMPT).
    public var attempt = 1
    /// The alert's evidence clip is written and complete (`clip_hook:`; EARSHOT_CLIP_READY=1, "clip_ready").
    public var clipReady = false

    public init(alert: Alert, host: String, clipReady: Bool = false) { content = .alert(alert); self.host = host; self.clipReady = clipReady }
    public init(health: HealthNotice, host: String) { content = .health(health); self.host = host }
    public init(incident: IncidentUpdate, host: String) { content = .incident(incident); self.host = host }

    /// What logs name the run by: the alert's event id, "health: CONDITION problem|ok" or "incident ID: UPDATE SEQ".
    public var logID: String {
        switch content {
        case let .alert(a): return a.eventID
        case let .health(h): return "health: \(h.condition) \(h.problem ? "problem" : "ok")"
        case let .incident(u): return "incident \(u.incident.id): \(u.kind.rawValue) \(u.seq)"
        }
    }

    /// Whether `later` makes this run's news stale, for a section whose runs are states (`HookSettings.inOrder`): the
    /// same microphone or device condition told again (a drill's apart), or a later step of the same incident — never
    /// its `over`, the step a dashboard must end on. A full queue there drops the oldest run superseded this way
    /// rather than the newest (`HookRunner`), so a receiver back after an outage ends on the latest state.
    public func isSuperseded(by later: HookPayload) -> Bool {
        switch (content, later.content) {
        case let (.health(a), .health(b)): return a.condition == b.condition && a.test == b.test
        case let (.incident(a), .incident(b)): return a.kind != .over && a.incident.id == b.incident.id
        default: return false
        }
    }

    /// The hook's whole environment: EARSHOT_* plus PATH (the daemon's, or a standard one).
    public func environment(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> [String] {
        var env: [String]
        switch content {
        case let .alert(alert):
            env = [
                "EARSHOT_EVENT_ID=\(alert.eventID)",
                "EARSHOT_SCORE=\(String(format: "%.3f", alert.score))",
                "EARSHOT_START=\(alert.startRFC3339)",
                "EARSHOT_DEVICE=\(alert.device)",
                "EARSHOT_LOCATION=\(alert.location)",
                "EARSHOT_MODEL=\(alert.model)",
                "EARSHOT_CLIP=\(alert.clipPath ?? "")",
                "EARSHOT_CLIP_READY=\(clipReady ? "1" : "0")",
                "EARSHOT_TEST=\(alert.test ? "1" : "0")",
                "EARSHOT_INCIDENT_ID=\(alert.incidentFields.id)",
                "EARSHOT_INCIDENT_START=\(alert.incidentFields.start)",
                "EARSHOT_INCIDENT_EVENTS=\(alert.incidentFields.events)",
                "EARSHOT_CONTINUES=\(alert.continues ?? "")",
                "EARSHOT_REPLAY=\(alert.replay ?? "")",
            ]
        case let .health(h):
            env = [
                "EARSHOT_HEALTH=\(h.condition)",
                "EARSHOT_PROBLEM=\(h.problem ? "1" : "0")",
                "EARSHOT_MESSAGE=\(h.message)",
                "EARSHOT_DEVICE=\(h.device)",
                "EARSHOT_LOCATION=\(h.location)",
                "EARSHOT_TIME=\(h.timeRFC3339)",
                "EARSHOT_TEST=\(h.test ? "1" : "0")",
            ]
        case let .incident(u):
            let e = u.event
            env = [
                "EARSHOT_INCIDENT_UPDATE=\(u.kind.rawValue)",
                "EARSHOT_INCIDENT_SEQ=\(u.seq)",
                "EARSHOT_INCIDENT_ID=\(u.incident.id)",
                "EARSHOT_INCIDENT_START=\(u.incident.startRFC3339)",
                "EARSHOT_INCIDENT_END=\(u.endRFC3339)",
                "EARSHOT_INCIDENT_EVENTS=\(u.incident.events)",
                "EARSHOT_INCIDENT_ALERTS=\(u.incident.alerts)",
                "EARSHOT_INCIDENT_STOPPED=\(u.stopped ? "1" : "0")",
                "EARSHOT_MESSAGE=\(u.message)",
                "EARSHOT_EVENT_ID=\(e?.eventID ?? "")",
                "EARSHOT_SCORE=\(e.map { String(format: "%.3f", $0.score) } ?? "")",
                "EARSHOT_START=\(e?.startRFC3339 ?? "")",
                "EARSHOT_CLIP=\(e?.clipPath ?? "")",
                "EARSHOT_CONTINUES=\(e?.continues ?? "")",
                "EARSHOT_MODEL=\(e?.model ?? "")",
                "EARSHOT_DEVICE=\(u.device)",
                "EARSHOT_LOCATION=\(u.location)",
                "EARSHOT_TEST=\(u.test ? "1" : "0")",
                "EARSHOT_REPLAY=\(u.replay ?? "")",
            ]
        }
        return env + ["EARSHOT_HOST=\(host)", "EARSHOT_ATTEMPT=\(attempt)", "PATH=\(path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")"]
    }

    private struct AlertBody: Encodable {
        var event_id: String, score: Double, start: String, device: String, location: String, model: String
        var clip: String?, clip_ready: Bool, host: String, test: Bool
        var incident_id: String, incident_start: String, incident_events: Int
        var continues: String?
        var replay: String?
    }

    private struct IncidentBody: Encodable {
        var update: String, seq: Int, incident_id: String, incident_start: String, incident_end: String?
        var incident_events: Int, incident_alerts: Int, stopped: Bool, message: String
        var event_id: String?, score: Double?, start: String?, clip: String?, model: String?, continues: String?
        var device: String, location: String, host: String, test: Bool
        var replay: String?
    }

    private struct HealthBody: Encodable {
        var health: String, problem: Bool, message: String, device: String, location: String, time: String, host: String, test: Bool
    }

    /// One JSON object and a newline, e.g. for an alert
    /// `{"clip":"/var/lib/earshot/clips/…wav","clip_ready":false,"device":"default","event_id":"…","host":"…","location":"North entrance","model":"…","score":0.97,"start":"2026-…Z","test":false}`
    /// and for a health notice `{"device":"hw:1","health":"device","host":"…","location":"","message":"…","problem":true,"test":false,"time":"2026-…Z"}`;
    /// for an incident's step `{"update":"heard","seq":2,"incident_id":"…","incident_events":2,"event_id":"…",…}`
    /// (the event's keys absent at `over`, `incident_end` absent before it).
    public func json() -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var d: Data?
        switch content {
        case let .alert(alert):
            d = try? enc.encode(AlertBody(event_id: alert.eventID, score: (Double(alert.score) * 1000).rounded() / 1000,
                                          start: alert.startRFC3339, device: alert.device, location: alert.location, model: alert.model,
                                          clip: alert.clipPath, clip_ready: clipReady, host: host, test: alert.test,
                                          incident_id: alert.incidentFields.id, incident_start: alert.incidentFields.start,
                                          incident_events: alert.incidentFields.events, continues: alert.continues, replay: alert.replay))
        case let .health(h):
            d = try? enc.encode(HealthBody(health: h.condition, problem: h.problem, message: h.message, device: h.device,
                                           location: h.location, time: h.timeRFC3339, host: host, test: h.test))
        case let .incident(u):
            let e = u.event
            d = try? enc.encode(IncidentBody(update: u.kind.rawValue, seq: u.seq, incident_id: u.incident.id, incident_start: u.incident.startRFC3339,
                                             incident_end: u.kind == .over ? u.endRFC3339 : nil, incident_events: u.incident.events,
                                             incident_alerts: u.incident.alerts, stopped: u.stopped, message: u.message,
                                             event_id: e?.eventID, score: e.map { (Double($0.score) * 1000).rounded() / 1000 },
                                             start: e?.startRFC3339, clip: e?.clipPath, model: e?.model, continues: e?.continues,
                                             device: u.device, location: u.location, host: host, test: u.test, replay: u.replay))
        }
        var out = d ?? Data("{}".utf8)
        out.append(0x0A)
        return out
    }

    /// This machine's host name (`gethostname`).
    public static var hostName: String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(cString: buf)
    }
}
