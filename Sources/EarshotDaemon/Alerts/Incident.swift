import Foundation

/// Gunshot events close together in time — one shooting, as responders speak of it, however many shots and
/// however few of them were paged (the cooldown pages at most one event per `cooldown`; the events heard in
/// it are counted here). Every alert names its incident (EARSHOT_INCIDENT_*), and the journal says when one
/// is over and how many events it held.
public struct Incident: Sendable, Equatable {
    /// The event id of its first alert.
    public var id: String
    /// Wall-clock onset of its first event.
    public var start: Date
    /// Gunshot events heard so far: paged (or muted) alerts and events heard during a cooldown. One event is a
    /// shot, or shots less than `merge_gap` apart (a burst of automatic fire is one).
    public var events: Int
    /// Of those, alerts (journal and hook, or journal only while muted).
    public var alerts: Int
    /// Wall-clock time and stream seconds of the end of its latest event, as far as known.
    public var last: Date
    var lastStreamEnd: Double

    /// An incident as of its latest event (`lastStreamEnd`: that event's end in stream seconds, 0 for a drill).
    public init(id: String, start: Date, events: Int, alerts: Int, last: Date, lastStreamEnd: Double = 0) {
        self.id = id; self.start = start; self.events = events; self.alerts = alerts; self.last = last; self.lastStreamEnd = lastStreamEnd
    }

    /// RFC 3339 with milliseconds, UTC (EARSHOT_INCIDENT_START).
    public var startRFC3339: String { UTCStamp.rfc3339(start) }
}

/// Groups gunshot events into incidents, on the stream's clock (a step of the wall clock splits nothing).
/// An event belongs to the open incident when it begins no more than `gap` seconds after that incident's
/// latest event ended; `gap` is at least the cooldown, so events heard in a cooldown always join the incident
/// whose alert began it.
public struct IncidentTracker: Sendable {
    public var gap: Double
    public private(set) var current: Incident?

    public init(gap: Double) { self.gap = gap }

    /// An alert (`alert`: true) or an event heard during a cooldown, with its onset and end in stream seconds
    /// and its wall-clock onset; `id` names the incident if it begins one. `counts`: false for an alert that
    /// continues an event already counted while it was heard in the cooldown (`DetectionEvent.continuesHeard`).
    /// Returns the incident it belongs to, and the incident this one closed (its gap passed), if any.
    public mutating func heard(id: String, at start: Date, stream onset: Double, streamEnd: Double, alert: Bool, counts: Bool = true)
        -> (incident: Incident, closed: Incident?) {
        var closed: Incident?
        if let c = current, onset - c.lastStreamEnd > gap { closed = c; current = nil }
        let end = start.addingTimeInterval(max(0, streamEnd - onset))
        var i = current ?? Incident(id: id, start: start, events: 0, alerts: 0, last: end, lastStreamEnd: streamEnd)
        if counts || current == nil { i.events += 1 }
        if alert { i.alerts += 1 }
        if streamEnd >= i.lastStreamEnd { i.lastStreamEnd = streamEnd; i.last = end }
        current = i
        return (i, closed)
    }

    /// The open incident's latest event went on to `streamEnd` (an alert's event closed there).
    public mutating func extend(streamEnd: Double, at end: Date) {
        guard var i = current, streamEnd > i.lastStreamEnd else { return }
        i.lastStreamEnd = streamEnd
        i.last = end
        current = i
    }

    /// Closes and returns the open incident once `now` (stream seconds) is more than `gap` past its latest
    /// event; `force` closes it whatever the time (at shutdown).
    public mutating func close(now: Double, force: Bool = false) -> Incident? {
        guard let c = current, force || now - c.lastStreamEnd > gap else { return nil }
        current = nil
        return c
    }
}
