import EarshotDSP
import EarshotDetect
import Foundation
import Logging
import Synchronization

/// The capture side: a dedicated OS thread (never the concurrency pool) that opens the ALSA device, reads
/// period-sized S16_LE blocks with `snd_pcm_readi`, picks a channel or mixes down, resamples to the model's
/// rate when the device runs at another, and writes into the lock-free `SampleRing`. Before resampling, it
/// counts each 100 ms block's levels (silence, peak, a stuck value, clipping) for the liveness monitor: `levels`. A
/// missing or lost device is closed, logged once, and retried with exponential back-off; the thread never gives
/// up. A device that stops delivering without an error (a read that never returns) is the detection loop's to
/// notice: `secondsSinceProgress`.
public final class CaptureThread: @unchecked Sendable {
    public enum State: Int, Sendable { case starting = 0, capturing, retrying, stopped }

    public struct Options: Sendable {
        public var device: String
        public var sampleRate: Int
        public var channels: Int
        public var channel: Int?
        public var periodMs: Int
        public var retryMin: Double
        public var retryMax: Double
        public var targetRate: Int
        /// Test/benchmark knobs: stop after this many device frames (ALSA's file plugin repeats its last
        /// data at end of file), and pace reads to `pace` × real time (0 = as fast as the device delivers): each
        /// block is handed on when its last frame would have been recorded, as a sound card hands over a period.
        public var maxFrames: Int?
        public var pace: Double = 0
        /// Private ALSA configuration defining `device` (see `PCMCapture`).
        public var configText: String?

        public init(device: String, sampleRate: Int, channels: Int, channel: Int?, periodMs: Int, retryMin: Double, retryMax: Double,
                    targetRate: Int, maxFrames: Int? = nil, pace: Double = 0, configText: String? = nil) {
            self.device = device; self.sampleRate = sampleRate; self.channels = channels; self.channel = channel
            self.periodMs = periodMs; self.retryMin = retryMin; self.retryMax = retryMax; self.targetRate = targetRate
            self.maxFrames = maxFrames; self.pace = pace; self.configText = configText
        }

        /// The capture a config asks for (`device:`, `channels:`, `channel:`, `sample_rate:`, `period_ms:`, the
        /// retry delays), delivered at `targetRate` (the model's): the one place earshotd, `earshot listen` and
        /// `earshot check-config` take it from.
        public init(config c: DaemonConfig, targetRate: Int, maxFrames: Int? = nil, pace: Double = 0, configText: String? = nil) {
            self.init(device: c.device, sampleRate: c.sampleRate, channels: c.channels, channel: c.channel, periodMs: c.periodMs,
                      retryMin: c.retryMin, retryMax: c.retryMax, targetRate: targetRate, maxFrames: maxFrames, pace: pace, configText: configText)
        }

        /// The ALSA period asked of the device, in frames: `periodMs` at `sampleRate`, at least 16.
        public var periodFrames: Int { max(16, sampleRate * periodMs / 1000) }

        /// The channel heard of a device opened with `opened` channels: `channel`, or the last when it lacks that
        /// one; nil when the channels are mixed. The capture thread, check-config and `earshot listen` all say it.
        public func channelHeard(opened: Int) -> Int? { channel.map { min($0, opened - 1) } }
    }

    /// The fix for a device that records below the model's rate: ask for more (`sample_rate:` below it), or, when
    /// the hardware has nothing faster than it gave, another microphone.
    public static func lowRateFix(asked: Int, modelRate: Int) -> String {
        asked < modelRate ? "set sample_rate: \(modelRate)" : "the hardware records no faster: use a microphone that records at \(modelRate) Hz or more"
    }

    public let ring: SampleRing
    /// Ring indices where audio was lost before the next sample (overruns, the device reopened).
    public let gaps = CaptureGaps()
    /// The microphone's 100 ms levels, counted at the device's own rate for the liveness monitor (as many as
    /// the ring holds audio).
    public let levels: CaptureLevels
    private let opts: Options
    private let log: Logger
    private let stateValue = Atomic<Int>(State.starting.rawValue)
    private let stopFlag = Atomic<Bool>(false)
    private let overrunCount = Atomic<Int>(0)
    private let lossCount = Atomic<Int>(0)
    /// `secondsAway`, in microseconds.
    private let awayMicros = Atomic<Int>(0)
    private let lastErrorLock = NSLock()
    private var lastErrorText = ""
    private let done = DispatchSemaphore(value: 0)
    /// The device's real rate once open (0 before).
    private let deviceRate = Atomic<Int>(0)
    private let deviceChannels = Atomic<Int>(0)
    /// Samples per block written to the ring (a period, at the target rate) once open (0 before).
    private let blockSize = Atomic<Int>(0)
    /// Samples the resampler holds back (`SteadyResampler.lag`), 0 when the device runs at the target rate.
    private let resampleLagSamples = Atomic<Int>(0)
    /// The ring's `totalWritten` when the device was last opened (`lastBlockEnd`).
    private let openedAtSample = Atomic<Int>(0)
    /// The ring's `totalWritten` after the last whole block (`lastBlockEnd`).
    private let blockEndSample = Atomic<Int>(0)
    /// `openNumber`; `opensInProcess` numbers every open of every capture thread.
    private let openNumberValue = Atomic<Int>(0)
    private static let opensInProcess = Atomic<Int>(0)
    /// Monotonic time (ns) the device was opened or last delivered a block.
    private let progressNs = Atomic<Int>(Int(MonotonicClock.nanoseconds))
    /// Called on this thread after each block written to the ring, and once when the thread stops, so the
    /// consumer can sleep until there is something to do instead of polling.
    private let onData: @Sendable () -> Void

    public init(options: Options, ring: SampleRing, logger: Logger, onData: @escaping @Sendable () -> Void = {}) {
        opts = options
        self.ring = ring
        levels = CaptureLevels(seconds: Double(ring.capacity) / Double(options.targetRate))
        log = logger
        self.onData = onData
    }

    public var state: State { State(rawValue: stateValue.load(ordering: .acquiring)) ?? .stopped }
    public var overruns: Int { overrunCount.load(ordering: .relaxed) }
    /// Losses of the open device (a failed open is none). Counted after the state turns `.retrying`: read before
    /// `state`, a loss counted with the state `.capturing` is one the device has reopened after.
    public var deviceLosses: Int { lossCount.load(ordering: .acquiring) }
    /// Seconds without audio of the device's outages over — from its last audio before a loss (or a failed open)
    /// to the open after it — counted at each such open, before the state turns `.capturing`. The detection loop
    /// misses a loss that reopens at once (a glitch of a fraction of a second between two of its looks); this says
    /// how long it was.
    public var secondsAway: Double { Double(awayMicros.load(ordering: .relaxed)) / 1e6 }
    public var rate: Int { deviceRate.load(ordering: .relaxed) }
    /// The channels the device opened with (0 before it opened): `channels:` or what the device had nearest.
    public var channels: Int { deviceChannels.load(ordering: .relaxed) }
    /// Samples the ring gets per block — one ALSA period, at the target rate (when resampling too: the lag is
    /// steady, `resampleLag`) — once the device is open, 0 before. `ring.totalWritten` is always at the end of a
    /// block.
    public var blockSamples: Int { blockSize.load(ordering: .relaxed) }
    /// Samples at the target rate that resampling holds back, always the same for a device once open
    /// (`SteadyResampler.lag`: ≈ 15 ms at 48 kHz), 0 without resampling: after n frames the ring has been written
    /// ⌊n · target / rate⌋ − `resampleLag` samples.
    public var resampleLag: Int { resampleLagSamples.load(ordering: .relaxed) }
    /// The ring index where the last block written ends — nil until the device, since it was (re)opened, has
    /// written one. The ring's end at the open is no block end of the new stream when it is resampled: its blocks
    /// end `resampleLag` short of the 100 ms marks (lining windows up with the open's end had each wait a block).
    ///
    /// The last read of a `--max-frames` run (`earshotd --replay`, the tests) is cut short by the option, not by the
    /// device: its end is no block end. A detector lined up with it — when the detection loop, late on a busy box,
    /// first looked after the whole file was read — scored the file's windows on another grid than an idle box
    /// did, and a shot right at a replayed file's end was alerted or not with the load (the shipped model, a
    /// corpus AK-12 clip: 4 runs in 13 missed it with six busy loops beside it, none alone).
    public var lastBlockEnd: Int? {
        let end = blockEndSample.load(ordering: .acquiring)
        return end > openedAtSample.load(ordering: .acquiring) ? end : nil
    }
    /// The device's current open, numbered across every capture thread of the process (0 before the first): a
    /// new number means a new stream of blocks — the device reopened after a loss, or a reload made a new
    /// capture thread — whose blocks end elsewhere in the stream (a resampled device's first block is `resampleLag`
    /// short), so the detector's windows are lined up again (`WindowAlignment.reopened`). Read it before
    /// `openedAt` and `lastBlockEnd`: it is stored after them.
    public var openNumber: Int { openNumberValue.load(ordering: .acquiring) }
    /// The ring index where the current open's audio begins (what comes before it is the last open's).
    public var openedAt: Int { openedAtSample.load(ordering: .acquiring) }
    public var lastError: String { lastErrorLock.lock(); defer { lastErrorLock.unlock() }; return lastErrorText }
    /// Seconds since the device was opened or last delivered a block (monotonic clock). While `state` is
    /// `.capturing`, a large value means the device stopped delivering inside a read that does not return.
    public var secondsSinceProgress: Double {
        Double(Int(MonotonicClock.nanoseconds) - progressNs.load(ordering: .relaxed)) / 1e9
    }
    private func progressed() { progressNs.store(Int(MonotonicClock.nanoseconds), ordering: .relaxed) }

    /// The `Thread` is not kept: its block holds `self`, and Foundation keeps a thread's block after it has run, so
    /// keeping it would tie the two for good and leak both with the ring once stopped (a reload that changes the
    /// device makes a new capture thread; LeakSanitizer found it). Foundation holds the thread until it ends.
    public func start() {
        let t = Thread { [self] in ThreadName.set("earshot-capture"); self.main(); self.done.signal() }
        t.stackSize = 1 << 20
        t.start()
    }

    /// Asks the thread to stop and waits (a blocked read returns within one period — or never, on a stalled
    /// device: then this returns after `timeout`).
    public func stop(timeout: Double = 3) {
        stopFlag.store(true, ordering: .releasing)
        _ = done.wait(timeout: .now() + timeout)
    }

    private var stopping: Bool { stopFlag.load(ordering: .acquiring) }

    private func setError(_ s: String) { lastErrorLock.lock(); lastErrorText = s; lastErrorLock.unlock() }

    private func main() {
        var delay = opts.retryMin
        var reportedMissing = false
        var framesTotal = 0
        var opened = false
        var lostAt: Double?   // its last audio before a loss or a failed open (MonotonicClock), until it opens again
        while !stopping {
            let pcm: PCMCapture
            do {
                pcm = try PCMCapture(device: opts.device, rate: opts.sampleRate, channels: opts.channels, periodFrames: opts.periodFrames, configText: opts.configText)
            } catch {
                setError("\(error)")
                if !reportedMissing { log.error("capture device unavailable, retrying", metadata: ["error": "\(error)", "message_id": "\(EarshotMessageID.device)", "earshot_device": "\(opts.device)"]) }
                reportedMissing = true
                if lostAt == nil { lostAt = MonotonicClock.now - secondsSinceProgress }
                stateValue.store(State.retrying.rawValue, ordering: .releasing)
                sleepInterruptibly(delay)
                delay = min(opts.retryMax, delay * 2)
                continue
            }
            if let t = lostAt {   // reopened at once after a loss too: the journal says the loss is over, and its length
                let s = MonotonicClock.now - t
                awayMicros.add(Int((s * 1e6).rounded()), ordering: .relaxed)
                log.notice("capture device available again after \(String(format: "%.1f", s)) s without audio",
                           metadata: ["earshot_device": "\(opts.device)", "message_id": "\(EarshotMessageID.device)", "earshot_outage_seconds": "\(String(format: "%.3f", s))"])
            }
            lostAt = nil
            reportedMissing = false
            delay = opts.retryMin
            deviceRate.store(pcm.rate, ordering: .relaxed)
            deviceChannels.store(pcm.channels, ordering: .relaxed)
            openedAtSample.store(ring.totalWritten, ordering: .releasing)   // before the block size says it is open
            openNumberValue.store(Self.opensInProcess.add(1, ordering: .relaxed).newValue, ordering: .releasing)
            blockSize.store(Int((Double(pcm.periodFrames) * Double(opts.targetRate) / Double(pcm.rate)).rounded()), ordering: .releasing)
            progressed()
            if opened { gaps.record(ring.totalWritten) }   // reopened after a loss: the audio in between is gone
            opened = true
            log.info("capturing", metadata: ["device": "\(opts.device)", "rate": "\(pcm.rate)", "channels": "\(pcm.channels)", "period": "\(pcm.periodFrames)"])
            stateValue.store(State.capturing.rawValue, ordering: .releasing)
            do {
                try capture(pcm, framesTotal: &framesTotal)
            } catch {
                setError("\(error)")
                lostAt = MonotonicClock.now - secondsSinceProgress   // its last block: a failing read may have blocked first
                log.error("capture device lost, reopening", metadata: ["error": "\(error)", "message_id": "\(EarshotMessageID.device)", "earshot_device": "\(opts.device)"])
                stateValue.store(State.retrying.rawValue, ordering: .releasing)
                lossCount.add(1, ordering: .releasing)   // after the state: a loss counted is one whose state is seen
            }
            pcm.close()
            if let max = opts.maxFrames, framesTotal >= max { break }
        }
        stateValue.store(State.stopped.rawValue, ordering: .releasing)
        onData()
    }

    /// Reads until stopped or the device fails. All buffers are allocated here, before the loop.
    private func capture(_ pcm: PCMCapture, framesTotal: inout Int) throws {
        let period = pcm.periodFrames, ch = pcm.channels
        let raw = UnsafeMutablePointer<Int16>.allocate(capacity: period * ch)
        let mono = UnsafeMutablePointer<Float>.allocate(capacity: period)
        // Each frame's largest |sample| over the channels mixed (one channel at full scale clips the mix); its
        // largest swing from a channel's DC offset (a one-pole running mean per channel, ≈ 1,000 samples), which
        // near silence is judged on, so a dead input hissing around an offset is still near silence; and, less
        // the offsets, the channels' mix and Σ x_c² / C², the mix's energy had the channels nothing in common
        // (channels that cancel give far less).
        let peaks = UnsafeMutablePointer<Float>.allocate(capacity: period)
        let swings = UnsafeMutablePointer<Float>.allocate(capacity: period)
        let acMix = UnsafeMutablePointer<Float>.allocate(capacity: period)
        let unrelated = UnsafeMutablePointer<Float>.allocate(capacity: period)
        let dc = UnsafeMutablePointer<Float>.allocate(capacity: ch)
        dc.initialize(repeating: 0, count: ch)
        var primed = false
        defer {
            raw.deallocate(); mono.deallocate(); peaks.deallocate(); swings.deallocate(); acMix.deallocate(); unrelated.deallocate()
            dc.deallocate()
        }
        var levelBlocks = LevelBlocks(sampleRate: pcm.rate)
        // a steady lag, so every block's end stays on the grid the detector's windows are lined up with
        let resampler = pcm.rate == opts.targetRate ? nil
            : try SteadyResampler(inputRate: Double(pcm.rate), outputRate: Double(opts.targetRate), blockFrames: period)
        resampleLagSamples.store(resampler?.lag ?? 0, ordering: .relaxed)
        let outCap = resampler?.maxOutput(forInput: period) ?? 0
        let out = UnsafeMutablePointer<Float>.allocate(capacity: max(1, outCap))
        defer { out.deallocate() }
        if let r = resampler {
            log.notice("device runs at \(pcm.rate) Hz; resampling to \(opts.targetRate) Hz with libsoxr, \(String(format: "%.1f", Double(r.lag) / r.outputRate * 1000)) ms held back",
                       metadata: ["rate": "\(r.inputRate)", "lag_samples": "\(r.lag)"])
        }
        let channel = opts.channelHeard(opened: ch)
        if let p = LowSampleRate.problem(rate: pcm.rate, modelRate: opts.targetRate) {
            log.warning("the device records at \(pcm.rate) Hz, \(p): \(Self.lowRateFix(asked: opts.sampleRate, modelRate: opts.targetRate))",
                        metadata: ["earshot_device": "\(opts.device)", "rate": "\(pcm.rate)"])
        }
        if let asked = opts.channel, asked >= ch {
            log.warning("channel: \(asked) is not there: the device opened with \(ch) channel(s); listening to channel \(ch - 1)",
                        metadata: ["earshot_device": "\(opts.device)", "channels": "\(ch)"])
        }
        let (started, startedAt, framesAtStart) = (Date(), MonotonicClock.now, framesTotal)
        if opts.pace > 0 {
            // Audio time 0 of this stream, for benchmarks that time alerts from a planted sound (bench-daemon.py).
            log.info("pacing capture at \(opts.pace)× real time", metadata: ["earshot_pace_origin_us": "\(Int((started.timeIntervalSince1970 * 1e6).rounded()))"])
        }
        while !stopping {
            var want = period
            if let max = opts.maxFrames {
                if framesTotal >= max { return }
                want = min(want, max - framesTotal)
            }
            let n = try pcm.read(into: raw, frames: want) { overrunCount.add(1, ordering: .relaxed); gaps.record(ring.totalWritten); log.warning("capture overrun (-EPIPE), recovered") }
            if n == 0 { continue }
            let scale: Float = 1 / 32768
            let follow: Float = 1 / 1024
            if !primed {   // the offsets start at the first frame's values, not at 0 (no swing of the offset itself)
                for c in 0..<ch { dc[c] = Float(raw[c]) * scale }
                primed = true
            }
            if let c = channel {
                for f in 0..<n {
                    let x = Float(raw[f * ch + c]) * scale
                    mono[f] = x
                    swings[f] = abs(x - dc[c]); dc[c] += (x - dc[c]) * follow
                }
            } else {
                let k = scale / Float(ch), inv = 1 / Float(ch)
                for f in 0..<n {
                    var s: Int32 = 0, p: Int32 = 0, w: Float = 0, a: Float = 0, q: Float = 0
                    for c in 0..<ch {
                        let v = Int32(raw[f * ch + c]); s += v; p = max(p, abs(v))
                        let x = Float(v) * scale, d = x - dc[c]
                        w = max(w, abs(d)); a += d; q += d * d
                        dc[c] += d * follow
                    }
                    mono[f] = Float(s) * k
                    peaks[f] = Float(p) * scale
                    swings[f] = w
                    acMix[f] = a * inv
                    unrelated[f] = q * inv * inv
                }
            }
            framesTotal += n
            if opts.pace > 0 {
                // The file plugin returns a period at once; a sound card returns it once it has been recorded, a
                // period later. Handing it on early would make every alert look a period faster than it is.
                let due = Double(framesTotal - framesAtStart) / Double(pcm.rate) / opts.pace
                let ahead = due - (MonotonicClock.now - startedAt)
                if ahead > 0 { Thread.sleep(forTimeInterval: ahead) }
            }
            let samples: UnsafeBufferPointer<Float>
            if let r = resampler {
                let m = try r.process(UnsafeBufferPointer(start: mono, count: n), into: UnsafeMutableBufferPointer(start: out, count: outCap))
                samples = UnsafeBufferPointer(start: out, count: m)
            } else {
                samples = UnsafeBufferPointer(start: mono, count: n)
            }
            // The levels at the device's rate (libsoxr smooths clipping away), each block tagged with the ring index
            // where this read's samples end, and pushed before them (`CaptureLevels`).
            let mixed = channel == nil && ch > 1
            let end = ring.totalWritten + samples.count
            levelBlocks.observe(UnsafeBufferPointer(start: mono, count: n), peaks: mixed ? UnsafeBufferPointer(start: peaks, count: n) : nil,
                                swings: UnsafeBufferPointer(start: swings, count: n),
                                mix: mixed ? (UnsafeBufferPointer(start: acMix, count: n), UnsafeBufferPointer(start: unrelated, count: n)) : nil,
                                clipLevel: levels.clipLevel) { levels.push($0, at: end) }
            ring.write(samples)
            // a read the option cut short ends no block — unless it is the open's only one (a file under a period)
            if want == period || blockEndSample.load(ordering: .relaxed) <= openedAtSample.load(ordering: .relaxed) {
                blockEndSample.store(ring.totalWritten, ordering: .releasing)
            }
            progressed()
            onData()
            if opts.pace == 0 && opts.maxFrames != nil {
                // Unpaced test input: never let the producer lap the consumer.
                while ring.available > ring.capacity / 2 && !stopping { Thread.sleep(forTimeInterval: 0.002) }
            }
        }
    }

    private func sleepInterruptibly(_ seconds: Double) {
        let end = MonotonicClock.now + seconds   // a wall-clock step neither skips nor stretches a retry's wait
        while !stopping, case let left = end - MonotonicClock.now, left > 0 { Thread.sleep(forTimeInterval: min(0.05, left)) }
    }
}
