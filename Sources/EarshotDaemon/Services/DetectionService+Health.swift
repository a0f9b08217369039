import EarshotDetect
import Foundation
import Logging

/// How the detection loop says what it hears: STATUS=, and the journal and health hook when the device stalls
/// or delivers again, the microphone's liveness changes, or paging is muted.
extension DetectionService {
    /// What a stall is, for the journal and the health hook alike.
    var stallText: String {
        "capture stalled: \(config.device) is open but has delivered no audio for \(String(format: "%g", config.stallSeconds)) s"
    }

    /// Logs a stall of the open device (error, MESSAGE_ID device) or its end, and updates STATUS=.
    func stallChanged() {
        var meta: Logger.Metadata = ["message_id": "\(EarshotMessageID.device)", "earshot_device": "\(config.device)"]
        if !config.location.isEmpty { meta["earshot_location"] = "\(config.location)" }
        if stalled {
            let next = notifier.watchdogInterval == nil
                ? "no systemd watchdog is set (WATCHDOG_USEC): restart earshotd, or run it under earshot.service (WatchdogSec=)"
                : "the systemd watchdog is no longer pinged, so systemd restarts earshotd"
            log.error("\(stallText) (a hung driver or USB link) — NOT LISTENING; \(next)", metadata: meta)
        } else {
            log.notice("capture resumed: audio from \(config.device) again", metadata: meta)
        }
        notifier.status(statusLine())
    }

    /// The device stopped delivering (lost, missing, stalled) or delivers again. The health hook hears of a loss
    /// once the device has been away for a second (`deviceNoticesDue`), unless it belongs to an outage told already
    /// (a link that flaps: `DeviceNoticeHold`), and of the outage's end once the device has delivered for
    /// `device_recover_seconds`. A loss back sooner is a glitch, as one the loop never saw (`deviceGlitched`).
    func deviceHealthChanged() {
        let (now, mono) = (Date(), MonotonicClock.now)
        (lossesHandled, awayHandled) = (capture.deviceLosses, capture.secondsAway)   // this loss is seen: no glitch
        if deviceHearing {
            deafSecondsOver = deafSeconds
            deafSince = nil
            tell(deviceNotices.back(at: now, now: mono, deafNow: deafSeconds))
            deviceNoticesDue()   // device_recover_seconds 0: at once
            return
        }
        let away = capture.secondsSinceProgress
        let since = now.addingTimeInterval(-away)   // its last block
        deafSince = since
        tell(deviceNotices.lost(since: since, sinceMonotonic: mono - away, deafBefore: deafSecondsOver))
        deviceNoticesDue()
    }

    /// `count` losses the loop never saw: the device lost and reopened between two of its looks (a glitch of a
    /// fraction of a second). Their seconds without audio (`capture.secondsAway`) count as the device's down time, and they
    /// count towards a link that keeps dropping (`DeviceNoticeHold`).
    func deviceGlitched(_ count: Int) {
        let away = capture.secondsAway
        let seconds = max(0, away - awayHandled)
        (lossesHandled, awayHandled) = (lossesHandled + count, away)
        deafSecondsOver += seconds
        tell(deviceNotices.glitched(count, seconds: seconds, at: Date(), now: MonotonicClock.now, deafNow: deafSeconds))
    }

    /// A reload set `device:` to `newDevice` (called with `config` still the old one, before the new capture
    /// thread starts). The old device's outage told is over: its `PROBLEM=0` names the old device, so a monitor
    /// that keys alerts on the device clears it. The new device is judged afresh, its losses and glitches counted
    /// from none: its own loss is told after a second, even if the old one was away.
    func deviceReplaced(by newDevice: String) {
        if let o = deviceNotices.replaced() {
            let deaf = DaemonHealth.outage(max(0, deafSeconds - o.deafBefore))
            let losses = o.losses == 1 ? "lost at \(UTCStamp.clock(o.since)) UTC" : "\(o.losses) losses since \(UTCStamp.clock(o.since)) UTC"
            let message = "capture device \(config.device) is no longer used: a reload set device: \(newDevice), so its outage is over (\(losses), \(deaf) not listening in all); earshotd opens \(newDevice) now, and health_hook hears of its losses as of any device's"
            tellHealth(HealthNotice(condition: "device", problem: false, message: message, device: config.device, location: config.location))
        }
        if !deviceHearing {   // the old device away: the new one starts as heard, so its failure to open is a change
            deviceHearing = true
            deafSecondsOver = deafSeconds
            deafSince = nil
        }
    }

    /// Tells the health hook of a loss away for a second, and of an outage's end once the device has held.
    func deviceNoticesDue() {
        let now = MonotonicClock.now
        if deviceNotices.problemDue(now: now) != nil {
            tellHealth(HealthNotice(condition: "device", problem: true, message: deviceAwayMessage, device: config.device, location: config.location))
        }
        if let o = deviceNotices.due(now: now) { tellDeviceBack(o) }
    }

    /// The health hook's notice of a device away (lost, missing or stalled).
    var deviceAwayMessage: String {
        stalled
            ? "\(stallText) — earshotd is NOT LISTENING until systemd restarts it"
            : "capture device \(config.device) unavailable (\(capture.lastError)) — earshotd is NOT LISTENING and retries; run `earshot devices` and check `device:` in the config, or reconnect the microphone"
    }

    /// What a loss comes to: the journal's line for a loss within an outage told, or the health hook's (and the
    /// journal's) notice of a link that keeps dropping.
    func tell(_ t: DeviceNoticeHold.Told) {
        switch t {
        case .nothing: return
        case let .again(o):
            let within = o.byGlitches
                ? "within \(DaemonHealth.span(deviceNotices.hold(o))) of coming back (a link that keeps dropping)"
                : "within device_recover_seconds (\(String(format: "%g", deviceNotices.recoverSeconds)) s) of coming back"
            log.notice("capture device \(config.device) lost again \(within), loss \(o.losses) of this outage: health_hook, told of the first, hears of its end when the device holds",
                       metadata: ["earshot_device": "\(config.device)"])
        case let .keepsDropping(o):
            let message = keepsDroppingMessage(o)
            tellHealth(HealthNotice(condition: "device", problem: true, message: message, device: config.device, location: config.location))
            log.warning("\(message)", metadata: ["message_id": "\(EarshotMessageID.device)", "earshot_device": "\(config.device)"])
        }
    }

    /// The health hook's notice of outage `o` of several losses, the device back: told at the glitch that makes it,
    /// or to a health hook a reload sets while it lasts.
    func keepsDroppingMessage(_ o: DeviceNoticeHold.Outage) -> String {
        let deaf = DaemonHealth.outage(max(0, deafSeconds - o.deafBefore))
        let each = o.byGlitches ? ", each back within \(String(format: "%g", DeviceNoticeHold.awaySeconds)) s" : ""
        return "capture device \(config.device) keeps dropping: \(o.losses) losses from \(UTCStamp.clock(o.since)) to \(UTCStamp.clock(o.back?.date ?? Date())) UTC\(each) (\(deaf) not listening in all) — earshotd listens between them, but misses what each loss takes; check the cable, USB port or hub, and dmesg"
    }

    /// The health hook's notice that an outage is over: how long, and when, earshotd was not listening (what an
    /// incident review asks), and for a link that flapped how many times it was lost.
    func tellDeviceBack(_ o: DeviceNoticeHold.Outage) {
        let back = o.back?.date ?? Date()
        let deaf = DaemonHealth.outage(max(0, deafSeconds - o.deafBefore))
        let message = o.losses == 1
            ? "capture device \(config.device) delivers audio again after \(deaf) not listening (no audio from \(UTCStamp.clock(o.since)) to \(UTCStamp.clock(back)) UTC): earshotd is listening"
            : "capture device \(config.device) delivers audio again after \(o.losses) losses from \(UTCStamp.clock(o.since)) to \(UTCStamp.clock(back)) UTC (\(deaf) not listening in all; a link that keeps dropping: check the cable, USB port or hub, and dmesg): earshotd is listening"
        tellHealth(HealthNotice(condition: "device", problem: false, message: message, device: config.device, location: config.location))
    }

    func livenessChanged(_ e: LivenessEvent) {
        tellHealth(HealthNotice(condition: e.condition.rawValue, problem: e.kind == .warning, message: e.message, device: config.device, location: config.location))
        let warning = e.kind == .warning
        try? Journal.send([("MESSAGE", e.message), ("MESSAGE_ID", EarshotMessageID.liveness), ("PRIORITY", warning ? "4" : "5"),
                           ("SYSLOG_IDENTIFIER", "earshotd"), ("EARSHOT_DEVICE", config.device), ("EARSHOT_LIVENESS", e.condition.rawValue)]
                          + (config.location.isEmpty ? [] : [("EARSHOT_LOCATION", config.location)]))
        if !Journal.isAvailable { log.log(level: warning ? .warning : .notice, "\(e.message)") }
        let active = liveness.active
        metrics.update {
            if warning { $0.livenessWarningsTotal[e.condition, default: 0] += 1 }
            $0.livenessActive = active
        }
        notifier.status(statusLine())
    }

    /// Paging muted, muted again with other terms, or paging again; or a mute file that mutes nothing. Said in
    /// the journal (MESSAGE_ID mute; a warning while muted: nobody is paged), to the health hook (condition
    /// "muted"), in STATUS= and the metrics.
    func muteChanged(_ c: MuteWatch.Change) {
        let message: String, problem: Bool, m: Mute
        switch c {
        case let .invalid(text):
            log.error("\(text)")
            return
        case let .started(mute):
            (problem, m) = (true, mute)
            message = Self.mutedMessage(m)
        case let .ended(mute, expired):
            (problem, m) = (false, mute)
            message = "Paging again: the mute \(expired ? "ended" : "was lifted") (it was \(m.summary)) — alerts run the hook again"
        }
        let fields = [("EARSHOT_MUTE_UNTIL", UTCStamp.rfc3339(m.until)), ("EARSHOT_MUTE_REASON", m.reason), ("EARSHOT_MUTE_BY", m.by)]
        tellHealth(HealthNotice(condition: "muted", problem: problem, message: message, device: config.device, location: config.location))
        try? Journal.send([("MESSAGE", message), ("MESSAGE_ID", EarshotMessageID.mute), ("PRIORITY", problem ? "4" : "5"),
                           ("SYSLOG_IDENTIFIER", "earshotd"), ("EARSHOT_DEVICE", config.device), ("EARSHOT_MUTED", problem ? "1" : "0")]
                          + fields + (config.location.isEmpty ? [] : [("EARSHOT_LOCATION", config.location)]))
        if !Journal.isAvailable { log.log(level: problem ? .warning : .notice, "\(message)") }
        let until = mutes.active?.until.timeIntervalSince1970 ?? 0
        metrics.update { $0.muted = until > 0; $0.mutedUntil = until }
        notifier.status(statusLine())
    }

    static func mutedMessage(_ m: Mute) -> String {
        "Paging muted \(m.summary) — earshotd keeps listening and writes every alert to the journal (EARSHOT_MUTED=1) with its clip, but runs no hook; `earshot unmute` ends it"
    }

    func statusLine() -> String {
        // a shooting going on comes first: what `systemctl status earshot` shows at a glance
        let incident = incidents.current.map { "INCIDENT since \(UTCStamp.clock($0.start)) UTC: \($0.events) gunshot event\($0.events == 1 ? "" : "s") · " } ?? ""
        let muted = mutes.mute(at: Date()).map { "MUTED until \(Mute.describe($0.until)) (\($0.reason)): alerts to the journal only · " } ?? ""
        let rejected = reloadRejected.map { " · RELOAD REJECTED at \(UTCStamp.clock($0)) UTC: running the earlier config (the journal says why)" } ?? ""
        return incident + muted + hearingLine() + rejected
    }

    func hearingLine() -> String {
        if stalled {
            return "NOT LISTENING: no audio from \(config.device) for \(String(format: "%.0f", capture.secondsSinceProgress)) s — capture stalled"
                + (notifier.watchdogInterval == nil ? "; restart earshotd" : "; waiting for systemd's watchdog to restart earshotd")
        }
        switch capture.state {
        case .capturing, .stopped:
            let r = capture.rate
            let mic = liveness.active.isEmpty ? "" : " · \(liveness.statusText)"
            let rec = recorder.isRecording ? " · recording site audio" : ""   // everything heard is kept: say so
            let rate = alertRate?.excess.map { " · more alerts than calibrated (\($0.alerts) in \(Self.hours($0.hours)) h)" } ?? ""
            // an outage of several losses told, its end not yet (`DeviceNoticeHold`): what `systemctl status` should show
            let link = deviceNotices.open.flatMap { $0.told && $0.losses > 1 ? " · link keeps dropping: \($0.losses) losses since \(UTCStamp.clock($0.since)) UTC" : nil } ?? ""
            return "listening on \(config.device) (\(r) Hz) · \(eventsToday) event\(eventsToday == 1 ? "" : "s") today · last score \(String(format: "%.2f", detector.lastScore))\(mic)\(link)\(rate)\(rec)"
        case .retrying, .starting:
            return "waiting for capture device \(config.device): \(capture.lastError) — retrying"
        }
    }
}
