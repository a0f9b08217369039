import Foundation
import Testing
@testable import EarshotDaemon

@Suite struct StreamClockTests {
    /// Counted back from the newest sample heard, which on a 48 kHz device is the capture's lag (244 samples at
    /// 16 kHz) older than the block that brought it: the bench measured every EARSHOT_START 16–18 ms late before
    /// (docs/benchmarks/daemon.md, session 57).
    @Test func aStreamSecondIsCountedBackFromTheNewestSampleLessTheLag() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let lag = 244.0 / 16_000
        let resampled = StreamClock(heard: 6, lag: lag)
        #expect(abs(resampled.wallClock(stream: 5.25, now: now).timeIntervalSince(now) - (-0.75 - lag)) < 1e-6, "a Date near 2027 holds ≈ 0.2 µs")
        #expect(abs(resampled.heardBeforeNow - (6 + lag)) < 1e-12)
        let native = StreamClock(heard: 6, lag: 0)
        #expect(native.wallClock(stream: 6, now: now) == now, "at the device's own rate the newest sample is now")
    }
}
