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
        fields(a, priority: priority, messageID: EarshotMessageID.alert,
               message: "\(a.drillPrefix)Gunshot detected \(a.heardWhere), score \(String(format: "%.2f", a.score))"
                   + a.incidentNote + (a.mute.map { " — MUTED \($0.summary): no hook run" } ?? ""))
    }

    /// An alert's fields under `messageID` with `message` (an alert's, or a held-back shot's).
    private static func fields(_ a: Alert, priority: Int, messageID: String, message: String) -> [(String, String)] {
        var f: [(String, String)] = [
            ("MESSAGE", message),
            ("MESSAGE_ID", messageID),
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
        if let i = a.incident {
            f += [("EARSHOT_INCIDENT_ID", i.id), ("EARSHOT_INCIDENT_START", i.startRFC3339), ("EARSHOT_INCIDENT_EVENTS", "\(i.events)")]
        }
        if let c = a.clipPath { f.append(("EARSHOT_CLIP", c)) }
        if let c = a.continues { f.append(("EARSHOT_CONTINUES", c)) }
        if let o = a.streamOffset { f.append(("EARSHOT_OFFSET", String(format: "%.3f", o))) }
        if a.test { f.append(("EARSHOT_TEST", "1")) }
        if let r = a.replay { f.append(("EARSHOT_REPLAY", r)) }
        if let m = a.mute {
            f += [("EARSHOT_MUTED", "1"), ("EARSHOT_MUTE_UNTIL", UTCStamp.rfc3339(m.until)), ("EARSHOT_MUTE_REASON", m.reason), ("EARSHOT_MUTE_BY", m.by)]
        }
        return f
    }

    /// A gunshot event heard during the cooldown after an alert (`a` describes it, with its own evidence clip; it
    /// pages nobody): the alert's fields under its own MESSAGE_ID and the alert's priority — a shooting going on
    /// is as urgent.
    public static func heardInCooldownFields(_ a: Alert, cooldown: Double, priority: Int) -> [(String, String)] {
        let held = " — not paged: one alert per cooldown (\(String(format: "%g", cooldown)) s)"
        return fields(a, priority: priority, messageID: EarshotMessageID.heardInCooldown,
                      message: "\(a.drillPrefix)Gunshot heard again \(a.heardWhere), score \(String(format: "%.2f", a.score))\(a.incidentNote)\(held)"
                          + (a.mute.map { " — MUTED \($0.summary)" } ?? ""))
    }

    /// An incident is over (`stopped`: earshotd stopped before `incident_gap` passed): a notice with its count.
    /// `replay`: the recording `earshotd --replay` played, whose incident this was (a drill: "[REPLAY]", EARSHOT_TEST).
    public static func incidentOverFields(_ i: Incident, device: String, location: String, stopped: Bool, replay: String? = nil) -> [(String, String)] {
        let heardWhere = Alert.heardWhere(device: device, location: location)
        let span = max(0, i.last.timeIntervalSince(i.start))
        let events = "\(i.events) gunshot event\(i.events == 1 ? "" : "s")"
        var f: [(String, String)] = [
            ("MESSAGE", "\(replay == nil ? "" : "[REPLAY] ")Gunshot incident \(stopped ? "ended by earshotd stopping" : "over") \(heardWhere): \(events) from \(UTCStamp.clock(i.start)) to "
                + "\(UTCStamp.clock(i.last)) UTC (\(String(format: "%.0f", span)) s), \(i.alerts) alerted"),
            ("MESSAGE_ID", EarshotMessageID.incidentOver),
            ("PRIORITY", "5"),
            ("SYSLOG_IDENTIFIER", "earshotd"),
            ("EARSHOT_INCIDENT_ID", i.id),
            ("EARSHOT_INCIDENT_START", i.startRFC3339),
            ("EARSHOT_INCIDENT_END", UTCStamp.rfc3339(i.last)),
            ("EARSHOT_INCIDENT_EVENTS", "\(i.events)"),
            ("EARSHOT_INCIDENT_ALERTS", "\(i.alerts)"),
            ("EARSHOT_DEVICE", device),
        ]
        if stopped { f.append(("EARSHOT_INCIDENT_STOPPED", "1")) }
        if let replay { f += [("EARSHOT_TEST", "1"), ("EARSHOT_REPLAY", replay)] }
        if !location.isEmpty { f.append(("EARSHOT_LOCATION", location)) }
        return f
    }

    /// The MESSAGE of an entry's `fields` ("" without one): what the incident hook is told of a step.
    public static func message(_ fields: [(String, String)]) -> String { fields.first { $0.0 == "MESSAGE" }?.1 ?? "" }

    public func send(_ alert: Alert) async { deliver(alert) }

    /// Synchronous delivery (a datagram to journald: microseconds), used from the detection loop.
    public func deliver(_ alert: Alert) { deliver(Self.fields(alert, priority: priority), kind: "ALERT") }

    /// Sends `f` to the journal (`sd_journal_sendv`), or to stderr as `earshotd: KIND FIELD=value …` without one.
    public func deliver(_ f: [(String, String)], kind: String) {
        do {
            guard Journal.isAvailable else { throw SystemdError(call: "sd_journal_sendv", code: -ENOENT) }
            try Journal.send(f)
        } catch {
            let line = f.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            FileHandle.standardError.write(Data("earshotd: \(kind) \(line) (journal unavailable: \(error))\n".utf8))
        }
    }
}
