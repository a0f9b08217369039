import Foundation

/// The problems in force, for the health hooks that did not hear of them or would never hear their end:
/// - a health hook set by a reload is told them (only the hook it replaced, if any, heard of them). Without it, a
///   health hook added while the microphone was unplugged heard nothing until the device came back — and then only
///   "delivers audio again";
/// - at a stop they are withdrawn. Otherwise each stayed open for good in whatever the hook feeds: after a restart
///   the alert-rate watch starts afresh, and a microphone fixed meanwhile is simply heard — nobody told their end;
/// - at a start, those an earshotd that ended without a stop left told (`HealthLedger`) are withdrawn.
extension DetectionService {
    /// Tells the health hook `n` (a problem or its end) and keeps the ledger of what is told and not over. A replay
    /// (`earshotd --replay`) tells its notices as drills (`EARSHOT_TEST=1`, "[REPLAY] …": a recording's silence is
    /// not the site's microphone, as its shots are no real alert) and keeps no ledger: it shares the service's
    /// state directory, and must neither take the service's ledger nor write over it.
    func tellHealth(_ n: HealthNotice) {
        var n = n
        if options.replayOf != nil { n.test = true; n.message = "[REPLAY] " + n.message }
        healthHooks.submit(health: n)
        guard options.replayOf == nil, config.healthHook.path != nil, let problem = healthLedger.record(n) else { return }
        if !healthLedgerProblemSaid {
            healthLedgerProblemSaid = true
            log.warning("health_hook: \(problem) — should earshotd end without a stop, the problems told would not be withdrawn at its next start; check the state directory's owner and free space")
        }
    }

    /// At a start: the problems an earshotd that ended without a stop (killed, crashed, restarted by systemd's
    /// watchdog after a stall) left told, one `PROBLEM=0` each, withdrawn; told again if they go on.
    func withdrawLeftovers() {
        guard options.replayOf == nil else { return }   // the service's, not a replay's
        let (left, problem) = healthLedger.takeLeftovers()
        if let problem { log.warning("health_hook: \(problem)") }
        guard !left.isEmpty, config.healthHook.path != nil else { return }
        log.notice("health_hook: \(left.count) problem(s) told before earshotd last ended without a stop withdrawn (\(left.map(\.condition).joined(separator: ", "))); told again if they go on")
        for e in left {
            let message = "earshotd started again after it ended without a stop (killed, crashed, or restarted by systemd's watchdog): the \(e.condition) problem told at \(UTCStamp.rfc3339(e.since)) is withdrawn, not known to be over; earshotd tells it again if it goes on"
            tellHealth(HealthNotice(condition: e.condition, problem: false, message: message, device: e.device, location: e.location))
        }
    }

    /// One problem in force: its condition, the notice told when it began (with its seconds so far), and a few
    /// words for it.
    struct ProblemInForce {
        var condition: String
        var message: String
        var what: String
    }

    /// In the order a pager would want them: the device, the microphone, paging muted, the alert rate.
    func problemsInForce() -> [ProblemInForce] {
        var found: [ProblemInForce] = []
        if let o = deviceNotices.open, o.told {
            if stalled || !deviceHearing {
                found.append(ProblemInForce(condition: "device", message: deviceAwayMessage,
                                            what: stalled ? "capture from \(config.device) stalled" : "capture device \(config.device) unavailable"))
            } else if o.losses > 1 {   // back, between losses of a link that keeps dropping (a single loss back is over soon)
                found.append(ProblemInForce(condition: "device", message: keepsDroppingMessage(o),
                                            what: "capture device \(config.device) keeps dropping (\(o.losses) losses since \(UTCStamp.clock(o.since)) UTC)"))
            }
        }
        for e in liveness.inForce {
            found.append(ProblemInForce(condition: e.condition.rawValue, message: e.message,
                                        what: "microphone input: \(e.condition.label) for \(String(format: "%.1f", e.seconds)) s"))
        }
        if let m = mutes.mute(at: Date()) { found.append(ProblemInForce(condition: "muted", message: Self.mutedMessage(m), what: "paging muted \(m.summary)")) }
        if let f = alertRate?.excess {
            found.append(ProblemInForce(condition: "alert_rate", message: excessMessage(f),
                                        what: "more alerts than the threshold is calibrated for (\(f.alerts) in the last \(Self.hours(f.hours)) h of audio)"))
        }
        return found
    }

    /// For a health hook a reload set: one `PROBLEM=1` each, as told when it began.
    func toldToNewHook() -> [HealthNotice] {
        problemsInForce().map { notice($0.condition, problem: true, $0.message + " (in force when a reload set this health_hook)") }
    }

    /// At a stop: one `PROBLEM=0` each, withdrawn, not known to be over (told again after a start if it goes on).
    func withdrawnAtStop() -> [HealthNotice] {
        problemsInForce().map {
            notice($0.condition, problem: false, "earshotd is stopping: \($0.what) — withdrawn, not known to be over; earshotd tells it again after it starts if it goes on")
        }
    }

    private func notice(_ condition: String, problem: Bool, _ message: String) -> HealthNotice {
        HealthNotice(condition: condition, problem: problem, message: message, device: config.device, location: config.location)
    }
}
