import Dispatch
import EarshotDSP
import Foundation
import Logging
import Synchronization

/// The site's own sound, recorded while the daemon listens (`recording:`): every sample the detector hears
/// goes into `site-<UTC time of its first sample>.wav` files (16-bit mono at the model's rate, a new one every
/// `file_minutes` and after a capture gap, so no file splices two stretches of audio), until the directory
/// holds `hours` of them — counted across restarts, so a restart never records a second day. Files are
/// valid WAVs at every moment (`WAVStreamWriter`). The detection loop only copies samples into a block;
/// the block goes to the writer's own serial queue every 10 s and comes back empty once written, so the
/// loop swaps between preallocated blocks and allocates nothing while the disk keeps up (a new block only
/// when every one is still queued). A failing write (disk full, unwritable directory) is logged with the
/// fix and stops the recording; detection is unaffected.
///
/// `append`, `split` and `flush` must be called from one thread (the detection loop).
public final class SiteRecorder: @unchecked Sendable {
    public let settings: RecordingSettings
    public let sampleRate: Int
    private let logger: Logger
    private let metrics: MetricsFile?
    private let onEvent: (@Sendable (String) -> Void)?
    /// Samples waiting for the writer (detection loop only).
    private var block: Block
    /// Written blocks, emptied, for the detection loop to fill again.
    private let spare = Mutex<[Block]>([])
    /// Blocks ever made (the first at start): stays at two while the writer keeps up.
    private let blocksMade = Atomic<Int>(0)
    private let blockSamples: Int
    /// Set by the writer once the budget is reached or writing failed: `append` then returns at once.
    private let stopped = Atomic<Bool>(false)
    private let writer = DispatchQueue(label: "earshot.recording")
    // writer queue only
    private var file: WAVStreamWriter?
    private var recordedBytes = 0
    private let budgetBytes: Int, fileSamples: Int

    /// - Parameter onEvent: told (on the writer queue) "opened PATH", "closed PATH", "complete" or "failed",
    ///   e.g. by tests.
    public init(settings: RecordingSettings, sampleRate: Int = 16_000, logger: Logger, metrics: MetricsFile? = nil,
                onEvent: (@Sendable (String) -> Void)? = nil) {
        self.settings = settings; self.sampleRate = sampleRate; self.logger = logger; self.metrics = metrics; self.onEvent = onEvent
        blockSamples = 10 * sampleRate
        block = Block(capacity: 0)
        budgetBytes = Int(settings.hours * 3600 * Double(sampleRate)) * 2
        fileSamples = max(1, Int(settings.fileMinutes * 60 * Double(sampleRate)))
        guard settings.enabled else { stopped.store(true, ordering: .relaxed); metrics?.update { $0.siteRecording = false }; return }
        metrics?.update { $0.siteRecording = true }
        block = makeBlock()
        writer.async { [self] in
            recordedBytes = Self.bytesRecorded(in: settings.directory)
            if recordedBytes >= budgetBytes {
                logger.notice("site recording: \(settings.directory) already holds \(Self.hours(recordedBytes, sampleRate)) h (recording.hours: \(settings.hours)); nothing more is recorded — move the files away and reload (`systemctl reload earshot`) to record again")
                stop("complete")
            } else {
                logger.notice("site recording: up to \(Self.hours(budgetBytes - recordedBytes, sampleRate)) h more into \(settings.directory) (recording.hours: \(settings.hours)); use them with `earshot calibrate \(settings.directory)` or `earshot-train adapt … \(settings.directory)`")
            }
        }
    }

    /// True while samples are still recorded.
    public var isRecording: Bool { !stopped.load(ordering: .relaxed) }

    /// Blocks of 10 s allocated so far: two while the writer keeps up, whatever the length of the recording (tests).
    var blocksAllocated: Int { blocksMade.load(ordering: .relaxed) }

    /// Whether a reload with `settings` can keep this recorder: the same settings and rate, and — when
    /// enabled — still recording. A finished or failed recording is started anew on reload, so "move the
    /// files away (or free the disk), then `systemctl reload earshot`" records again.
    public func keeps(_ settings: RecordingSettings, sampleRate: Int) -> Bool {
        settings == self.settings && sampleRate == self.sampleRate && (isRecording || !settings.enabled)
    }

    /// Feeds captured samples (the model's rate, mono). Copies them; hands a full 10 s block to the writer.
    public func append(_ samples: UnsafeBufferPointer<Float>) {
        guard !stopped.load(ordering: .relaxed) else { return }
        if block.samples.isEmpty { block.start = Date(timeIntervalSinceNow: -Double(samples.count) / Double(sampleRate)) }
        block.samples.append(contentsOf: samples)
        if block.samples.count >= blockSamples { handOff(newFile: false) }
    }

    /// Ends the current file after the samples appended so far (a capture gap: the next sample starts a new one).
    public func split() {
        guard !stopped.load(ordering: .relaxed) else { return }
        handOff(newFile: true)
    }

    /// Writes what is buffered, closes the file and waits for the writer (shutdown, reload) — at most `within`
    /// seconds when given (the stop's deadline, `StopBudget`): false when the writer was still busy then.
    @discardableResult
    public func flush(within seconds: Double? = nil) -> Bool {
        if !stopped.load(ordering: .relaxed) { handOff(newFile: true) }
        if writer.sync(within: seconds, {}) { return true }
        logger.error("site recording: its last audio was not written within \(String(format: "%g", seconds ?? 0)) s of the stop's deadline (the disk under \(settings.directory) is slow or stuck); earshotd exits without it")
        return false
    }

    private func handOff(newFile: Bool) {
        guard !block.samples.isEmpty else {
            if newFile { writer.async { [self] in closeFile() } }
            return
        }
        let full = block
        block = spare.withLock { $0.popLast() } ?? makeBlock()
        writer.async { [self] in
            write(full.samples, start: full.start)
            if newFile { closeFile() }
            full.samples.removeAll(keepingCapacity: true)
            spare.withLock { $0.append(full) }
        }
    }

    /// Returns once the writer has written every block handed to it so far (tests).
    func waitForWriter() { writer.sync {} }

    /// A block that holds 10 s plus one read of the ring without growing.
    private func makeBlock() -> Block {
        blocksMade.add(1, ordering: .relaxed)
        return Block(capacity: blockSamples + 16_384)
    }

    /// Samples and the time of the first; owned by the detection loop while it fills it, then by the writer.
    private final class Block: @unchecked Sendable {
        var samples: [Float]
        var start = Date()
        init(capacity: Int) { samples = []; samples.reserveCapacity(capacity) }
    }

    // MARK: writer queue

    private func write(_ block: [Float], start: Date) {
        guard !stopped.load(ordering: .relaxed) else { return }
        var from = 0
        while from < block.count {
            let room = (budgetBytes - recordedBytes) / 2
            guard room > 0 else { complete(); return }
            do {
                if file == nil {
                    try FileManager.default.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
                    let path = Self.path(directory: settings.directory, start: start.addingTimeInterval(Double(from) / Double(sampleRate)))
                    file = try WAVStreamWriter(path: path, sampleRate: sampleRate)
                    recordedBytes += 44
                    onEvent?("opened \(path)")
                }
                let f = file!
                let n = min(block.count - from, fileSamples - f.frames, room)
                try block.withUnsafeBufferPointer { try f.write(UnsafeBufferPointer(rebasing: $0[from..<(from + n)])) }
                recordedBytes += 2 * n
                metrics?.update { [rate = sampleRate] in $0.siteRecordingSecondsTotal += Double(n) / Double(rate) }
                from += n
                if f.frames >= fileSamples { closeFile() }
            } catch {
                logger.error("site recording stopped: \(error); check free space and that recording.directory (\(settings.directory)) is writable by the daemon — detection continues")
                try? file?.close()
                file = nil
                metrics?.update { $0.siteRecordingFailuresTotal += 1 }
                stop("failed")
                return
            }
        }
        if (budgetBytes - recordedBytes) / 2 <= 0 { complete() }
    }

    private func closeFile() {
        guard let f = file else { return }
        file = nil
        do { try f.close() } catch { logger.error("site recording: \(error)") }
        logger.info("site recording written: \(f.path) (\(String(format: "%.1f", Double(f.frames) / Double(sampleRate) / 60)) min)")
        onEvent?("closed \(f.path)")
    }

    private func complete() {
        closeFile()
        logger.notice("site recording complete: \(settings.directory) holds \(Self.hours(recordedBytes, sampleRate)) h; next `earshot calibrate \(settings.directory)` (or `earshot-train adapt`), then set recording.enabled: false")
        stop("complete")
    }

    private func stop(_ why: String) {
        stopped.store(true, ordering: .relaxed)
        metrics?.update { $0.siteRecording = false }
        onEvent?(why)
    }

    /// Bytes of the `site-*.wav` files in `directory` (0 if it does not exist yet).
    static func bytesRecorded(in directory: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("site-") && $0.hasSuffix(".wav") }.reduce(0) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: (directory as NSString).appendingPathComponent(name))
            return total + ((attributes?[.size] as? Int) ?? 0)
        }
    }

    static func hours(_ bytes: Int, _ rate: Int) -> String { String(format: "%.2f", Double(bytes) / 2 / Double(rate) / 3600) }

    /// `<directory>/site-<UTC yyyyMMdd'T'HHmmss.SSS'Z'>.wav`, with `-2`, `-3` … if that name is taken.
    static func path(directory: String, start: Date) -> String {
        let stem = (directory as NSString).appendingPathComponent("site-\(UTCStamp.string(from: start))Z")
        var path = stem + ".wav", k = 2
        while FileManager.default.fileExists(atPath: path) { path = "\(stem)-\(k).wav"; k += 1 }
        return path
    }
}
