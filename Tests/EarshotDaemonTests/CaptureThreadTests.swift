import EarshotDSP
import Foundation
import Logging
import Synchronization
import Testing
@testable import EarshotDaemon

/// The capture thread through the real ALSA path: every block it writes to the ring, and its stop, wake the
/// consumer through `onData` (the detection loop sleeps on that instead of polling).
@Suite struct CaptureThreadTests {
    final class Calls: Sendable {
        let count = Atomic<Int>(0)
        let stoppedSeen = Atomic<Bool>(false)
    }

    /// Starts `capture`, waits (at most 10 s) until it stops at its `maxFrames`, and stops it.
    static func runToEnd(_ capture: CaptureThread) {
        capture.start()
        let deadline = Date().addingTimeInterval(10)
        while capture.state != .stopped && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        capture.stop()
    }

    @Test func onDataFiresOncePerBlockWrittenAndOnceAtTheEnd() throws {
        let dir = TestPaths.tempDir("capture")
        defer { try? FileManager.default.removeItem(at: dir) }
        let seconds = 3, rate = 16_000, periodMs = 100
        let x = (0..<(seconds * rate)).map { Float(($0 % 200) - 100) / 1000 }
        let fx = try AlsaFileFixture(x, rate: rate, dir: dir)
        let ring = SampleRing(capacity: 2 * seconds * rate)   // holds everything: the unpaced producer never waits
        let opts = CaptureThread.Options(device: "cap", sampleRate: rate, channels: 1, channel: nil, periodMs: periodMs,
                                         retryMin: 0.1, retryMax: 1, targetRate: rate, maxFrames: fx.frames,
                                         configText: fx.configText(name: "cap"))
        let calls = Calls()
        let box = Mutex<CaptureThread?>(nil)
        let capture = CaptureThread(options: opts, ring: ring, logger: Logger(label: "test")) {
            calls.count.add(1, ordering: .relaxed)
            if box.withLock({ $0?.state == .stopped }) { calls.stoppedSeen.store(true, ordering: .relaxed) }
        }
        box.withLock { $0 = capture }
        Self.runToEnd(capture)
        #expect(capture.state == .stopped)
        #expect(ring.available == fx.frames)
        let blocks = fx.frames / (rate * periodMs / 1000)
        let (n, stoppedSeen) = (calls.count.load(ordering: .relaxed), calls.stoppedSeen.load(ordering: .relaxed))
        #expect(n == blocks + 1, "\(blocks) blocks of \(periodMs) ms, then the stop")
        #expect(stoppedSeen, "the last call comes after the state is .stopped")
    }

    /// The last read of a `--max-frames` run is cut short by the option: its end is no block end, and a detection
    /// loop that first looks after the whole file was read (a busy box) lines its windows up with the last whole
    /// block, as an idle one does — else a replayed file's windows moved with the load (a shot at its end alerted
    /// or not). A file under one period has only that read to go by.
    @Test(arguments: [(19_680, 19_200), (1_000, 1_000), (3_200, 3_200)])
    func aReadCutShortByMaxFramesEndsNoBlock(frames: Int, blockEnd: Int) throws {
        let dir = TestPaths.tempDir("capture-cut")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rate = 16_000
        let fx = try AlsaFileFixture((0..<frames).map { Float($0 % 50) / 100 }, rate: rate, dir: dir)
        let ring = SampleRing(capacity: 4 * frames)
        let opts = CaptureThread.Options(device: "cap", sampleRate: rate, channels: 1, channel: nil, periodMs: 100,
                                         retryMin: 0.1, retryMax: 1, targetRate: rate, maxFrames: fx.frames,
                                         configText: fx.configText(name: "cap"))
        let capture = CaptureThread(options: opts, ring: ring, logger: Logger(label: "test"))
        Self.runToEnd(capture)
        #expect(ring.totalWritten == frames, "the whole file was read")
        #expect(capture.blockSamples == 1_600)
        #expect(capture.lastBlockEnd == blockEnd, "blocks of 1,600 samples: the last whole one ends at \(blockEnd)")
    }

    /// A stopped capture thread is freed with its ring (a reload that changes the device makes a new one): under
    /// `--sanitize=address` LeakSanitizer found `earshot listen`'s capture thread, its 2 MB ring and what they
    /// hold leaked at exit — the `Thread` it kept held the block that held it.
    @Test func aStoppedCaptureThreadIsFreed() throws {
        let dir = TestPaths.tempDir("capture-freed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rate = 16_000
        let fx = try AlsaFileFixture([Float](repeating: 0.1, count: rate / 2), rate: rate, dir: dir)
        let opts = CaptureThread.Options(device: "cap", sampleRate: rate, channels: 1, channel: nil, periodMs: 100,
                                         retryMin: 0.1, retryMax: 1, targetRate: rate, maxFrames: fx.frames,
                                         configText: fx.configText(name: "cap"))
        weak var gone: CaptureThread?
        weak var ring: SampleRing?
        do {
            let capture = CaptureThread(options: opts, ring: SampleRing(capacity: rate), logger: Logger(label: "test"))
            gone = capture; ring = capture.ring
            Self.runToEnd(capture)
            #expect(capture.state == .stopped)
        }
        // the thread lets go of it as it ends, just after `stop` returns
        let deadline = Date().addingTimeInterval(5)
        while gone != nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(gone == nil && ring == nil, "the stopped capture thread and its ring are still referenced")
    }

    /// `channel: 1` on a device that opened with one channel: earshotd listens to the channel there is, and says so
    /// (check-config's device probe warns before; this is the journal's line when the config was not checked).
    @Test func aChannelTheDeviceLacksIsLogged() throws {
        let conf = "pcm.mono { type multi; slaves.a { pcm { type null } channels 1 } bindings.0 { slave a; channel 0 } }"
        let opts = CaptureThread.Options(device: "mono", sampleRate: 16_000, channels: 2, channel: 1, periodMs: 100,
                                         retryMin: 0.1, retryMax: 1, targetRate: 16_000, maxFrames: 3200, configText: conf)
        let log = LogCapture()
        let capture = CaptureThread(options: opts, ring: SampleRing(capacity: 16_000), logger: log.logger)
        Self.runToEnd(capture)
        #expect(capture.ring.available == 3200, "it captured from the one channel")
        #expect(log.messages(.warning) == ["channel: 1 is not there: the device opened with 1 channel(s); listening to channel 0"], "\(log.all.map(\.message))")

        // a device that records at 8 kHz at most (a plug over a slave fixed at 8 kHz): captured, upsampled, and said
        let low = CaptureThread.Options(device: "at8", sampleRate: 16_000, channels: 1, channel: nil, periodMs: 100, retryMin: 0.1, retryMax: 1,
                                        targetRate: 16_000, maxFrames: 1600, configText: "pcm.at8 { type plug; slave { pcm { type null } rate 8000 } }")
        let log8 = LogCapture()
        let c8 = CaptureThread(options: low, ring: SampleRing(capacity: 16_000), logger: log8.logger)
        Self.runToEnd(c8)
        #expect(c8.rate == 8_000 && c8.ring.available > 1000, "\(c8.rate), \(c8.ring.available), \(c8.blockSamples)")
        #expect(log8.messages(.warning).contains { $0.hasPrefix("the device records at 8000 Hz, below the model's 16000 Hz") }, "\(log8.all.map(\.message))")
    }

    /// A `plug` device (what `plughw:` is) whose hardware runs at 48 kHz: the capture thread keeps the device's own
    /// rate and resamples with libsoxr, as `earshot detect` resamples a file. Asked for 16 kHz, ALSA's plug plugin
    /// would convert the rate itself, by interpolation that filters nothing: a 12 kHz tone (above the 8 kHz the model
    /// hears) came through folded to 4 kHz, undiminished (RMS 0.352 of the tone's 0.354).
    @Test func aPlugDeviceKeepsItsRateAndLibsoxrResamples() throws {
        let rate = 48_000, n = rate   // 1 s
        // a 12 kHz tone, and a 1 kHz one the model hears
        let tone = (0..<n).map { Float(0.5 * sin(2 * Double.pi * 12_000 * Double($0) / Double(rate))) }
        let heard = (0..<n).map { Float(0.5 * sin(2 * Double.pi * 1_000 * Double($0) / Double(rate))) }
        for (name, x) in [("tone", tone), ("heard", heard)] {
            let dir = TestPaths.tempDir("capture-plug-\(name)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let fx = try AlsaFileFixture(x, rate: rate, dir: dir)
            let conf = fx.plugConfigText(name: "cap")
            let opts = CaptureThread.Options(device: "cap", sampleRate: 16_000, channels: 1, channel: nil, periodMs: 100,
                                             retryMin: 0.1, retryMax: 1, targetRate: 16_000, maxFrames: n, configText: conf)
            let capture = CaptureThread(options: opts, ring: SampleRing(capacity: 2 * n), logger: Logger(label: "test"))
            Self.runToEnd(capture)
            #expect(capture.rate == rate, "\(name): the device's own rate, not ALSA's conversion to 16 kHz")
            #expect(capture.blockSamples == 1600, "\(name): period_ms 100 is 4800 frames at 48 kHz, 1600 samples at 16 kHz: \(capture.blockSamples)")
            var got = [Float](repeating: 0, count: capture.ring.available)
            _ = got.withUnsafeMutableBufferPointer { capture.ring.read(into: $0) }
            // the same as libsoxr on the whole 48 kHz signal (the capture stream is not flushed: compare its length)
            let ref = try Resampler.resample(x.map { Float(Int16(($0 * 32768).rounded())) / 32768 }, from: Double(rate), to: 16_000)
            let m = min(got.count, ref.count)
            #expect(m > 15_000, "\(name): \(got.count) samples")
            // Every 100 ms block ends on one grid, a fixed lag behind (`SteadyResampler`), which is where the
            // detector's windows are lined up to end; libsoxr alone ended them 100–566 samples short, a different
            // number each time, so windows waited for the next block: 100 ms on every alert. The lag is ≤ 16 ms.
            let lag = capture.resampleLag
            #expect(lag > 0 && lag <= 16 * 16, "\(name): \(lag) samples held back")
            #expect(got.count == 16_000 - lag, "\(name): the ring holds \(got.count) of 16,000 samples after 1 s, lag \(lag)")
            // each block's levels are tagged with the ring index where its samples end: exactly k·1600 − lag
            var before = [Int](), at = [Int](), drained = 0
            for k in 1...10 {
                capture.levels.drain(upTo: k * 1_600 - lag - 1) { _ in drained += 1 }
                before.append(drained)
                capture.levels.drain(upTo: k * 1_600 - lag) { _ in drained += 1 }
                at.append(drained)
            }
            #expect(before == Array(0...9) && at == Array(1...10), "\(name): blocks ending before k·1600 − lag \(before), by it \(at)")
            let diff = zip(got.prefix(m), ref.prefix(m)).map { abs($0 - $1) }.max() ?? 1
            #expect(diff < 1e-4, "\(name): capture and libsoxr differ by \(diff)")
            let rms = { (v: ArraySlice<Float>) in (v.map { Double($0 * $0) }.reduce(0, +) / Double(max(1, v.count))).squareRoot() }
            let middle = got[(m / 4)..<(3 * m / 4)]
            if name == "tone" { #expect(rms(middle) < 1e-3, "the 12 kHz tone is gone, not folded into the band: RMS \(rms(middle))") }
            else { #expect(abs(rms(middle) - 0.5 / 2.squareRoot()) < 0.01, "the 1 kHz tone is kept: RMS \(rms(middle))") }
        }
    }

    /// A `plug` device over the file plugin, its hardware fixed at `rate`, capturing `x` (`channels` interleaved).
    static func plugCapture(_ x: [Float], rate: Int, channels: Int = 1, channel: Int? = nil, name: String) throws -> (CaptureThread, URL) {
        let dir = TestPaths.tempDir("capture-levels-\(name)")
        let fx = try AlsaFileFixture(x, rate: rate, channels: channels, dir: dir)
        let conf = fx.plugConfigText(name: "cap")
        let opts = CaptureThread.Options(device: "cap", sampleRate: 16_000, channels: channels, channel: channel, periodMs: 100,
                                         retryMin: 0.1, retryMax: 1, targetRate: 16_000, maxFrames: fx.frames, configText: conf)
        return (CaptureThread(options: opts, ring: SampleRing(capacity: 2 * 16_000 * (fx.frames / rate + 1)), logger: Logger(label: "test")), dir)
    }

    /// The liveness warnings the capture's levels give, and the levels.
    static func livenessOf(_ capture: CaptureThread, _ settings: LivenessSettings) -> ([LivenessEvent], [LevelBlock]) {
        var mon = LivenessMonitor(settings: settings)
        var events: [LivenessEvent] = [], blocks: [LevelBlock] = []
        capture.levels.drain { b in blocks.append(b); mon.observe(block: b) { events.append($0) } }
        return (events, blocks)
    }

    /// Deterministic white noise, Gaussian with deviation `sigma`, clipped to ±1 as a converter clips.
    static func clippedNoise(_ n: Int, sigma: Double) -> [Float] {
        var rng = SeededRNG(seed: 55)
        return (0..<n).map { _ in Float(max(-1, min(1, sigma * rng.normal()))) }
    }

    /// The liveness checks count at the device's own rate, before libsoxr. At 44.1 kHz a stuck converter's one
    /// value comes out of libsoxr varying in its last bits (its phases differ from sample to sample), so a monitor
    /// of the resampled stream never saw "stuck"; and white noise clipped on 5 % of its samples at 48 kHz is
    /// clipped on far fewer once resampled (9.5 % became 0.04 %, models/EXPERIMENTS.md).
    @Test func livenessLevelsAreCountedAtTheDevicesRate() throws {
        let settings = LivenessSettings(stuckSeconds: 1, clipSeconds: 1, recoverSeconds: 0.5)
        // a stuck converter at 44.1 kHz: 2 s of one value
        let (stuck, d1) = try Self.plugCapture([Float](repeating: 0.25, count: 88_200), rate: 44_100, name: "stuck")
        defer { try? FileManager.default.removeItem(at: d1) }
        Self.runToEnd(stuck)
        #expect(stuck.rate == 44_100)
        var ring = [Float](repeating: 0, count: stuck.ring.available)
        _ = ring.withUnsafeMutableBufferPointer { stuck.ring.read(into: $0) }
        let middle = ring[(ring.count / 4)..<(3 * ring.count / 4)]
        print("44.1 kHz stuck at 0.25: the resampled stream spans \(middle.min() ?? 0)…\(middle.max() ?? 0)")
        let (e1, b1) = Self.livenessOf(stuck, settings)
        #expect(b1.count == 20 && b1.allSatisfy { $0.samples == 4410 && $0.constant == 0.25 }, "20 blocks of 4410 frames at 0.25: \(b1.prefix(2))")
        #expect(e1.map(\.condition) == [.stuck] && e1.first?.kind == .warning, "\(e1)")

        // white noise clipped on ≈ 5 % of its samples at 48 kHz, for 2 s
        let noise = Self.clippedNoise(96_000, sigma: 1 / 1.96)
        let (clipped, d2) = try Self.plugCapture(noise, rate: 48_000, name: "clip")
        defer { try? FileManager.default.removeItem(at: d2) }
        Self.runToEnd(clipped)
        var heard = [Float](repeating: 0, count: clipped.ring.available)
        _ = heard.withUnsafeMutableBufferPointer { clipped.ring.read(into: $0) }
        print("48 kHz white noise, \(noise.filter { abs($0) >= 0.999 }.count) of \(noise.count) samples clipped: \(heard.filter { abs($0) >= 0.999 }.count) of \(heard.count) after libsoxr")
        let (e2, b2) = Self.livenessOf(clipped, settings)
        let fraction = b2.map(\.clippedFraction).reduce(0, +) / Float(max(1, b2.count))
        #expect(b2.count == 20 && abs(fraction - 0.05) < 0.01, "\(b2.count) blocks, \(fraction) clipped")
        #expect(e2.map(\.condition) == [.clipping], "\(e2)")
    }

    /// Mixing channels (no `channel:`), a frame clips when any channel is at full scale: one channel overdriven and
    /// one silent average to half scale, which no check of the mix would call clipped. With `channel:` only that
    /// channel counts.
    @Test func oneClippedChannelOfAMixIsClipping() throws {
        let n = 32_000
        let x = (0..<n).flatMap { i -> [Float] in [(i / 20) % 2 == 0 ? 1 : -1, 0] }   // left: a square at full scale; right: silent
        for (channel, want) in [(nil, 32_000), (1, 0), (0, 32_000)] as [(Int?, Int)] {
            let (capture, dir) = try Self.plugCapture(x, rate: 16_000, channels: 2, channel: channel, name: "mix-\(channel ?? -1)")
            defer { try? FileManager.default.removeItem(at: dir) }
            Self.runToEnd(capture)
            let (_, blocks) = Self.livenessOf(capture, LivenessSettings())
            let clipped = blocks.map(\.clipped).reduce(0, +)
            #expect(capture.channels == 2 && blocks.count == 20 && clipped == want, "channel \(channel.map(String.init) ?? "mixed"): \(clipped) clipped of \(blocks.count) blocks")
        }
    }
}
