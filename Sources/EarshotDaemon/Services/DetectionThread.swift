import Foundation

/// The thread the detection loop runs on: a `TaskExecutor` (SE-0417) with one thread of its own, named
/// `earshot-detect`, that `DetectionService.run()` prefers (`withTaskExecutorPreference`). Two reasons it is not
/// the concurrency pool:
/// - **Priority.** The unit's `Nice=-5` is meant for detection, but libdispatch renices the pool's worker threads
///   to nice 0 to imitate a quality-of-service class (`ps -eLo tid,ni,comm`: `…root.default-qos` at 0), so the
///   features and the CNN ran at 0 — as a hook the loop started did, inheriting the nice of the thread that starts
///   it. A thread inherits its creator's nice, so this one is started from the main thread (`start()` from
///   `EarshotdCommandMain.main()`, on the main actor, first thing), at the process's nice.
/// - **Isolation.** Nothing else queues work here, so a pool kept busy or blocked by other tasks (two threads on
///   a 2-core box) cannot delay a window, and the watchdog pings from this loop measure the loop alone.
/// Jobs run in the order they come; the queue's storage is kept, so steady running allocates nothing.
public final class DetectionThread: TaskExecutor, @unchecked Sendable {
    /// The one detection thread of the process (created on first use: `start()` makes that the main thread).
    public static let shared = DetectionThread(name: "earshot-detect")

    /// Creates the shared thread now, on the calling thread's nice: call it first thing from `main()`.
    public static func start() { _ = shared }

    private let cond = NSCondition()   // guards `queue`
    private var queue: [UnownedJob] = []
    private var running: [UnownedJob] = []
    /// The thread's id (`gettid`), once it runs: what `ps -L` and /proc/PID/task show.
    public private(set) var threadID: pid_t = 0

    private init(name: String) {
        queue.reserveCapacity(64)
        running.reserveCapacity(64)
        let started = DispatchSemaphore(value: 0)
        let t = Thread { [self] in
            ThreadName.set(name)
            threadID = ThreadName.currentID()
            started.signal()
            loop()
        }
        t.stackSize = 1 << 20
        t.start()
        started.wait()
    }

    /// Called by the concurrency runtime for every job of a task that prefers this executor.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        cond.lock()
        queue.append(job)
        cond.signal()
        cond.unlock()
    }

    private func loop() {
        while true {
            cond.lock()
            while queue.isEmpty { cond.wait() }
            swap(&queue, &running)
            cond.unlock()
            for job in running { job.runSynchronously(on: asUnownedTaskExecutor()) }
            running.removeAll(keepingCapacity: true)
        }
    }
}
