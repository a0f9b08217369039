import Dispatch
import EarshotDSP
import Foundation
import Logging
import Synchronization

/// Evidence clips: keeps the last seconds of captured audio (a preallocated `HistoryBuffer`), and for each
/// alert writes pre-roll + post-roll as a 16-bit mono WAV named by time and event id, atomically (temporary
/// file + rename), on its own serial queue — never on the detection thread. Retention (count, total bytes,
/// age) runs after every write. A failing write (disk full, directory unwritable) is logged and counted;
/// alerts are unaffected. A clip never spans a capture gap (`markGap`): its pre-roll starts after the last one,
/// and a gap during its post-roll ends it there — evidence holds only audio that really was contiguous.
///
/// `append`, `begin` and `flush` must be called from one thread (the detection loop).
public final class ClipRecorder: @unchecked Sendable {
    public let settings: ClipSettings
    public let sampleRate: Int
    private let logger: Logger
    private let metrics: MetricsFile?
    private let onWritten: (@Sendable (String, Error?) -> Void)?
    private var history: HistoryBuffer
    private let preSamples: Int, postSamples: Int
    /// Clips waiting for their post-roll: (path, first sample index, end sample index, what to do once it is
    /// written), oldest first.
    private typealias Pending = (path: String, from: Int, end: Int, then: (@Sendable (String) -> Void)?)
    private var pending: [Pending] = []
    /// Index of the first sample after the last capture gap (0: none yet).
    private var gapAt = 0
    private static let maxPending = 16
    /// How far back an event's start may lie before `begin` (detector latency).
    public static let maxLookbackSeconds = 10.0
    private let writer = DispatchQueue(label: "earshot.clips")
    private let retention: ClipRetention
    /// clips.directory could not be made, at start or at the last clip (set on the writer queue, read by
    /// `begin`): a clip is still attempted (the directory may be mended), but its path is not promised to the
    /// journal and the hook (EARSHOT_CLIP) until a clip has been written there again.
    private let directoryFailed = Atomic<Bool>(false)

    /// - Parameter onWritten: called on the writer queue after each clip (error nil = written), e.g. by tests.
    public init(settings: ClipSettings, sampleRate: Int = 16_000, logger: Logger, metrics: MetricsFile? = nil,
                onWritten: (@Sendable (String, Error?) -> Void)? = nil) {
        self.settings = settings; self.sampleRate = sampleRate; self.logger = logger
        self.metrics = metrics; self.onWritten = onWritten
        preSamples = Int((settings.preRoll * Double(sampleRate)).rounded())
        postSamples = Int((settings.postRoll * Double(sampleRate)).rounded())
        let lookback = Int(Self.maxLookbackSeconds * Double(sampleRate))
        history = HistoryBuffer(capacity: settings.enabled ? preSamples + postSamples + lookback + sampleRate : 1)
        pending.reserveCapacity(Self.maxPending)
        retention = ClipRetention(settings: settings)
        if settings.enabled {
            // Old clips may have outlived a lowered limit while the daemon was down.
            writer.async { [self] in
                do { try PlaceLocks.makeDirectories(settings.directory, fix: Self.directoryFix) } catch {
                    directoryFailed.store(true, ordering: .releasing)   // said at start by PlaceLocks
                }
                retention.enforce(logger: logger)
            }
        }
    }

    /// Samples appended so far (absolute index of the next sample).
    public var samplesAppended: Int { history.totalAppended }

    /// Feeds captured samples (16 kHz mono). No allocation unless a clip completes.
    public func append(_ samples: UnsafeBufferPointer<Float>) {
        guard settings.enabled else { return }
        history.append(samples)
        while let first = pending.first, history.totalAppended >= first.end {
            pending.removeFirst()
            finish(first, upTo: first.end)
        }
    }

    public func append(_ samples: [Float]) { samples.withUnsafeBufferPointer { append($0) } }

    /// The next appended sample follows a capture gap: clips waiting for post-roll end here (written now),
    /// and later clips' pre-roll starts here.
    public func markGap() {
        guard settings.enabled else { return }
        let now = history.totalAppended
        for p in pending { finish(p, upTo: now) }
        pending.removeAll(keepingCapacity: true)
        gapAt = now
    }

    /// Starts a clip for an event and returns the path it will be written to (nil when clips are disabled, too
    /// many are pending, or clips.directory could not be made at start or at the last clip — then the clip is
    /// still attempted, and `whenWritten` still called if it succeeds). No I/O: the path can go into the
    /// journal entry and the hook at once.
    /// - Parameters:
    ///   - start: wall-clock time of the event start (names the file).
    ///   - samplesSinceStart: how many of the samples already appended came after the event start (e.g. the
    ///     detector's window length); the clip covers [start − pre_roll, start + post_roll).
    ///   - whenWritten: called on the writer queue with the path once this clip is written (not when writing
    ///     failed), e.g. to run `clip_hook:`.
    ///   - grid: the detector's windows in this recorder's sample count (`samplesAppended`): one starts at
    ///     `origin + k × hop`. The clip then starts on that grid (its pre-roll up to one hop longer), so
    ///     `earshot detect` on the clip scores the very windows earshotd scored, and re-checking an alert's clip
    ///     finds what earshotd found (operator QA 2: on another grid, a score near the threshold may not be).
    public func begin(eventID: String, at start: Date, samplesSinceStart: Int = 0, grid: (origin: Int, hop: Int)? = nil,
                      whenWritten: (@Sendable (String) -> Void)? = nil) -> String? {
        guard settings.enabled else { return nil }
        guard pending.count < Self.maxPending else {
            logger.error("evidence clip for event \(eventID) skipped: \(Self.maxPending) clips already waiting for post-roll")
            metrics?.update { $0.clipFailuresTotal += 1 }
            return nil
        }
        let back = max(0, min(samplesSinceStart, Int(Self.maxLookbackSeconds * Double(sampleRate))))
        let startIndex = history.totalAppended - back
        var first = startIndex - preSamples
        if let g = grid, g.hop > 0 { first -= ((first - g.origin) % g.hop + g.hop) % g.hop }
        let path = Self.path(directory: settings.directory, eventID: eventID, start: start)
        pending.append((path, first, startIndex + postSamples, whenWritten))
        return directoryFailed.load(ordering: .acquiring) ? nil : path
    }

    /// True when no clip waits for its post-roll: a recorder that a reload replaced is fed until then.
    public var isIdle: Bool { pending.isEmpty }

    /// Takes `other`'s recent audio as this recorder's pre-roll — a reload that changed `clips:` at the same
    /// sample rate — so a clip begun right after the reload still reaches back before it (never across a gap
    /// `other` marked). Call before appending anything.
    public func takePreRoll(from other: ClipRecorder) {
        guard settings.enabled, other.settings.enabled, other.sampleRate == sampleRate, history.totalAppended == 0 else { return }
        let n = min(other.history.count, other.history.totalAppended - other.gapAt, history.capacity)
        guard n > 0 else { return }
        history.append(other.history.last(n))
    }

    /// Writes every pending clip with the audio there is (shutdown), and waits for the writer queue — at most
    /// `within` seconds when given (the stop's deadline, `StopBudget`): false when it was still busy then.
    @discardableResult
    public func flush(within seconds: Double? = nil) -> Bool {
        let now = history.totalAppended
        for p in pending { finish(p, upTo: min(p.end, now)) }
        pending.removeAll(keepingCapacity: true)
        if writer.sync(within: seconds, {}) { return true }
        logger.error("evidence clips: not all written within \(String(format: "%g", seconds ?? 0)) s of the stop's deadline (the disk under \(settings.directory) is slow or stuck)")
        return false
    }

    /// Copies [from, upTo) (clamped to what the history still holds) and hands it to the writer queue.
    private func finish(_ p: Pending, upTo end: Int) {
        let total = history.totalAppended
        let from = max(p.from, total - history.count, gapAt)
        guard end > from else { return }
        var samples = history.last(total - from)
        samples.removeLast(total - end)
        let (path, rate, clip, then) = (p.path, sampleRate, samples, p.then)
        writer.async { [self] in
            do {
                do { try PlaceLocks.makeDirectories(settings.directory, fix: Self.directoryFix) } catch {
                    directoryFailed.store(true, ordering: .releasing)
                    throw error
                }
                try AudioFileWriter.writeWAV16(clip, sampleRate: rate, to: URL(fileURLWithPath: path))
                directoryFailed.store(false, ordering: .releasing)
                metrics?.update { $0.clipsWrittenTotal += 1 }
                logger.info("evidence clip written: \(path) (\(String(format: "%.1f", Double(clip.count) / Double(rate))) s)")
                retention.enforce(keeping: path, logger: logger)
                onWritten?(path, nil)
                then?(path)
            } catch {
                metrics?.update { $0.clipFailuresTotal += 1 }
                if error is FileCallError {   // "mkdir(/a/file/clips) failed: Not a directory; make clips.directory …"
                    logger.error("evidence clip \(path) could not be written: \(error) — alerts continue without clips")
                } else {
                    logger.error("evidence clip \(path) could not be written: \(error); check free space and that clips.directory (\(settings.directory)) is writable by the daemon — alerts continue without clips")
                }
                onWritten?(path, error)
            }
        }
    }

    /// What to do when clips.directory cannot be made.
    static let directoryFix = "make clips.directory a directory the daemon can write (under its state directory, e.g. /var/lib/earshot/clips), or set clips.enabled: false"

    /// `<directory>/<UTC yyyyMMdd'T'HHmmss.SSS'Z'>_<event id>.wav`; the event id is reduced to [A-Za-z0-9._-].
    public static func path(directory: String, eventID: String, start: Date) -> String {
        let safe = String(eventID.unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) ? Character($0) : "_"
        })
        return (directory as NSString).appendingPathComponent("\(UTCStamp.string(from: start))Z_\(safe).wav")
    }
}
