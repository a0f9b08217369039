import Foundation

/// What a hook receives for one alert: the environment (EARSHOT_*) and the same data as one JSON object on
/// stdin. Values are passed as data, never through a shell, so nothing in them is interpreted.
public struct HookPayload: Sendable, Equatable {
    public var alert: Alert
    public var host: String

    public init(alert: Alert, host: String) { self.alert = alert; self.host = host }

    /// Score as written everywhere (3 decimals).
    public var scoreText: String { String(format: "%.3f", alert.score) }

    /// The hook's whole environment: EARSHOT_* plus PATH (the daemon's, or a standard one).
    public func environment(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> [String] {
        [
            "EARSHOT_EVENT_ID=\(alert.eventID)",
            "EARSHOT_SCORE=\(scoreText)",
            "EARSHOT_START=\(alert.startRFC3339)",
            "EARSHOT_DEVICE=\(alert.device)",
            "EARSHOT_MODEL=\(alert.model)",
            "EARSHOT_CLIP=\(alert.clipPath ?? "")",
            "EARSHOT_HOST=\(host)",
            "EARSHOT_TEST=\(alert.test ? "1" : "0")",
            "PATH=\(path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")",
        ]
    }

    private struct JSONBody: Encodable {
        var event_id: String, score: Double, start: String, device: String, model: String
        var clip: String?, host: String, test: Bool
    }

    /// One JSON object and a newline, e.g.
    /// `{"clip":"/var/lib/earshot/clips/…wav","device":"default","event_id":"…","host":"…","model":"…","score":0.97,"start":"2026-…Z","test":false}`
    public func json() -> Data {
        let body = JSONBody(event_id: alert.eventID, score: (Double(alert.score) * 1000).rounded() / 1000,
                            start: alert.startRFC3339, device: alert.device, model: alert.model,
                            clip: alert.clipPath, host: host, test: alert.test)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var d = (try? enc.encode(body)) ?? Data("{}".utf8)
        d.append(0x0A)
        return d
    }

    /// This machine's host name (`gethostname`).
    public static var hostName: String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(cString: buf)
    }
}
