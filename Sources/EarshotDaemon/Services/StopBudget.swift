import Dispatch

/// How long a graceful stop (SIGTERM, SIGINT) may take: one deadline for all of it, well inside the unit's
/// `TimeoutStopSec=30s` (systemd/earshot.service), after which systemd would SIGKILL earshotd before the score
/// log, the site recording and the metrics file (`earshot_running 0`) are written, and kill what hooks are left
/// part-way. STOPPING=1 goes out as the stop begins; hook runs going on, queued or sent by the stop itself (the
/// incident-over notice, clips finished at the stop and their `clip_hook:`) get until `hookSeconds`, no failed
/// run is retried; then every hook run still going on has its process group killed (SIGTERM, SIGKILL at most
/// `killGrace` later) and is named in the journal; the writers' last flushes get what is left of `totalSeconds`.
struct StopBudget {
    /// Seconds from the stop's start that hooks may still run: room for a hook with the default `timeout: 10`
    /// and `kill_after: 2` started just before it.
    static let hookSeconds = 15.0
    /// Seconds between SIGTERM and SIGKILL to a hook cut short (its `kill_after` when shorter).
    static let killGrace = 2.0
    /// Seconds from the stop's start to the last flush's end; the process exits right after.
    static let totalSeconds = 20.0
    /// What a writer's final flush gets at least, even when the hooks used up the budget.
    static let minimumFlush = 0.5

    /// When the stop began (`MonotonicClock`).
    let start: Double
    init(start: Double = MonotonicClock.now) { self.start = start }

    /// Seconds left until hooks are cut short.
    var hooksLeft: Double { max(0, start + Self.hookSeconds - MonotonicClock.now) }
    /// Seconds left for a writer's last flush (at least `minimumFlush`).
    var flushLeft: Double { max(Self.minimumFlush, start + Self.totalSeconds - MonotonicClock.now) }
}

extension DispatchQueue {
    /// Runs `work` on this serial queue and waits for it at most `seconds` (a writer stuck on a slow or hung disk
    /// must not hold the stop until systemd's SIGKILL); nil waits as long as it takes (a reload). True when it
    /// finished in time; else it still runs later.
    func sync(within seconds: Double?, _ work: @escaping @Sendable () -> Void) -> Bool {
        guard let seconds else { sync(execute: work); return true }
        let done = DispatchSemaphore(value: 0)
        async { work(); done.signal() }
        return done.wait(timeout: .now() + seconds) == .success
    }
}
