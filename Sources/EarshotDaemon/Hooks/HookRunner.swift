import Foundation
import Logging
import Synchronization

/// Runs the operator's hook for every alert (`AlertSink`) — or, as the `health_hook:` runner, for every health
/// notice (`submit(health:)`), and as the `incident_hook:` runner for every step of an incident
/// (`submit(incident:)`). `send`/`submit` only enqueue, so a hook that hangs, crashes, floods its output or is
/// missing never delays the detection loop, the journal alert or the next event's hook: at most
/// `hook.max_concurrent` hooks run at once, each supervised on its own worker thread (never the concurrency
/// pool); up to `hook.max_queued` more alerts wait; beyond that an alert's hook is
/// dropped with a logged error (in a section of states, the oldest queued run that a later one supersedes goes
/// instead, if there is one: `HookPayload.isSuperseded`). Exit status and the tail of stderr are logged; failures are counted in
/// `metrics`. A failed run is tried again up to `hook.retries` times, `hook.retry_delay` seconds later and
/// doubling (EARSHOT_ATTEMPT counts up); a waiting retry holds no slot, so it never delays a fresh alert's hook —
/// except in a section whose runs must arrive in order (`HookSettings.deliversInOrder`: `health_hook:` and
/// `incident_hook:` with one run at a time), where the retry keeps its slot and later runs wait behind it.
///
/// Stopping (SIGTERM, `DetectionService`): `beginStop()` ends retries — a failed run is not tried again and a
/// waiting retry is not started — while runs already going on, queued or submitted by the stop itself (the
/// incident-over notice, a clip written at the stop) still run; at the stop deadline `cutShort()` kills the
/// process group of every run still going on and drops what is queued, each said in the journal.
///
/// Creating a HookRunner sets SIGPIPE to ignored for the process (a hook that exits without reading stdin
/// must not kill the daemon); hooks themselves start with every signal at its default.
public final class HookRunner: AlertSink, @unchecked Sendable {
    public let name = "hook"
    public let settings: HookSettings
    public let host: String
    private let logger: Logger
    private let metrics: MetricsFile?
    private let onFinish: (@Sendable (HookResult) -> Void)?

    private let cond = NSCondition()       // guards everything below
    private var queue: [HookPayload] = []  // waiting alerts or notices, ≤ settings.maxQueued
    private var running = 0                // worker threads alive (= hooks running or about to)
    private var retrying = 0               // failed runs waiting for their next attempt
    private var stopping = false           // `beginStop`: no more retries
    private var counts = HookStats()
    /// `cutShort`: runs going on are killed, queued ones dropped (read by the workers' supervising loops).
    private let cutting = Atomic<Bool>(false)

    /// - Parameter onFinish: called on the worker thread after each run (after logging), e.g. by tests.
    public init(settings: HookSettings, host: String = HookPayload.hostName, logger: Logger,
                metrics: MetricsFile? = nil, onFinish: (@Sendable (HookResult) -> Void)? = nil) {
        self.settings = settings; self.host = host; self.logger = logger
        self.metrics = metrics; self.onFinish = onFinish
        signal(SIGPIPE, SIG_IGN)
        queue.reserveCapacity(settings.maxQueued)
    }

    public func send(_ alert: Alert) async { submit(alert) }

    /// Starts or queues the hook for `alert` and returns at once. False when no hook is configured or the
    /// alert was dropped because `max_concurrent` hooks run and `max_queued` wait already.
    @discardableResult
    public func submit(_ alert: Alert) -> Bool { submit(HookPayload(alert: alert, host: host)) }

    /// Starts or queues the hook for `alert` whose evidence clip (`alert.clipPath`) is now written (the
    /// `clip_hook:` runner; EARSHOT_CLIP_READY=1), like `submit(_:)`.
    @discardableResult
    public func submit(clipOf alert: Alert) -> Bool { submit(HookPayload(alert: alert, host: host, clipReady: true)) }

    /// Starts or queues the hook for a health notice (the `health_hook:` runner), like `submit(_:)`.
    @discardableResult
    public func submit(health: HealthNotice) -> Bool { submit(HookPayload(health: health, host: host)) }

    /// Starts or queues the hook for a step of an incident (the `incident_hook:` runner), like `submit(_:)`.
    @discardableResult
    public func submit(incident: IncidentUpdate) -> Bool { submit(HookPayload(incident: incident, host: host)) }

    /// False when dropped; a full queue of states (`HookSettings.inOrder`) drops an older run that a later one
    /// supersedes instead, if it has one, and queues `payload` (true). The oldest queued run is nearly always the
    /// one (its condition or incident is told again), so the search rarely goes past it.
    private func submit(_ payload: HookPayload) -> Bool {
        guard settings.path != nil else { return false }
        if cutting.load(ordering: .acquiring) { notRun([payload]); return false }
        cond.lock()
        if running < settings.maxConcurrent {
            running += 1
            cond.unlock()
            startWorker(payload)
            return true
        }
        if queue.count < settings.maxQueued {
            queue.append(payload)
            cond.unlock()
            return true
        }
        // full: in a section of states, the oldest run a later one supersedes goes instead of the newest
        let stale = settings.inOrder ? supersededIndex(before: payload) : nil
        let dropped = stale.map { queue.remove(at: $0) } ?? payload
        if stale != nil { queue.append(payload) }
        counts.dropped += 1
        cond.unlock()
        let s = settings.section
        let why = stale == nil ? "" : ", the oldest a later one supersedes (\(payload.logID) queued in its place)"
        // in order, a run waits for the one before it, retries included: a full queue means the receiver keeps failing
        let fix = settings.deliversInOrder ? "check the receiver (each failed run's stderr is in the journal), or raise \(s).max_queued"
            : "make the hook faster (or background its slow part) or raise \(s).max_concurrent / \(s).max_queued"
        logger.error("\(s) dropped for \(dropped.logID): \(settings.maxConcurrent) hooks running and \(settings.maxQueued) queued\(why); \(fix)")
        metrics?.update { $0.hookDroppedTotal += 1; $0.hookFailuresTotal += 1 }
        return stale != nil
    }

    /// The index of the oldest queued run that a later one — queued, or `next` — supersedes (`HookPayload.isSuperseded`).
    private func supersededIndex(before next: HookPayload) -> Int? {
        for i in queue.indices {
            if queue[i].isSuperseded(by: next) { return i }
            for j in (i + 1)..<queue.count where queue[i].isSuperseded(by: queue[j]) { return i }
        }
        return nil
    }

    /// Counters since creation.
    public var stats: HookStats {
        cond.lock(); defer { cond.unlock() }
        var s = counts
        s.running = running; s.queued = queue.count; s.retrying = retrying
        return s
    }

    /// Earshotd is stopping: from now on no failed run is tried again and no waiting retry starts (it is counted
    /// in `stats.retrying` as not delivered). Runs going on or queued, and ones submitted from now on, still run.
    public func beginStop() {
        cond.lock(); stopping = true; cond.broadcast(); cond.unlock()
    }

    /// The stop deadline came: every run still going on has its process group killed (SIGTERM, then SIGKILL at
    /// most `StopBudget.killGrace` seconds later — sooner with a shorter `kill_after`), queued runs and later
    /// submissions are dropped, each logged. Returns the number of runs that were going on; `waitIdle` then
    /// returns once they are reaped.
    @discardableResult
    public func cutShort() -> Int {
        cutting.store(true, ordering: .releasing)
        cond.lock()
        stopping = true
        let (goingOn, dropped) = (running, queue)
        queue.removeAll()
        cond.broadcast()
        cond.unlock()
        notRun(dropped)
        return goingOn
    }

    /// Logs (and counts as failed) runs that never started because the stop deadline had come.
    private func notRun(_ payloads: [HookPayload]) {
        guard !payloads.isEmpty else { return }
        for p in payloads {
            logger.error("\(settings.section) not run for \(p.logID): earshotd is stopping and its stop deadline has passed — \(settings.lostWhenGivenUp ?? "nothing is lost")")
        }
        let n = payloads.count
        let lost = settings.lostWhenGivenUp != nil
        metrics?.update { $0.hookFailuresTotal += n; if lost { $0.hookGivenUpTotal += n } }
    }

    /// Waits until no hook runs, waits or is due for a retry (graceful shutdown) — once `beginStop` was called, a
    /// waiting retry no longer counts: it will not run. False if `timeout` seconds passed first.
    @discardableResult
    public func waitIdle(timeout: Double) -> Bool {
        let deadline = MonotonicClock.now + timeout
        cond.lock(); defer { cond.unlock() }
        return waitSliced(until: deadline) { running > 0 || !queue.isEmpty || (retrying > 0 && !stopping) }
    }

    /// Waits on `cond` (held) while `keepWaiting()`, up to `deadline` on the monotonic clock, in 0.25 s slices:
    /// `NSCondition.wait(until:)` takes a wall-clock time, so one long wait would end early (or late) when the wall
    /// clock steps. False when the deadline came first.
    private func waitSliced(until deadline: Double, while keepWaiting: () -> Bool) -> Bool {
        while keepWaiting() {
            let left = deadline - MonotonicClock.now
            if left <= 0 { return false }
            _ = cond.wait(until: Date(timeIntervalSinceNow: min(left, 0.25)))
        }
        return true
    }

    private func startWorker(_ first: HookPayload) {
        let t = Thread { [self] in
            ThreadName.set("earshot-hook")
            var next: HookPayload? = first
            while var payload = next {
                // a failed run's retries: on a timer, the slot free meanwhile — or in order, here, the slot kept
                while let delay = runOne(payload) {
                    payload.attempt += 1
                    guard settings.deliversInOrder else { retryLater(payload, after: delay); break }
                    guard waitToRetry(delay) else { notRetried(payload); break }
                }
                next = takeNext()
            }
        }
        t.stackSize = 256 << 10
        t.start()
    }

    private func takeNext() -> HookPayload? {
        cond.lock(); defer { cond.unlock() }
        if !queue.isEmpty && !cutting.load(ordering: .acquiring) { return queue.removeFirst() }
        running -= 1
        cond.broadcast()
        return nil
    }

    /// Runs `payload`'s hook once, counts and logs the outcome; returns the delay before its retry (counted in
    /// `retrying` until the caller starts or abandons it), nil when it succeeded or no attempt is left.
    private func runOne(_ payload: HookPayload) -> Double? {
        guard let path = settings.path else { return nil }
        var result = HookProcess(path: path, settings: settings, cut: { [self] in cutting.load(ordering: .acquiring) }).run(payload)
        result.attempt = payload.attempt
        result.attempts = settings.retries + 1
        if !result.succeeded { result.retryIn = settings.retryDelay(after: payload.attempt) }
        cond.lock()
        if stopping && result.retryIn != nil { result.retryIn = nil; result.notRetriedForStop = true }
        if result.retryIn != nil { retrying += 1 }
        if result.pid != nil { counts.started += 1 }
        if result.succeeded { counts.succeeded += 1 } else { counts.failed += 1 }
        if result.timedOut { counts.timedOut += 1 }
        cond.unlock()
        metrics?.update {
            if result.pid != nil { $0.hookRunsTotal += 1 }
            if !result.succeeded { $0.hookFailuresTotal += 1 }
            if result.timedOut { $0.hookTimeoutsTotal += 1 }
            if payload.attempt > 1 { $0.hookRetriesTotal += 1 }
            if result.gaveUp { $0.hookGivenUpTotal += 1 }
        }
        var meta: Logger.Metadata = [:]
        switch payload.content {
        case let .alert(alert): meta["EARSHOT_EVENT_ID"] = "\(alert.eventID)"
        case let .incident(u): meta["EARSHOT_INCIDENT_ID"] = "\(u.incident.id)"
        case let .health(h): if let id = h.eventID { meta["EARSHOT_EVENT_ID"] = "\(id)" }
        }
        if let pid = result.pid { meta["HOOK_PID"] = "\(pid)" }
        if let code = result.exitCode { meta["HOOK_EXIT_STATUS"] = "\(code)" }
        // what `earshot incidents` reads to say whether an alert's page went out
        meta["MESSAGE_ID"] = "\(EarshotMessageID.hookOutcome)"
        meta["HOOK_SECTION"] = "\(settings.section)"
        meta["HOOK_ATTEMPT"] = "\(payload.attempt)"
        meta["HOOK_OUTCOME"] = "\(result.succeeded ? HookOutcome.delivered : result.retryIn != nil ? HookOutcome.retrying : HookOutcome.failed)"
        if result.succeeded {
            logger.info("\(result.summary)", metadata: meta)
        } else {
            logger.error("\(result.summary)", metadata: meta)
        }
        onFinish?(result)
        return result.retryIn
    }

    /// Submits `next` (a failed run's next attempt) again in `delay` seconds, from a timer: the slot is free for
    /// other hooks while it waits, and it queues behind whatever came meanwhile.
    private func retryLater(_ next: HookPayload, after delay: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [self] in
            cond.lock(); let stop = stopping; cond.unlock()
            if stop {
                notRetried(next)   // a process that exits first never gets here
            } else {
                _ = submit(next)   // a full queue drops it, logged and counted there
            }
            cond.lock(); retrying -= 1; cond.broadcast(); cond.unlock()
        }
    }

    /// Waits `delay` seconds on this worker, its slot kept (`HookSettings.deliversInOrder`), then ends the
    /// wait's count in `retrying`. False when earshotd began stopping meanwhile (`beginStop` wakes it): then no
    /// attempt is started.
    private func waitToRetry(_ delay: Double) -> Bool {
        let deadline = MonotonicClock.now + delay
        cond.lock()
        defer { retrying -= 1; cond.broadcast(); cond.unlock() }
        return !waitSliced(until: deadline) { !stopping }   // the delay over: retry; the stop first: not
    }

    /// Logs `next`, a failed run's attempt that earshotd's stop kept from starting (counted in `stats.retrying`
    /// by the stop's "still waiting to retry" line).
    private func notRetried(_ next: HookPayload) {
        var meta: Logger.Metadata = ["MESSAGE_ID": "\(EarshotMessageID.hookOutcome)", "HOOK_SECTION": "\(settings.section)",
                                     "HOOK_ATTEMPT": "\(next.attempt)", "HOOK_OUTCOME": "\(HookOutcome.failed)"]
        if case let .alert(alert) = next.content { meta["EARSHOT_EVENT_ID"] = "\(alert.eventID)" }
        logger.error("\(settings.section) attempt \(next.attempt) for \(next.logID) not started: earshotd is stopping — \(settings.lostWhenGivenUp ?? "nothing is lost")",
                     metadata: meta)
    }
}

/// Hook runner counters (see `HookRunner.stats`).
public struct HookStats: Sendable, Equatable {
    /// Processes spawned.
    public var started = 0
    public var succeeded = 0
    /// Runs that failed in any way (includes not started, timed out).
    public var failed = 0
    public var timedOut = 0
    /// Alerts whose hook was dropped (cap and queue full).
    public var dropped = 0
    /// Now: hooks running (worker threads), alerts waiting, failed runs waiting for their retry.
    public var running = 0
    public var queued = 0
    public var retrying = 0
    public init() {}
}
