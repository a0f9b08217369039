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
        /// An alert's page: its hook's last outcome in the journal (HOOK_OUTCOME), `.noHook` when none was
        /// configured, nil when no outcome was journalled (still running, or before the span read). Not for a muted
        /// alert or a held-back event: no hook runs for them.
        public var page: Page? = nil
    }

    /// Whether an alert's page went out.
    public enum Page: String, Sendable, Equatable {
        case delivered, retrying, failed
        /// No `hook:` was configured (EARSHOT_HOOK=none): the alert is in the journal only.
        case noHook = "no_hook"
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
/// EARSHOT_INCIDENT_ID. Drills are left out: `earshot test-alert`'s carry no incident, and a replay's
/// (`earshotd --replay`: EARSHOT_TEST=1) are not the site's.
public enum IncidentLog {
    /// The MESSAGE_IDs the incidents are made of.
    public static let messageIDs = [EarshotMessageID.alert, EarshotMessageID.heardInCooldown, EarshotMessageID.incidentOver]
    /// The MESSAGE_IDs to read for `incidents`: theirs, and the hook outcomes that say whether each alert was paged.
    public static let readIDs = messageIDs + [EarshotMessageID.hookOutcome]

    /// Incidents in order of their first entry, from `entries` in journal order.
    public static func incidents(_ entries: [JournalReader.Entry]) -> [IncidentRecord] {
        var order: [String] = []
        var byID: [String: IncidentRecord] = [:]
        // each alert's last `hook:` outcome (a retry's follows the failed attempt's)
        var pages: [String: IncidentRecord.Page] = [:]
        for e in entries where e["MESSAGE_ID"] == EarshotMessageID.hookOutcome && e["HOOK_SECTION"] == "hook" {
            if let id = e["EARSHOT_EVENT_ID"], let o = e["HOOK_OUTCOME"].flatMap(IncidentRecord.Page.init(rawValue:)) { pages[id] = o }
        }
        for e in entries {
            guard let id = e["EARSHOT_INCIDENT_ID"], let mid = e["MESSAGE_ID"], messageIDs.contains(mid), e["EARSHOT_TEST"] != "1" else { continue }
            var r = byID[id] ?? IncidentRecord(id: id, start: e["EARSHOT_INCIDENT_START"] ?? "", device: e["EARSHOT_DEVICE"] ?? "",
                                              location: e["EARSHOT_LOCATION"] ?? "", events: [], eventCount: 0, alerts: 0, end: nil, stopped: false)
            if byID[id] == nil { order.append(id) }
            r.eventCount = max(r.eventCount, Int(e["EARSHOT_INCIDENT_EVENTS"] ?? "") ?? 0)
            if mid == EarshotMessageID.incidentOver {
                r.end = e["EARSHOT_INCIDENT_END"] ?? ""
                r.alerts = Int(e["EARSHOT_INCIDENT_ALERTS"] ?? "") ?? r.alerts
                r.stopped = e["EARSHOT_INCIDENT_STOPPED"] == "1"
            } else {
                let alert = mid == EarshotMessageID.alert, muted = e["EARSHOT_MUTED"] == "1", eventID = e["EARSHOT_EVENT_ID"] ?? ""
                let page = !alert || muted ? nil : e["EARSHOT_HOOK"] == "none" ? .noHook : pages[eventID]
                r.events.append(IncidentRecord.Event(kind: alert ? .alert : .heard, eventID: eventID, start: e["EARSHOT_START"] ?? "",
                                                     score: e["EARSHOT_SCORE"].flatMap(Double.init), clip: e["EARSHOT_CLIP"], muted: muted,
                                                     continues: e["EARSHOT_CONTINUES"], page: page))
                if alert && !r.over { r.alerts += 1 }   // the end notice's count replaces this one
            }
            byID[id] = r
        }
        return order.compactMap { byID[$0] }
    }
}
