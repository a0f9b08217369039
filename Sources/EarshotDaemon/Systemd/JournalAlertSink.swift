import Foundation
import Logging

/// Writes each alert as one structured journal entry with the fixed alert MESSAGE_ID. When no journal is
/// reachable (run by hand, not under systemd), the alert goes to stderr in the same `FIELD=value` form,
/// so it is never lost.
public struct JournalAlertSink: AlertSink {
    public let name = "journal"
    public var priority: Int
    public init(priority: Int = 2) { self.priority = priority }

    public static func fields(_ a: Alert, priority: Int) -> [(String, String)] {
        var f: [(String, String)] = [
            ("MESSAGE", "\(a.test ? "[TEST] " : "")Gunshot detected \(a.heardWhere), score \(String(format: "%.2f", a.score))"
                + (a.mute.map { " — MUTED \($0.summary): no hook run" } ?? "")),
            ("MESSAGE_ID", EarshotMessageID.alert),
            // a drill is a notice; a muted alert a warning (it pages nobody, but stands out when read)
            ("PRIORITY", String(a.test ? max(priority, 5) : a.mute != nil ? max(priority, 4) : priority)),
            ("SYSLOG_IDENTIFIER", "earshotd"),
            ("EARSHOT_EVENT_ID", a.eventID),
            ("EARSHOT_SCORE", String(format: "%.4f", a.score)),
            ("EARSHOT_START", a.startRFC3339),
            ("EARSHOT_DEVICE", a.device),
            ("EARSHOT_MODEL", a.model),
        ]
        if !a.location.isEmpty { f.append(("EARSHOT_LOCATION", a.location)) }
        if let c = a.clipPath { f.append(("EARSHOT_CLIP", c)) }
        if let o = a.streamOffset { f.append(("EARSHOT_OFFSET", String(format: "%.3f", o))) }
        if a.test { f.append(("EARSHOT_TEST", "1")) }
        if let m = a.mute {
            f += [("EARSHOT_MUTED", "1"), ("EARSHOT_MUTE_UNTIL", UTCStamp.rfc3339(m.until)), ("EARSHOT_MUTE_REASON", m.reason), ("EARSHOT_MUTE_BY", m.by)]
        }
        return f
    }

    public func send(_ alert: Alert) async { deliver(alert) }

    /// Synchronous delivery (a datagram to journald: microseconds), used from the detection loop.
    public func deliver(_ alert: Alert) {
        let f = Self.fields(alert, priority: priority)
        do {
            guard Journal.isAvailable else { throw SystemdError(call: "sd_journal_sendv", code: -ENOENT) }
            try Journal.send(f)
        } catch {
            let line = f.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            FileHandle.standardError.write(Data("earshotd: ALERT \(line) (journal unavailable: \(error))\n".utf8))
        }
    }
}
