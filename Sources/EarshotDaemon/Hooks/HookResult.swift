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

    public init(eventID: String) { self.eventID = eventID }

    public var succeeded: Bool { spawnError == nil && !timedOut && exitCode == 0 }

    /// One line for the log.
    public var summary: String {
        if let spawnError { return "hook not run for event \(eventID): \(spawnError)" }
        let t = String(format: "%.2f", seconds)
        var s: String
        if timedOut { s = "hook for event \(eventID) timed out after \(t) s and was killed (signal \(signal ?? 0)); raise hook.timeout or make the hook faster" }
        else if let exitCode { s = "hook for event \(eventID) exited with status \(exitCode) after \(t) s" }
        else { s = "hook for event \(eventID) was killed by signal \(signal ?? 0) after \(t) s" }
        if !stderrTail.isEmpty { s += "; stderr (last \(stderrTail.utf8.count) of \(stderrBytes) bytes): \(stderrTail)" }
        return s
    }
}
