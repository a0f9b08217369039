import Foundation

/// Everything `MetricsFile` exports. Counters only grow while the daemon runs; gauges are set.
public struct EarshotCounters: Sendable, Equatable {
    /// The model file in use and the decision threshold in force (set at start and on reload).
    public var model = ""
    public var threshold: Double = 0
    /// Gunshot events alerted (test alerts excluded; muted ones included).
    public var eventsTotal = 0
    /// Of those, heard while paging was muted (`earshot mute`): journal only, no hook.
    public var mutedEventsTotal = 0
    /// Gunshot events heard during the cooldown after an alert: in the journal and the incident's count, not paged.
    public var cooldownEventsTotal = 0
    /// Incidents begun (each begins with an alert; `incident_gap`).
    public var incidentsTotal = 0
    /// Gunshot events of the incident going on now; 0 when none is (a shooting in progress for a dashboard's alarm).
    public var incidentEvents = 0
    /// Paging muted now, and until when (Unix time; 0 when not muted).
    public var muted = false
    public var mutedUntil: Double = 0
    /// ALSA overruns (`-EPIPE` recovered).
    public var overrunsTotal = 0
    /// Times the capture device disappeared or failed and had to be reopened.
    public var deviceLossesTotal = 0
    /// Seconds the capture device delivered no audio, so nothing could be detected: missing at start, lost and not
    /// back yet, or stalled (the outage going on included).
    public var deviceDownSecondsTotal: Double = 0
    /// Seconds of captured audio never analysed: the detection loop fell more than `ring_seconds` behind.
    public var droppedSecondsTotal: Double = 0
    /// Hook processes started.
    public var hookRunsTotal = 0
    /// Hook runs that failed: non-zero exit, killed by a signal, timed out, could not be spawned.
    public var hookFailuresTotal = 0
    /// Hook runs killed at the timeout (also counted in hookFailuresTotal).
    public var hookTimeoutsTotal = 0
    /// Alerts whose hook was not run because too many were running and queued.
    public var hookDroppedTotal = 0
    /// Hook runs that were retries of a failed one (`hook.retries`).
    public var hookRetriesTotal = 0
    /// Alerts and notices whose hook failed on every attempt: their page did not go out.
    public var hookGivenUpTotal = 0
    /// Evidence clips written / failed.
    public var clipsWrittenTotal = 0
    public var clipFailuresTotal = 0
    /// Seconds of site audio recorded (`recording:`), recording failures, and whether it is recording now.
    public var siteRecordingSecondsTotal: Double = 0
    public var siteRecordingFailuresTotal = 0
    public var siteRecording = false
    /// Whether the score log (`scores:`) is being written, and how often a write error stopped it.
    public var scoreLog = false
    public var scoreLogFailuresTotal = 0
    /// `alert_rate:`: the false alarms per hour the alerts are held against (0 = not watched), and whether the
    /// alerts paged are now far more than that rate allows.
    public var alertRateExpected: Double = 0
    public var alertRateExcess = false
    /// Liveness warnings per condition, and whether each condition is active now.
    public var livenessWarningsTotal: [LivenessCondition: Int] = [:]
    public var livenessActive: Set<LivenessCondition> = []
    /// Seconds of audio captured and analysed.
    public var audioSecondsTotal: Double = 0
    /// Score of the most recent window scored (what the model hears now; STATUS='s "last score").
    public var lastScore: Double = 0
    /// Peak score of the most recent event when it was alerted (0 before the first).
    public var lastEventScore: Double = 0
    /// Unix time of the most recent event (0 before the first).
    public var lastEventTimestamp: Double = 0
    /// Capture device open and delivering.
    public var deviceUp = false
    /// Losses of the outage the health hook was told of and not yet of its end (0: none), and the Unix time of its
    /// first loss: several are a link that keeps dropping (`DeviceNoticeHold`).
    public var deviceOutageLosses = 0
    public var deviceOutageSince: Double = 0
    /// True from the detection loop's start until earshotd stops: the file written as it stops says 0, so a file
    /// left behind is not taken for a running daemon (`earshot status`).
    public var running = false
    /// Unix time the detection loop last reported (about once a second while it runs, whether audio comes or not):
    /// a value far older than the file itself means the loop is stuck while the file is still written.
    public var loopTimestamp: Double = 0
    /// Unix time of the last reload rejected since start or the last reload accepted (0: none): earshotd runs an
    /// earlier configuration than its file says, and would not start with that file.
    public var reloadRejectedAt: Double = 0

    public init() {}
}
