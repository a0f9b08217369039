import EarshotTrain
import Testing

@Suite struct ConfirmationLatencyTests {
    /// Each stream's first confirmation after its shot, nearest-rank percentiles; a stream confirmed before its
    /// shot or never confirmed is not counted.
    @Test func latenciesByHand() throws {
        // ten streams: latencies 0.1 … 1.0 s, in a shuffled order
        let d = [0.5, 0.2, 1.0, 0.7, 0.1, 0.9, 0.3, 0.8, 0.4, 0.6]
        var conf = d.map { [2.0 + $0, 9.0] }                  // a later second event must not count
        var shots = [Double](repeating: 2.0, count: 10)
        conf.append([])                                        // not found
        shots.append(1.0)
        conf.append([0.5, 3.0])                                // confirmed before its loudest moment
        shots.append(1.0)
        let l = try #require(ConfirmationLatency.measure(confirmations: conf, shotTimes: shots))
        #expect(l.clips == 10)
        #expect(abs(l.median - 0.5) < 1e-9 && abs(l.p90 - 0.9) < 1e-9 && abs(l.max - 1.0) < 1e-9, "\(l)")
        #expect(l.summary == "500 / 900 / 1000 ms (10 shots)")
        #expect(ConfirmationLatency.measure(confirmations: [[], [0.1]], shotTimes: [0, 1]) == nil)
    }
}
