/// `heartbeat:` — proof of life for a dead man's switch (healthchecks.io, Uptime Kuma's push monitors, a cron
/// monitor). A box that lost power, or an earshotd that crash-loops, raises nothing at all — not even a health
/// notice; only an outside monitor that stops hearing from it can tell. earshotd runs `path` every `interval`
/// seconds while it hears (capture device open and delivering, not stalled, the microphone not silent, near silent
/// or stuck), with a health notice `EARSHOT_HEALTH=heartbeat`; the monitor alarms when the runs stop. Clipping and
/// channels cancelling weaken what the detector hears without leaving it deaf: the beats go on (their message, the
/// status line, names the warning), and the health hook tells of those. One run at a time, never
/// retried (the next beat is the retry); a beat still running when the next is due is dropped and logged.
public struct HeartbeatSettings: Sendable, Equatable {
    /// `heartbeat.path`, `timeout`, `kill_after`, `stderr_tail` as for `hook:`; one at a time, no queue, no retries.
    public var hook = HookSettings(maxConcurrent: 1, maxQueued: 0, retries: 0, section: "heartbeat",
                                 lostWhenGivenUp: nil)
    /// `heartbeat.interval`: seconds between beats (default 300, 1…86400).
    public var interval: Double = 300

    public init() {}

    public func validate() throws {
        try hook.validate()
        try Self.intervalRange.check(interval, key: "heartbeat.interval")
    }

    /// `heartbeat.interval`'s range, for the config parser and `validate()` alike (`SettingRange`).
    public static let intervalRange = SettingRange(1...86_400.0, unit: " seconds")
}
