import Foundation
import Logging

extension DetectionService {
    /// Answers `earshot test-alert` (`DrillRequest` in the state directory, looked for once a second): a test
    /// alert in the journal ("[TEST]", EARSHOT_TEST=1, the request's event id), and every configured hook run for
    /// it by this earshotd — its user, sandbox and environment, its retries — as for a real alert: `hook:` with
    /// the alert, `clip_hook:` once its evidence clip (the microphone's last and next seconds) is written,
    /// `health_hook:` with a test notice, `incident_hook:` with the steps of an incident of the alert alone. Each
    /// run's outcome is journalled under the event id (MESSAGE_ID hook outcome), where the command reads it. A
    /// mute does not hold a drill back: the drill is how a hook is checked, muted or not.
    func pollDrill() {
        guard let taken = DrillRequest.take(path: DrillRequest.path(stateDirectory: options.instance.stateDirectory)) else { return }
        let r: DrillRequest
        switch taken {
        case let .failure(e): log.warning("\(e)"); return
        case let .success(req): r = req
        }
        log.notice("test alert \(r.id) asked by \(r.by) (earshot test-alert): journal and every configured hook, marked EARSHOT_TEST=1",
                   metadata: ["EARSHOT_EVENT_ID": "\(r.id)"])
        let alert = Alert(eventID: r.id, score: 1, start: Date(), device: config.device, location: config.location, model: model.name, test: true)
        var sendClip: (@Sendable (String) -> Void)?
        if clipHooks.settings.path != nil {
            let (runner, drill) = (clipHooks, alert)
            sendClip = { path in
                var a = drill
                a.clipPath = path
                runner.submit(clipOf: a)
            }
        }
        var journalled = alert
        journalled.clipPath = clips.begin(eventID: r.id, at: alert.start, grid: clipGrid, whenWritten: sendClip)
        let fields = JournalAlertSink.fields(journalled, priority: journal.priority)
        journal.deliver(fields, kind: "ALERT")
        if hooks.settings.path != nil { _ = hooks.submit(journalled) }
        if healthHooks.settings.path != nil {
            _ = healthHooks.submit(health: DrillPayloads.healthNotice(device: config.device, location: config.location, eventID: r.id))
        }
        if incidentHooks.settings.path != nil {
            // queued in order, run in order (one at a time by default)
            for step in DrillPayloads.incidentSteps(journalled, message: JournalAlertSink.message(fields), device: config.device, location: config.location) {
                _ = incidentHooks.submit(incident: step)
            }
        }
    }
}
