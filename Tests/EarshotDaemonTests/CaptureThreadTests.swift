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
        capture.start()
        let deadline = Date().addingTimeInterval(10)
        while capture.state != .stopped && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        capture.stop()
        #expect(capture.state == .stopped)
        #expect(ring.available == fx.frames)
        let blocks = fx.frames / (rate * periodMs / 1000)
        let (n, stoppedSeen) = (calls.count.load(ordering: .relaxed), calls.stoppedSeen.load(ordering: .relaxed))
        #expect(n == blocks + 1, "\(blocks) blocks of \(periodMs) ms, then the stop")
        #expect(stoppedSeen, "the last call comes after the state is .stopped")
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
            capture.start()
            let deadline = Date().addingTimeInterval(10)
            while capture.state != .stopped && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            capture.stop()
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
        capture.start()
        let deadline = Date().addingTimeInterval(10)
        while capture.state != .stopped && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        capture.stop()
        #expect(capture.ring.available == 3200, "it captured from the one channel")
        #expect(log.messages(.warning) == ["channel: 1 is not there: the device opened with 1 channel(s); listening to channel 0"], "\(log.all.map(\.message))")
    }
}
