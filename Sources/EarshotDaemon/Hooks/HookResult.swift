/// How one hook run ended.
public struct HookResult: Sendable, Equatable {
    public var eventID: String
    /// Process id, nil when the hook could not be started.
    public var pid: Int32?
    /// Exit status when it exited; nil when killed by a signal or not started.
    public var exitCode: Int32?
    /// Signal that ended it, if any.
    public var signal: Int32?
    /// Killed because it outlived `hook.timeout`.
    public var timedOut = false
    /// Wall time from spawn to reap.
    public var seconds: Double = 0
    /// The end of what it wrote to stderr (at most `hook.stderr_tail` bytes).
    public var stderrTail = ""
    /// Total bytes it wrote to stderr.
    public var stderrBytes = 0
    /// Why it was not run (missing, not executable, spawn failed), with the fix.
    public var spawnError: String?

    /// The config section of the hook ("hook", "health_hook") and what the run was for ("event ID", or
    /// "health: device problem"), for the log line.
    public var section = "hook"
    public var subject: String
    /// What a final failure loses (`HookSettings.lostWhenGivenUp`); nil: nothing (a heartbeat).
    public var lostWhenGivenUp: String? = "the alert is in the journal only: page by hand"
    /// This run's attempt (1 = first) of at most `attempts` (`retries` + 1).
    public var attempt = 1, attempts = 1
    /// Seconds until the next attempt, when this one failed and another is left.
    public var retryIn: Double?
    /// Killed (its process group SIGTERM, then SIGKILL) because earshotd's stop deadline came while it ran
    /// (`HookRunner.cutShort`).
    public var cutShort = false
    /// Failed while earshotd was stopping, with attempts left: not tried again (`HookRunner.beginStop`).
    public var notRetriedForStop = false

    public init(eventID: String) { self.eventID = eventID; subject = "event \(eventID)" }

    public var succeeded: Bool { spawnError == nil && !timedOut && !cutShort && exitCode == 0 }

    /// Failed with no attempt left: the page did not go out (an alert's or a health notice's; a failed heartbeat
    /// loses nothing — the next one is due anyway).
    public var gaveUp: Bool { !succeeded && retryIn == nil && lostWhenGivenUp != nil }

    private var attemptNote: String {
        guard attempts > 1 || !succeeded else { return "" }
        let of = " (attempt \(attempt) of \(attempts)"
        if succeeded { return attempt > 1 ? of + ")" : "" }
        if let r = retryIn { return of + "; retrying in \(String(format: "%g", r)) s)" }
        guard let lost = lostWhenGivenUp else { return "" }   // a heartbeat: the next beat is the retry
        if notRetriedForStop { return of + "; not retried: earshotd is stopping — \(lost))" }
        return of + "; giving up — \(lost))"
    }

    /// One line for the log.
    public var summary: String {
        if let spawnError { return "\(section) not run for \(subject): \(spawnError)" + attemptNote }
        let t = String(format: "%.2f", seconds)
        var s: String
        if cutShort { s = "\(section) for \(subject) was cut short after \(t) s: earshotd is stopping and waits at most \(String(format: "%g", StopBudget.hookSeconds)) s for hooks, so its process group was killed (signal \(signal ?? 0))" }
        else if timedOut { s = "\(section) for \(subject) timed out after \(t) s and was killed (signal \(signal ?? 0)); raise \(section).timeout or make the hook faster" }
        else if let exitCode { s = "\(section) for \(subject) exited with status \(exitCode) after \(t) s" }
        else { s = "\(section) for \(subject) was killed by signal \(signal ?? 0) after \(t) s" }
        s += attemptNote
        if !stderrTail.isEmpty { s += "; stderr (last \(stderrTail.utf8.count) of \(stderrBytes) bytes): \(stderrTail)" }
        return s
    }
}
