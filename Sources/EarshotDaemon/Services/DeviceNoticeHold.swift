import Foundation

/// What the health hook hears of the capture device, held steady against a link that flaps.
///
/// A loose USB cable or a failing hub loses the device and brings it back every few seconds. Told of every
/// loss and every return, the health hook paged "NOT LISTENING" and "listening again" twice per flap, and a chat
/// channel filled with pairs of them. So:
/// - a loss is told once the device has been away for `awaySeconds` (1 s) — at once, as far as anyone paged can
///   tell (a deaf detector is the news);
/// - its end is told once the device has delivered audio for `recoverSeconds` without a loss (`device_recover_seconds`);
/// - a loss within that time is part of the same outage: nobody is told again, and the end's notice says how many
///   losses there were, from when to when, and how long in all earshotd heard nothing.
///
/// A loss whose device is back within `awaySeconds` is a glitch (ALSA reopens a device that dropped for an
/// instant in a fraction of a second: 0.1–0.4 s measured): alone it is the journal's business. Whether the detection loop happened to look during
/// it, or not at all (`DetectionService.deviceGlitched`), does not change what the health hook hears — it used to
/// page "NOT LISTENING" for the glitches a look happened to fall into. `glitchCount` glitches within
/// `glitchWindow` (3 in 5 minutes) are a link that keeps dropping: an outage told at once, whose end is told once
/// the device has held for the window (or `recoverSeconds`, if longer), so a link dropping every minute is one.
///
/// The journal, STATUS= and the metrics still say every loss and return as it happens.
struct DeviceNoticeHold {
    /// An outage: told to the health hook (`told`), or a loss not yet away for `awaySeconds`.
    struct Outage {
        /// The first loss's last audio (wall clock, for the notice; monotonic, for `awaySeconds`).
        var since: Date
        var sinceMonotonic: Double
        /// Losses so far (1 for a device lost once).
        var losses: Int
        /// Seconds without audio before this outage (`DetectionService.deafSeconds` at its start), so its own
        /// seconds are the total at its end less this.
        var deafBefore: Double
        /// When the device last came back (wall clock, for the notice) and the monotonic time of it (for the hold);
        /// nil while it is away.
        var back: (date: Date, monotonic: Double)?
        /// The health hook was told of it.
        var told = false
        /// Opened by glitches (`glitchCount` within `glitchWindow`): its end waits for the window.
        var byGlitches = false
    }

    /// A loss the health hook was not told of: the device back within `awaySeconds`.
    struct Glitch {
        /// Its last audio, wall clock and monotonic.
        var date: Date
        var monotonic: Double
        /// Seconds without audio.
        var seconds: Double
    }

    /// What a loss, seen or not, comes to for the health hook.
    enum Told {
        /// Nothing to tell (yet).
        case nothing
        /// A loss within an outage told already (for the journal's "lost again" line).
        case again(Outage)
        /// A link that keeps dropping: an outage told now.
        case keepsDropping(Outage)
    }

    /// A loss is told once the device has been away this long; back sooner, it was a glitch.
    static let awaySeconds = 1.0
    /// `glitchCount` glitches within `glitchWindow` seconds are a link that keeps dropping.
    static let glitchCount = 3
    static let glitchWindow = 300.0

    /// Seconds of steady audio before the end of an outage is told (0: at once); a reload may change it.
    var recoverSeconds: Double
    /// The outage told and not yet over, or a loss not yet told, if any.
    private(set) var open: Outage?
    /// Glitches within the last `glitchWindow`, oldest first; fewer than `glitchCount`.
    private(set) var glitches: [Glitch] = []

    init(recoverSeconds: Double) {
        self.recoverSeconds = recoverSeconds
        glitches.reserveCapacity(Self.glitchCount + 4)
    }

    /// The device stopped delivering (its last audio `since`, monotonic `sinceMonotonic`; `deafBefore`: seconds
    /// without audio before). A loss within an outage told is `.again`; else it waits for `problemDue`.
    mutating func lost(since: Date, sinceMonotonic: Double, deafBefore: Double) -> Told {
        if var o = open {
            o.losses += 1
            o.back = nil
            open = o
            return o.told ? .again(o) : .nothing
        }
        open = Outage(since: since, sinceMonotonic: sinceMonotonic, losses: 1, deafBefore: deafBefore, back: nil)
        return .nothing
    }

    /// The loss to tell now — the device away for `awaySeconds` at monotonic `now` — or nil. It is then told.
    mutating func problemDue(now: Double) -> Outage? {
        guard var o = open, !o.told, o.back == nil, now - o.sinceMonotonic >= Self.awaySeconds else { return nil }
        o.told = true
        open = o
        return o
    }

    /// The device delivers again, at `date` (monotonic `now`). A loss not told is a glitch: `.keepsDropping` when it
    /// makes `glitchCount` within the window (`deafNow`: `DetectionService.deafSeconds`, its seconds included).
    mutating func back(at date: Date, now: Double, deafNow: Double) -> Told {
        guard var o = open else { return .nothing }
        if o.told {
            o.back = (date, now)
            open = o
            return .nothing
        }
        open = nil
        return record([Glitch(date: o.since, monotonic: o.sinceMonotonic, seconds: max(0, now - o.sinceMonotonic))],
                      backAt: date, now: now, deafNow: deafNow)
    }

    /// Losses the detection loop never saw (lost and reopened between two looks), `seconds` without audio in all,
    /// the device delivering again at `date` (monotonic `now`). Within an outage told they are `.again`, and the
    /// hold starts over; else glitches (`deafNow` as for `back`).
    mutating func glitched(_ count: Int, seconds: Double, at date: Date, now: Double, deafNow: Double) -> Told {
        guard count > 0 else { return .nothing }
        if var o = open, o.told {
            o.losses += count
            o.back = (date, now)
            open = o
            return .again(o)
        }
        let each = seconds / Double(count)
        let ago = date.addingTimeInterval(-seconds)
        return record((0..<count).map { _ in Glitch(date: ago, monotonic: now - seconds, seconds: each) },
                      backAt: date, now: now, deafNow: deafNow)
    }

    /// Adds glitches to those of the window; at `glitchCount`, the outage of a link that keeps dropping, told.
    private mutating func record(_ new: [Glitch], backAt date: Date, now: Double, deafNow: Double) -> Told {
        glitches.removeAll { now - $0.monotonic > Self.glitchWindow }
        glitches.append(contentsOf: new)
        guard glitches.count >= Self.glitchCount, let first = glitches.first else { return .nothing }
        let deaf = glitches.reduce(0) { $0 + $1.seconds }
        let o = Outage(since: first.date, sinceMonotonic: first.monotonic, losses: glitches.count,
                       deafBefore: max(0, deafNow - deaf), back: (date, now), told: true, byGlitches: true)
        glitches.removeAll(keepingCapacity: true)
        open = o
        return .keepsDropping(o)
    }

    /// Seconds the device must deliver, after its last return, before the end of outage `o` is told.
    func hold(_ o: Outage) -> Double { o.byGlitches ? max(recoverSeconds, Self.glitchWindow) : recoverSeconds }

    /// The outage whose end is to be told now — the device back for `hold` at monotonic `now` — or nil.
    /// It is then over.
    mutating func due(now: Double) -> Outage? {
        guard let o = open, o.told, let b = o.back, now - b.monotonic >= hold(o) else { return nil }
        open = nil
        return o
    }

    /// A reload set another device: the outage told is over for the old one (returned, so its end is told), and a
    /// loss not yet told and the glitches are forgotten — the new device's losses count from none.
    mutating func replaced() -> Outage? {
        defer { open = nil; glitches.removeAll(keepingCapacity: true) }
        return open.flatMap { $0.told ? $0 : nil }
    }

    /// At a stop: the outage told whose device is back, its end told now even if not yet held (the health hook
    /// would otherwise be left with "NOT LISTENING"), or nil.
    mutating func flush() -> Outage? {
        guard let o = open, o.told, o.back != nil else { return nil }
        open = nil
        return o
    }
}
