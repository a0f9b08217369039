import Foundation

/// One gunshot incident as earshotd's journal entries tell it afterwards (`earshot incidents`): its alerts and
/// the events the cooldown held back, each with its evidence clip, and its end when the journal has the notice.
public struct IncidentRecord: Sendable, Equatable {
    public struct Event: Sendable, Equatable {
        /// `.alert` (paged, or journal only while muted) or `.heard` (held back by the cooldown: paged to nobody).
        public var kind: IncidentUpdate.Kind
        public var eventID: String
        /// RFC 3339 of the event's onset (EARSHOT_START).
        public var start: String
        public var score: Double?
        public var clip: String?
        /// Heard while paging was muted (`earshot mute`).
        public var muted: Bool
        /// The heard event this alert continues (EARSHOT_CONTINUES): one gunshot event, listed twice.
        public var continues: String? = nil
    }

    public var id: String
    /// RFC 3339 of its first event (EARSHOT_INCIDENT_START).
    public var start: String
    public var device: String
    public var location: String
    /// Its events found in the journal, oldest first (fewer than `eventCount` when the span read began later).
    public var events: [Event]
    /// Gunshot events it held (EARSHOT_INCIDENT_EVENTS of its latest entry).
    public var eventCount: Int
    /// Of them, alerts (the end notice's count; else the alerts found).
    public var alerts: Int
    /// RFC 3339 of its last event's end, from the end notice; nil while none is in the journal (going on, or
    /// earshotd was killed before it could say so).
    public var end: String?
    /// Its end notice says earshotd stopping ended it (EARSHOT_INCIDENT_STOPPED=1).
    public var stopped: Bool

    public var over: Bool { end != nil }
}

/// Groups earshotd's journal entries (alerts, held-back events, end notices) into incidents by
/// EARSHOT_INCIDENT_ID. Drills (`earshot test-alert`) carry no incident and are left out.
public enum IncidentLog {
    /// The MESSAGE_IDs the incidents are made of.
    public static let messageIDs = [EarshotMessageID.alert, EarshotMessageID.heardInCooldown, EarshotMessageID.incidentOver]

    /// Incidents in order of their first entry, from `entries` in journal order.
    public static func incidents(_ entries: [JournalReader.Entry]) -> [IncidentRecord] {
        var order: [String] = []
        var byID: [String: IncidentRecord] = [:]
        for e in entries {
            guard let id = e["EARSHOT_INCIDENT_ID"], let mid = e["MESSAGE_ID"], messageIDs.contains(mid) else { continue }
            var r = byID[id] ?? IncidentRecord(id: id, start: e["EARSHOT_INCIDENT_START"] ?? "", device: e["EARSHOT_DEVICE"] ?? "",
                                              location: e["EARSHOT_LOCATION"] ?? "", events: [], eventCount: 0, alerts: 0, end: nil, stopped: false)
            if byID[id] == nil { order.append(id) }
            r.eventCount = max(r.eventCount, Int(e["EARSHOT_INCIDENT_EVENTS"] ?? "") ?? 0)
            if mid == EarshotMessageID.incidentOver {
                r.end = e["EARSHOT_INCIDENT_END"] ?? ""
                r.alerts = Int(e["EARSHOT_INCIDENT_ALERTS"] ?? "") ?? r.alerts
                r.stopped = e["EARSHOT_INCIDENT_STOPPED"] == "1"
            } else {
                let alert = mid == EarshotMessageID.alert
                r.events.append(IncidentRecord.Event(kind: alert ? .alert : .heard, eventID: e["EARSHOT_EVENT_ID"] ?? "", start: e["EARSHOT_START"] ?? "",
                                                     score: e["EARSHOT_SCORE"].flatMap(Double.init), clip: e["EARSHOT_CLIP"], muted: e["EARSHOT_MUTED"] == "1",
                                                     continues: e["EARSHOT_CONTINUES"]))
                if alert && !r.over { r.alerts += 1 }   // the end notice's count replaces this one
            }
            byID[id] = r
        }
        return order.compactMap { byID[$0] }
    }
}
