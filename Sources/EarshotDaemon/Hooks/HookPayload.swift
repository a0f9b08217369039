import Foundation

/// What a hook receives for one alert (`hook:`), its written evidence clip (`clip_hook:`) or a health notice
/// (`health_hook:`, `heartbeat:`): the environment (EARSHOT_*)
/// and the same data as one JSON object on stdin. Values are passed as data, never through a shell, so nothing
/// in them is interpreted.
public struct HookPayload: Sendable, Equatable {
    public enum Content: Sendable, Equatable { case alert(Alert), health(HealthNotice) }
    public var content: Content
    public var host: String
    /// Which run this is, 1 for the first; a retry after a failed run counts up (EARSHOT_ATTEMPT).
    public var attempt = 1
    /// The alert's evidence clip is written and complete (`clip_hook:`; EARSHOT_CLIP_READY=1, "clip_ready").
    public var clipReady = false

    public init(alert: Alert, host: String, clipReady: Bool = false) { content = .alert(alert); self.host = host; self.clipReady = clipReady }
    public init(health: HealthNotice, host: String) { content = .health(health); self.host = host }

    /// What logs name the run by: the alert's event id, or "health: CONDITION problem|ok".
    public var logID: String {
        switch content {
        case let .alert(a): return a.eventID
        case let .health(h): return "health: \(h.condition) \(h.problem ? "problem" : "ok")"
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
        }
        return env + ["EARSHOT_HOST=\(host)", "EARSHOT_ATTEMPT=\(attempt)", "PATH=\(path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")"]
    }

    private struct AlertBody: Encodable {
        var event_id: String, score: Double, start: String, device: String, location: String, model: String
        var clip: String?, clip_ready: Bool, host: String, test: Bool
        var incident_id: String, incident_start: String, incident_events: Int
    }

    private struct HealthBody: Encodable {
        var health: String, problem: Bool, message: String, device: String, location: String, time: String, host: String, test: Bool
    }

    /// One JSON object and a newline, e.g. for an alert
    /// `{"clip":"/var/lib/earshot/clips/…wav","clip_ready":false,"device":"default","event_id":"…","host":"…","location":"North entrance","model":"…","score":0.97,"start":"2026-…Z","test":false}`
    /// and for a health notice `{"device":"hw:1","health":"device","host":"…","location":"","message":"…","problem":true,"test":false,"time":"2026-…Z"}`.
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
                                          incident_events: alert.incidentFields.events))
        case let .health(h):
            d = try? enc.encode(HealthBody(health: h.condition, problem: h.problem, message: h.message, device: h.device,
                                           location: h.location, time: h.timeRFC3339, host: host, test: h.test))
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
