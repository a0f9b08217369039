import Foundation

/// What the health hook hears of the capture device, held steady against a link that flaps.
///
/// A loose USB cable or a failing hub loses the device and brings it back every few seconds. Told of every
/// loss and every return, the health hook paged "NOT LISTENING" and "listening again" twice per flap, and a chat
/// channel filled with pairs of them. So:
/// - the first loss is told at once (a deaf detector is the news);
/// - its end is told once the device has delivered audio for `recoverSeconds` without a loss (`device_recover_seconds`);
/// - a loss within that time is part of the same outage: nobody is told again, and the end's notice says how many
///   losses there were, from when to when, and how long in all earshotd heard nothing.
///
/// The journal, STATUS= and the metrics still say every loss and return as it happens.
struct DeviceNoticeHold {
    /// An outage the health hook was told of, its end not yet.
    struct Outage {
        /// The first loss's last audio.
        var since: Date
        /// Losses so far (1 for a device lost once).
        var losses: Int
        /// Seconds without audio before this outage (`DetectionService.deafSeconds` at its start), so its own
        /// seconds are the total at its end less this.
        var deafBefore: Double
        /// When the device last came back (wall clock, for the notice) and the monotonic time of it (for the hold);
        /// nil while it is away.
        var back: (date: Date, monotonic: Double)?
    }

    /// Seconds of steady audio before the end of an outage is told (0: at once); a reload may change it.
    var recoverSeconds: Double
    /// The outage told and not yet over, if any.
    private(set) var open: Outage?

    init(recoverSeconds: Double) { self.recoverSeconds = recoverSeconds }

    /// The device stopped delivering (its last audio `since`; `deafBefore`: seconds without audio before). True when
    /// the health hook is to be told: no outage was open.
    mutating func lost(since: Date, deafBefore: Double) -> Bool {
        if var o = open {
            o.losses += 1
            o.back = nil
            open = o
            return false
        }
        open = Outage(since: since, losses: 1, deafBefore: deafBefore, back: nil)
        return true
    }

    /// The device delivers again, at `date` (monotonic `now`).
    mutating func back(at date: Date, now: Double) {
        open?.back = (date, now)
    }

    /// The outage whose end is to be told now — the device back for `recoverSeconds` at monotonic `now` — or nil.
    /// It is then over.
    mutating func due(now: Double) -> Outage? {
        guard let o = open, let b = o.back, now - b.monotonic >= recoverSeconds else { return nil }
        open = nil
        return o
    }

    /// At a stop: the outage whose device is back, its end told now even if not yet held for `recoverSeconds`
    /// (the health hook would otherwise be left with "NOT LISTENING"), or nil.
    mutating func flush() -> Outage? {
        guard let o = open, o.back != nil else { return nil }
        open = nil
        return o
    }
}
