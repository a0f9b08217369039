/// The decision rule as a state machine over window scores: confirmation (consecutive windows, up to
/// `maxDips` dips allowed), merging, cooldown — and what the cooldown holds back: a run confirmed during it
/// is no event, but is reported as `heardInCooldown` (once, merged like an event), so a shooting that goes
/// on is not lost to the count.
/// Kept separate from feature/CNN code so it can be tested on synthetic score sequences.
public struct EventTracker: Sendable {
    public private(set) var rule: DecisionRule
    private var run = 0                 // above-threshold windows of the run being confirmed
    private var dips = 0                // below-threshold windows in a row since its last one
    private var runStartOnset = 0.0     // onset estimate of the run's first window
    private var runPeak: Float = 0
    private var runPeakTime = 0.0
    private var active: OpenEvent?      // the paged event, open for merging
    private var cooldownUntil = -Double.infinity
    private var runFirstOnset = 0.0     // onset of the run's first window of a new sound (runStartOnset moves on in a cooldown)
    private var runMax: Float = 0       // the run's highest score and its window's centre, over all its windows
    private var runMaxTime = 0.0
    private var heard: OpenEvent?       // a run confirmed during the cooldown, reported, open for merging
    private var lastSoundEnd = -Double.infinity   // end of the last event or heard event: a heard run must begin after it
    private var nextID = 1
    private var gapWindows: Int
    private var decidedUntil = -Double.infinity   // the audio before it was decided to its end (`endOfAudio`)

    public init(rule: DecisionRule) {
        self.rule = rule
        gapWindows = Self.gapWindows(rule)
    }

    /// Goes on under `rule` from the next window, with its state kept: a run being confirmed, an open event and
    /// the cooldown after the last one (a reloaded threshold neither drops an event in progress nor repeats one).
    /// The hop is the caller's to keep (`Detector.update(rule:)`).
    public mutating func update(rule new: DecisionRule) {
        rule = new
        gapWindows = Self.gapWindows(new)
    }

    private static func gapWindows(_ r: DecisionRule) -> Int { max(1, Int((r.mergeGap / r.hopSeconds).rounded(.up))) }

    /// Feeds one window: its score, start/end time, and the onset estimate inside it.
    public mutating func observe(score: Float, windowStart: Double, windowEnd: Double, onset: Double, _ emit: (DetectorOutput) -> Void) {
        // a window whose sound began before audio that ended and was decided to its end (windows after a gap that
        // still hold that audio) is that sound: no new run
        let above = score >= rule.threshold && onset >= decidedUntil
        let centre = (windowStart + windowEnd) / 2
        if var h = heard {
            let over = h.take(above: above, score: score, end: windowEnd, centre: centre, gapWindows: gapWindows)
            if over { lastSoundEnd = h.event.end }
            heard = over ? nil : h
        }
        if var e = active {
            let over = e.take(above: above, score: score, end: windowEnd, centre: centre, gapWindows: gapWindows)
            active = e
            if over { close(emit) }
            return
        }
        guard above else {
            dips += 1
            if dips > rule.maxDips { run = 0 }
            return
        }
        dips = 0
        // the run's first window with a new sound's onset (an onset before the last sound's end is that sound)
        if run == 0 || runFirstOnset < lastSoundEnd { runFirstOnset = onset; runMax = 0 }
        if score > runMax { runMax = score; runMaxTime = centre }
        if run == 0 || runStartOnset < cooldownUntil { runStartOnset = onset; runPeak = 0 }
        if score > runPeak { runPeak = score; runPeakTime = centre }
        run += 1
        guard run >= rule.minConsecutive else { return }
        guard runStartOnset >= cooldownUntil else {
            // a new sound (its onset after the last one's end: later windows that see the last event's own
            // onset again are that event), confirmed in the cooldown and not yet reported
            if heard == nil, runFirstOnset >= lastSoundEnd {
                let h = DetectionEvent(id: nextID - 1, start: runFirstOnset, end: windowEnd, peakScore: runMax, peakTime: runMaxTime)
                heard = OpenEvent(event: h)
                emit(.heardInCooldown(h))
            }
            return
        }
        let e = DetectionEvent(id: nextID, start: runStartOnset, end: windowEnd, peakScore: runPeak, peakTime: runPeakTime,
                               continuesHeard: heard != nil)
        heard = nil
        nextID += 1
        active = OpenEvent(event: e)
        emit(.started(e))
    }

    /// An open event (paged or heard) and the windows below threshold in a row since its last one above.
    private struct OpenEvent: Sendable {
        var event: DetectionEvent
        var below = 0

        /// Takes in one more window: one above threshold extends the event; `gapWindows` below in a row end it
        /// (returns true then).
        mutating func take(above: Bool, score: Float, end: Double, centre: Double, gapWindows: Int) -> Bool {
            guard above else { below += 1; return below >= gapWindows }
            below = 0
            event.end = end
            if score > event.peakScore { event.peakScore = score; event.peakTime = centre }
            return false
        }
    }

    /// `seconds` of real time passed with no audio (a capture gap, a stalled or lost device). The cooldown means
    /// at most one page per `cooldown` seconds, so it runs on through them: a shot heard after them pages even
    /// when less than `cooldown` seconds of audio lie between it and the last alert.
    public mutating func passWithoutAudio(seconds: Double) {
        if seconds > 0 { cooldownUntil -= seconds }
    }

    /// Closes an open event at end of stream.
    public mutating func finish(_ emit: (DetectorOutput) -> Void) { heard = nil; close(emit) }

    /// The audio ended at `time` and its last windows were scored (earshotd: the device lost or stalled, its end
    /// mirrored as a file's): the open event closes, a run not yet confirmed is dropped, and windows later fed that
    /// still hold sound from before `time` (a detector that streams across the gap when audio comes back) start
    /// nothing: it was decided. Cooldown and counts go on.
    public mutating func endOfAudio(at time: Double, _ emit: (DetectorOutput) -> Void) {
        finish(emit)
        run = 0
        dips = 0
        decidedUntil = max(decidedUntil, time)
    }

    private mutating func close(_ emit: (DetectorOutput) -> Void) {
        guard let e = active?.event else { return }
        active = nil
        run = 0
        dips = 0
        cooldownUntil = e.end + rule.cooldown
        lastSoundEnd = e.end
        emit(.ended(e))
    }

    public var isActive: Bool { active != nil }
}
