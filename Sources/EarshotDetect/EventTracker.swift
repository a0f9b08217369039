/// The decision rule as a state machine over window scores: confirmation (consecutive windows, up to
/// `maxDips` dips allowed), merging, cooldown.
/// Kept separate from feature/CNN code so it can be tested on synthetic score sequences.
public struct EventTracker: Sendable {
    public private(set) var rule: DecisionRule
    private var run = 0                 // above-threshold windows of the run being confirmed
    private var dips = 0                // below-threshold windows in a row since its last one
    private var runStartOnset = 0.0     // onset estimate of the run's first window
    private var runPeak: Float = 0
    private var runPeakTime = 0.0
    private var active: DetectionEvent?
    private var belowSince = 0          // windows below threshold while active
    private var cooldownUntil = -Double.infinity
    private var nextID = 1
    private var gapWindows: Int

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
        let above = score >= rule.threshold
        let centre = (windowStart + windowEnd) / 2
        if var e = active {
            if above {
                belowSince = 0
                e.end = windowEnd
                if score > e.peakScore { e.peakScore = score; e.peakTime = centre }
                active = e
            } else {
                belowSince += 1
                if belowSince >= gapWindows { close(emit) }
            }
            return
        }
        guard above else {
            dips += 1
            if dips > rule.maxDips { run = 0 }
            return
        }
        dips = 0
        if run == 0 || runStartOnset < cooldownUntil { runStartOnset = onset; runPeak = 0 }
        if score > runPeak { runPeak = score; runPeakTime = centre }
        run += 1
        guard run >= rule.minConsecutive, runStartOnset >= cooldownUntil else { return }
        let e = DetectionEvent(id: nextID, start: runStartOnset, end: windowEnd, peakScore: runPeak, peakTime: runPeakTime)
        nextID += 1
        active = e
        belowSince = 0
        emit(.started(e))
    }

    /// Closes an open event at end of stream.
    public mutating func finish(_ emit: (DetectorOutput) -> Void) { close(emit) }

    private mutating func close(_ emit: (DetectorOutput) -> Void) {
        guard let e = active else { return }
        active = nil
        run = 0
        dips = 0
        belowSince = 0
        cooldownUntil = e.end + rule.cooldown
        emit(.ended(e))
    }

    public var isActive: Bool { active != nil }
}
