import Foundation

/// One step of an incident for `incident_hook:` — a dashboard's or a building system's view of a shooting going
/// on: an alert (`alert`: a gunshot event paged, the first of an incident or one past a cooldown), a gunshot event
/// the cooldown held back (`heard`: journalled, paged to nobody) and the end (`over`: `incident_gap` seconds
/// without a gunshot event, or earshotd stopping). The hook gets every step of an incident it was told of, in
/// order (`seq`), so a script can keep "shooting in progress since …, N events" and clear it at `over`.
public struct IncidentUpdate: Sendable, Equatable {
    public enum Kind: String, Sendable { case alert, heard, over }
    public var kind: Kind
    /// The incident as of this step (its `events` count this event).
    public var incident: Incident
    /// The gunshot event (`alert`, `heard`; its evidence clip is `event.clipPath`, written later); nil at `over`.
    public var event: Alert?
    /// 1 for the incident's first step the hook is run for, counting up to its `over`
    /// (EARSHOT_INCIDENT_SEQ): runs that overlap or are retried may finish out of order; the highest wins.
    public var seq: Int
    /// `over` because earshotd stopped before `incident_gap` passed.
    public var stopped = false
    /// The journal entry's MESSAGE for this step.
    public var message: String
    public var device: String
    public var location: String
    /// A drill: `earshot test-alert`'s, or an incident of the recording `earshotd --replay` played (`replay`).
    public var test = false
    /// The recording `earshotd --replay` played, for its incidents (EARSHOT_REPLAY).
    public var replay: String?

    public init(kind: Kind, incident: Incident, event: Alert? = nil, seq: Int, stopped: Bool = false, message: String,
                device: String, location: String, test: Bool = false) {
        self.kind = kind; self.incident = incident; self.event = event; self.seq = seq; self.stopped = stopped
        self.message = message; self.device = device; self.location = location; self.test = test
    }

    /// RFC 3339 of the incident's end, at `over` ("" before: EARSHOT_INCIDENT_END).
    public var endRFC3339: String { kind == .over ? UTCStamp.rfc3339(incident.last) : "" }
}
