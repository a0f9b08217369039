import Foundation

/// What `earshot test-alert`'s drill hands the health and incident hooks, whoever runs it: the running earshotd
/// (`DetectionService.pollDrill`) or the command itself when none does.
public enum DrillPayloads {
    /// The health hook's test notice: the page a lost microphone would send, marked a drill (`eventID`: the drill's,
    /// under which earshotd journals the run's outcome; nil when the command runs it).
    public static func healthNotice(device: String, location: String, eventID: String? = nil) -> HealthNotice {
        var n = HealthNotice(condition: "device", problem: true, message: "[TEST] earshot test-alert: a drill of the health hook — nothing is wrong with \(device)",
                             device: device, location: location, test: true)
        n.eventID = eventID
        return n
    }

    /// The incident hook's two steps of an incident of the test alert alone, in order: its alert (with the alert's
    /// journal `message`), then its end.
    public static func incidentSteps(_ alert: Alert, message: String, device: String, location: String) -> [IncidentUpdate] {
        let incident = Incident(id: alert.eventID, start: alert.start, events: 1, alerts: 1, last: alert.start)
        return [IncidentUpdate(kind: .alert, incident: incident, event: alert, seq: 1, message: message, device: device, location: location, test: true),
                IncidentUpdate(kind: .over, incident: incident, seq: 2, message: "[TEST] earshot test-alert: a drill of the incident hook — the test alert's incident is over",
                               device: device, location: location, test: true)]
    }
}
