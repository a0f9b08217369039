import Foundation

/// `hook:` section — the operator's alert script — and `health_hook:`, the same for the detector's own health
/// (device, microphone). Run directly (no shell) with the event in its environment (EARSHOT_*) and as one JSON
/// object on stdin; see `HookRunner` and config/hooks/ for examples.
public struct HookSettings: Sendable, Equatable {
    /// The config section these come from ("hook", "health_hook", "heartbeat"), for messages naming a key.
    public var section = "hook"
    /// What is lost when a run fails with no attempt left, for the log line ("the alert is in the journal only:
    /// page by hand"); nil when nothing is (a heartbeat: the next beat is the retry) — then a final failure is
    /// not a give-up and not counted in `earshot_hook_given_up_total`.
    public var lostWhenGivenUp: String? = "the alert is in the journal only: page by hand"
    /// `hook.path`: absolute path of the executable to run for every alert; nil (default) = no hook.
    public var path: String? = nil
    /// `hook.timeout`: seconds a hook may run before it gets SIGTERM (default 10, 0.1…3600).
    public var timeout: Double = 10
    /// `hook.kill_after`: seconds between SIGTERM and SIGKILL to the hook's process group (default 2, 0…60).
    public var killAfter: Double = 2
    /// `hook.max_concurrent`: hooks running at once (default 4, 1…64).
    public var maxConcurrent: Int = 4
    /// `hook.max_queued`: alerts waiting for a free slot; more are dropped with a logged error (default 32, 0…1024).
    public var maxQueued: Int = 32
    /// `hook.stderr_tail`: bytes of the end of the hook's stderr kept for the log (default 4096, 0…65536).
    public var stderrTailBytes: Int = 4096
    /// `hook.retries`: further attempts after a failed run (non-zero exit, signal, timeout, not started) —
    /// a page lost to a network glitch is a gunshot nobody hears of (default 3, 0…20).
    public var retries: Int = 3
    /// `hook.retry_delay`: seconds before the first retry, doubling for each next one (default 5, 0.1…600).
    /// A waiting retry holds no `max_concurrent` slot, unless `deliversInOrder`.
    public var retryDelay: Double = 5
    /// The section's runs are states that a later one supersedes (`health_hook`: a problem, then its end;
    /// `incident_hook`: an incident's steps, then its end), so a receiver must get them in the order they
    /// happened — a dashboard that shows the last one it got, or a retained MQTT topic, would otherwise keep a
    /// retried "shooting in progress" after its "over". Not a config key: it comes with the section.
    public var inOrder = false

    /// With one run at a time, a failed run that is retried keeps its slot while it waits, so no later run
    /// overtakes it: every run arrives in the order it was submitted (later ones wait in the queue, up to
    /// `max_queued`). With several at once, runs are not in order anyway, and a retry waits without a slot.
    public var deliversInOrder: Bool { inOrder && maxConcurrent == 1 }

    public init(path: String? = nil, timeout: Double = 10, killAfter: Double = 2, maxConcurrent: Int = 4,
                maxQueued: Int = 32, stderrTailBytes: Int = 4096, retries: Int = 3, retryDelay: Double = 5, section: String = "hook",
                lostWhenGivenUp: String? = "the alert is in the journal only: page by hand", inOrder: Bool = false) {
        self.section = section; self.lostWhenGivenUp = lostWhenGivenUp; self.inOrder = inOrder
        self.path = path; self.timeout = timeout; self.killAfter = killAfter
        self.maxConcurrent = maxConcurrent; self.maxQueued = maxQueued; self.stderrTailBytes = stderrTailBytes
        self.retries = retries; self.retryDelay = retryDelay
    }

    /// Seconds to wait before attempt `attempt + 1` after attempt `attempt` failed; nil when none is left.
    public func retryDelay(after attempt: Int) -> Double? {
        attempt <= retries ? retryDelay * pow(2, Double(attempt - 1)) : nil
    }

    /// Range and form checks (no file-system access: a missing hook is reported at run time and by
    /// `executableProblem()`, and never stops detection).
    public func validate() throws {
        if let path {
            if path.isEmpty {
                throw SettingsError(key: "\(section).path", value: "\"\"", problem: "is empty",
                                    fix: "remove the key for no hook, or give the absolute path of an executable")
            }
            try SettingsError.checkAbsolutePath(path, key: "\(section).path")
        }
        try Self.timeoutRange.check(timeout, key: "\(section).timeout")
        try Self.killAfterRange.check(killAfter, key: "\(section).kill_after")
        try Self.maxConcurrentRange.check(maxConcurrent, key: "\(section).max_concurrent")
        try Self.maxQueuedRange.check(maxQueued, key: "\(section).max_queued")
        try Self.stderrTailRange.check(stderrTailBytes, key: "\(section).stderr_tail")
        try Self.retriesRange.check(retries, key: "\(section).retries")
        try Self.retryDelayRange.check(retryDelay, key: "\(section).retry_delay")
    }

    // Each key's range (the same in every hook section), for the config parser and `validate()` alike (`SettingRange`).
    public static let timeoutRange = SettingRange(0.1...3600, unit: " seconds")
    public static let killAfterRange = SettingRange(0...60.0, unit: " seconds")
    public static let maxConcurrentRange = SettingRange(1...64)
    public static let maxQueuedRange = SettingRange(0...1024)
    public static let stderrTailRange = SettingRange(0...65_536, unit: " bytes")
    public static let retriesRange = SettingRange(0...20)
    public static let retryDelayRange = SettingRange(0.1...600, unit: " seconds")

    /// Why the section's runs can arrive out of order, with the fix: a section whose runs must arrive in order
    /// (`inOrder`) set to run several at once — as health_hook: was in configs written before in-order delivery
    /// (max_concurrent 4), which an upgrade keeps. Nil when no hook is set or its runs arrive in order.
    /// Said by `earshot check-config` and by earshotd at start and reload (it never stops detection).
    public func orderProblem() -> String? {
        guard inOrder, path != nil, maxConcurrent > 1 else { return nil }
        return "\(section).max_concurrent: \(maxConcurrent) runs several at once, so a receiver can get them out of order (a retried problem after its \"recovered\", a retried alert after the incident's \"over\": a dashboard or a retained MQTT topic then shows what is no longer so); set max_concurrent: 1 — then they arrive in the order they happened, a failed one retried before the next"
    }

    /// Why the configured hook cannot run right now (missing, a directory, not executable), with the fix;
    /// nil when there is no hook or it looks runnable. Used by `earshot check-config` and `HookRunner`.
    public func executableProblem() -> String? {
        guard let path else { return nil }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            return "\(section).path: \(path) does not exist; create it (examples in /usr/local/share/earshot/hooks/) or fix the path"
        }
        if isDir.boolValue {
            return "\(section).path: \(path) is a directory; point it at an executable file inside it"
        }
        guard access(path, X_OK) == 0 else {
            return "\(section).path: \(path) is not executable; run `chmod +x \(path)`"
        }
        return nil
    }
}
