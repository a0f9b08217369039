import Foundation

/// One gunshot alert as every sink sees it (journal, hook, evidence clip, metrics).
public struct Alert: Sendable, Equatable {
    /// Unique id of the event (also the evidence clip's name and EARSHOT_EVENT_ID).
    public var eventID: String
    /// Peak model score so far, 0…1.
    public var score: Float
    /// Wall-clock time of the event's first window above threshold.
    public var start: Date
    /// ALSA PCM name the audio came from (or the file for `earshot test-alert`).
    public var device: String
    /// Where the microphone is, in the operator's words (`location:`; EARSHOT_LOCATION), "" when not set.
    public var location: String
    /// Model file name (and version) that made the decision.
    public var model: String
    /// Path of the evidence clip once written, nil until then or if it could not be written.
    public var clipPath: String?
    /// True for `earshot test-alert`: every sink marks it so operators can tell drills from incidents.
    public var test: Bool
    /// Seconds from the start of the capture stream to the event's onset (EARSHOT_OFFSET), when known.
    public var streamOffset: Double?
    /// The mute in force when it was heard (`earshot mute`): journal only, no hook. nil: paged as usual.
    public var mute: Mute?
    /// The incident it belongs to, as of this alert (its `events` count this one); nil for a drill, whose
    /// hooks get the alert itself as a one-event incident.
    public var incident: Incident?
    /// The event id of the gunshot event heard during the cooldown that this alert's sound continues (EARSHOT_CONTINUES):
    /// it was still going on when the cooldown ended, so it pages now, and it is counted once in its incident.
    /// nil for an alert of a sound of its own.
    public var continues: String?
    /// The recording `earshotd --replay` played, for an alert heard in it: a drill (`test` is true too), whose
    /// journal entry says "[REPLAY]" and carries EARSHOT_REPLAY, and whose hooks get EARSHOT_REPLAY.
    public var replay: String?

    public init(eventID: String, score: Float, start: Date, device: String, location: String = "", model: String, clipPath: String? = nil,
                test: Bool = false, streamOffset: Double? = nil) {
        self.eventID = eventID; self.score = score; self.start = start; self.device = device; self.location = location
        self.model = model; self.clipPath = clipPath; self.test = test; self.streamOffset = streamOffset
    }

    /// Marks the alert a drill heard in `recording` (`earshotd --replay`); nothing for nil (the site's own sound).
    public mutating func markReplay(of recording: String?) {
        guard let recording else { return }
        replay = recording
        test = true
    }

    /// "[REPLAY] " for a replay's alert, "[TEST] " for another drill, else "": how its journal message begins.
    public var drillPrefix: String { replay != nil ? "[REPLAY] " : test ? "[TEST] " : "" }

    /// "at North entrance (hw:1)" with a location, else "on hw:1": where the alert's message says it was heard.
    public var heardWhere: String { Self.heardWhere(device: device, location: location) }

    /// "at North entrance (hw:1)" with a location, else "on hw:1" (also the incident notices').
    public static func heardWhere(device: String, location: String) -> String { location.isEmpty ? "on \(device)" : "at \(location) (\(device))" }

    /// RFC 3339 with milliseconds, UTC (EARSHOT_START).
    public var startRFC3339: String { UTCStamp.rfc3339(start) }

    /// EARSHOT_INCIDENT_ID, _START, _EVENTS: the incident's, or this alert's as one event of its own.
    public var incidentFields: (id: String, start: String, events: Int) {
        incident.map { ($0.id, $0.startRFC3339, $0.events) } ?? (eventID, startRFC3339, 1)
    }

    /// " — gunshot event 4 of an incident since 21:04:10 UTC" for the second event of an incident on, else "";
    /// for an alert that continues an event heard in the cooldown (`continues`), it says that this is that
    /// event, still going on (it was counted when heard, so the number is the heard entry's).
    public var incidentNote: String {
        guard let i = incident, i.events > 1 else { return "" }
        return " — gunshot event \(i.events) of an incident since \(UTCStamp.clock(i.start)) UTC"
            + (continues == nil ? "" : ", heard during the cooldown and still going on")
    }
}

/// Where alerts go. Implementations must never block the detection loop: `send` returns quickly and does any
/// slow work (process spawning, disk) on their own tasks or threads.
public protocol AlertSink: Sendable {
    /// A short name for logs ("journal", "hook", "clip").
    var name: String { get }
    func send(_ alert: Alert) async
}
