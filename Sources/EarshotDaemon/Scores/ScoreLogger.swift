import Dispatch
import EarshotDetect
import Foundation
import Logging
import Synchronization

/// The score log (`scores:`): every window the detector scores, as 6 bytes (`ScoreLogFile`), into
/// `scores-<UTC time of its first window>Z.esl` files — a new one every `file_minutes` of audio, after a capture
/// gap (so each file's UTC times stay right), when the decision rule or model changes (a reload), and for each
/// new detector. Files older than `days` are deleted (looked for at start, then at most every 10 minutes). No sound is kept. `earshot calibrate --scores DIR`
/// recomputes from it the events of any threshold, exactly as the daemon would have counted them.
///
/// As `SiteRecorder`: the detection loop only appends to a preallocated block; every 10 s of windows the block
/// goes to the writer's serial queue and comes back empty, so the loop allocates nothing while the disk keeps up.
/// A failing write (disk full, unwritable directory) is logged with the fix and stops the log until a reload;
/// detection is unaffected.
///
/// `append`, `split`, `newStream`, `update` and `flush` must be called from one thread (the detection loop).
public final class ScoreLogger: @unchecked Sendable {
    /// What a file's header says besides the windows' place: the model and the rule the daemon runs.
    public struct Context: Sendable, Equatable {
        public var model: String, fingerprint: String, sampleRate: Int, rule: DecisionRule, device: String, instance: String
        public init(model: String, fingerprint: String, sampleRate: Int, rule: DecisionRule, device: String, instance: String) {
            self.model = model; self.fingerprint = fingerprint; self.sampleRate = sampleRate; self.rule = rule; self.device = device; self.instance = instance
        }
    }

    public let settings: ScoreLogSettings
    private let logger: Logger
    private let metrics: MetricsFile?
    private let onEvent: (@Sendable (String) -> Void)?
    // detection loop only
    private var context: Context
    private var block: Block
    private var stream = ScoreLogger.newStreamID()
    private var grid: WindowGrid?
    private var nextFrame = 0
    private var windowsInFile = 0
    private var fileWindows = 0
    private var newFile = true
    /// Whether a window off the detector's grid was met (said once: it would be a bug in the grid's use).
    private var offGridSaid = false
    /// Written blocks, emptied, for the detection loop to fill again.
    private let spare = Mutex<[Block]>([])
    private let blocksMade = Atomic<Int>(0)
    private let blockBytes = 100 * ScoreLogFile.recordBytes
    private let stopped = Atomic<Bool>(false)
    private let writer = DispatchQueue(label: "earshot.scores")
    // writer queue only
    private var fd: Int32 = -1
    private var path = ""
    /// When `prune` last listed the directory (`MonotonicClock`).
    private var prunedAt = -Double.infinity
    /// Seconds between two prunings: every new file (each capture gap starts one) listed and stat'ed the whole
    /// directory, so a box with frequent overruns pruned quadratically. Files go at most this much past `days`.
    static let pruneEvery = 600.0

    /// - Parameter onEvent: told (on the writer queue) "opened PATH", "deleted PATH" or "failed", e.g. by tests.
    public init(settings: ScoreLogSettings, context: Context, logger: Logger, metrics: MetricsFile? = nil, onEvent: (@Sendable (String) -> Void)? = nil) {
        self.settings = settings; self.context = context; self.logger = logger; self.metrics = metrics; self.onEvent = onEvent
        block = Block(capacity: 0)
        metrics?.update { $0.scoreLog = settings.enabled }
        guard settings.enabled else { stopped.store(true, ordering: .relaxed); return }
        block = makeBlock()
        writer.async { [self] in
            logger.info("score log: every window's score into \(settings.directory) (kept \(String(format: "%g", settings.days)) days, no sound); choose this site's threshold with `earshot calibrate --scores \(settings.directory)`")
            prune()
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// True while windows are logged.
    public var isLogging: Bool { !stopped.load(ordering: .relaxed) }

    /// Blocks allocated so far: two while the writer keeps up (tests).
    var blocksAllocated: Int { blocksMade.load(ordering: .relaxed) }

    /// Whether a reload with `settings` can keep this logger (a failed one is started anew, so "free the disk,
    /// then `systemctl reload earshot`" logs again).
    public func keeps(_ settings: ScoreLogSettings) -> Bool { settings == self.settings && (isLogging || !settings.enabled) }

    /// Logs one scored window. `grid`: the detector's (`Detector.windowGrid`); `streamSeconds`: the audio the
    /// detector has heard, on its clock (the window's UTC time is now minus the difference); `muted`: paging is
    /// muted (`earshot mute`: a planned noisy event, which `earshot calibrate --scores` leaves out).
    public func append(_ w: ScoredWindow, grid g: WindowGrid, streamSeconds: Double, muted: Bool = false) {
        guard !stopped.load(ordering: .relaxed) else { return }
        let first = g.frame(at: w.start), onset = g.frame(at: w.onset) - first
        // every window the Detector scores is `g.window(…)`, so it comes back bit for bit; one that would not is left out
        guard (0..<min(256, g.windowFrames)).contains(onset), g.window(first: first, onset: first + onset, score: w.score) == w else {
            if !offGridSaid { offGridSaid = true; logger.warning("score log: a window at \(w.start) s is not on the detector's frame grid and is left out (a bug; please report it)") }
            return
        }
        if newFile || grid != g || first != nextFrame || windowsInFile >= fileWindows {
            if grid != g || first != nextFrame { stream = Self.newStreamID() }   // not a continuation: windows are missing
            handOff()
            grid = g
            windowsInFile = 0
            fileWindows = max(1, Int((settings.fileMinutes * 60 / g.hopSeconds).rounded()))
            newFile = false
            block.header = ScoreLogHeader(model: context.model, modelFingerprint: context.fingerprint, sampleRate: context.sampleRate, grid: g,
                                          firstFrame: first, stream: stream, utcStart: Date().timeIntervalSince1970 - (streamSeconds - w.start),
                                          rule: context.rule, device: context.device, instance: context.instance)
        }
        ScoreLogFile.appendRecord(score: w.score, onset: UInt8(onset), flags: muted ? ScoreLogFile.mutedFlag : 0, to: &block.bytes)
        nextFrame = first + g.hopFrames
        windowsInFile += 1
        if block.bytes.count >= blockBytes { handOff() }
    }

    /// The next window starts a new file (a capture gap: the stream goes on, its UTC times jump).
    public func split() { newFile = true }

    /// The model, rule or device for the next windows; a change starts a new file, whose header says it.
    public func update(context new: Context) {
        guard new != context else { return }
        context = new
        newFile = true
    }

    /// Writes what is buffered and waits for the writer (shutdown, reload) — at most `within` seconds when
    /// given (the stop's deadline, `StopBudget`): false when the writer was still busy then (a slow or hung
    /// disk), said in the log.
    @discardableResult
    public func flush(within seconds: Double? = nil) -> Bool {
        if !stopped.load(ordering: .relaxed) { handOff() }
        newFile = true   // windows after this go to a new file
        if writer.sync(within: seconds, { [self] in closeFile() }) { return true }
        logger.error("score log: its last windows were not written within \(String(format: "%g", seconds ?? 0)) s of the stop's deadline (the disk under \(settings.directory) is slow or stuck); earshotd exits without them")
        return false
    }

    /// Returns once the writer has written every block handed to it so far (tests).
    func waitForWriter() { writer.sync {} }

    private func handOff() {
        guard !block.bytes.isEmpty || block.header != nil else { return }
        let full = block
        block = spare.withLock { $0.popLast() } ?? makeBlock()
        writer.async { [self] in
            write(full)
            full.bytes.removeAll(keepingCapacity: true)
            full.header = nil
            spare.withLock { $0.append(full) }
        }
    }

    private func makeBlock() -> Block {
        blocksMade.add(1, ordering: .relaxed)
        return Block(capacity: blockBytes + ScoreLogFile.recordBytes)
    }

    private final class Block: @unchecked Sendable {
        var bytes: [UInt8]
        /// Set when the block's first record starts a new file.
        var header: ScoreLogHeader?
        init(capacity: Int) { bytes = []; bytes.reserveCapacity(capacity) }
    }

    /// What to do when a write fails.
    static let fix = "free space, or make scores.directory writable by the daemon (a path under its StateDirectory, /var/lib/earshot), then `systemctl reload earshot`"

    private static func newStreamID() -> String { String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }

    // MARK: writer queue

    private func write(_ b: Block) {
        guard !stopped.load(ordering: .relaxed) else { return }
        do {
            if let h = b.header {
                closeFile()
                try open(h)
                if MonotonicClock.now - prunedAt >= Self.pruneEvery { prune() }
            }
            guard fd >= 0 else { return }
            try b.bytes.withUnsafeBytes { try writeAll($0) }
        } catch {
            logger.error("score log stopped: \(error) — detection continues")
            closeFile()
            stopped.store(true, ordering: .relaxed)
            metrics?.update { $0.scoreLog = false; $0.scoreLogFailuresTotal += 1 }
            onEvent?("failed")
        }
    }

    /// `mkdir` (of the directory and missing parents) and `open(O_CREAT | O_EXCL)` of the next file, then its header.
    private func open(_ h: ScoreLogHeader) throws {
        let dir = settings.directory
        var prefix = ""
        for part in dir.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o750) != 0 && errno != EEXIST { try fileCheck(-1, "mkdir", path: prefix, fix: Self.fix) }
        }
        let stem = (dir as NSString).appendingPathComponent("scores-\(UTCStamp.string(from: Date(timeIntervalSince1970: h.utcStart)))Z")
        var p = stem + "." + ScoreLogFile.fileExtension, k = 2
        while FileManager.default.fileExists(atPath: p) { p = "\(stem)-\(k).\(ScoreLogFile.fileExtension)"; k += 1 }
        fd = try fileCheck(Glibc.open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640), "open", path: p, fix: Self.fix)
        path = p
        try ScoreLogFile.headerBytes(h).withUnsafeBytes { try writeAll($0) }
        onEvent?("opened \(p)")
    }

    /// `write` until all of `bytes` is written (a signal or a short write resumes).
    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { try fileCheck(-1, "write", path: path, fix: Self.fix) }
            done += n
        }
    }

    private func closeFile() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    /// Deletes this log's files last written more than `days` ago (at start, then with a new file at most every
    /// `pruneEvery` seconds).
    private func prune() {
        prunedAt = MonotonicClock.now
        let dir = settings.directory
        let cutoff = Date().addingTimeInterval(-settings.days * 86_400)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        where name.hasPrefix("scores-") && name.hasSuffix("." + ScoreLogFile.fileExtension) {
            let p = (dir as NSString).appendingPathComponent(name)
            guard p != path, let m = (try? FileManager.default.attributesOfItem(atPath: p))?[.modificationDate] as? Date, m < cutoff else { continue }
            do { try FileManager.default.removeItem(atPath: p); onEvent?("deleted \(p)") } catch {
                logger.warning("score log: cannot delete \(p), older than scores.days (\(String(format: "%g", settings.days))): \(error)")
            }
        }
    }
}
