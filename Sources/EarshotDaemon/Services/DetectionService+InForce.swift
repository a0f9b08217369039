import Foundation

/// What a health hook set by a reload is told: the problems in force, of which only the hook it replaced (if any)
/// heard. Without it, a health hook added while the microphone was unplugged heard nothing until the device came
/// back — and then only "delivers audio again".
extension DetectionService {
    /// The problems in force, one `PROBLEM=1` notice each, as they were told when they began (their seconds so
    /// far), in the order a pager would want them: the device, the microphone, paging muted, the alert rate.
    func problemsInForce() -> [HealthNotice] {
        let note = " (in force when a reload set this health_hook)"
        var found: [(String, String)] = []
        if let o = deviceNotices.open, o.told {
            if stalled || !deviceHearing {
                found.append(("device", deviceAwayMessage))
            } else if o.losses > 1 {   // back, between losses of a link that keeps dropping (a single loss back is over soon)
                found.append(("device", keepsDroppingMessage(o)))
            }
        }
        for e in liveness.inForce { found.append((e.condition.rawValue, e.message)) }
        if let m = mutes.mute(at: Date()) { found.append(("muted", Self.mutedMessage(m))) }
        if let f = alertRate?.excess { found.append(("alert_rate", excessMessage(f))) }
        return found.map { HealthNotice(condition: $0.0, problem: true, message: $0.1 + note, device: config.device, location: config.location) }
    }
}
