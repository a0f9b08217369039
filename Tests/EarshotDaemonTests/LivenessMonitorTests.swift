import Foundation
import Testing
@testable import EarshotDaemon

@Suite("LivenessMonitor: dead, stuck and clipping microphones")
struct LivenessMonitorTests {
    /// Deterministic noise in ±0.3.
    struct Noise {
        var state: UInt64 = 0x9E3779B97F4A7C15
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 1000) / 1000 * 0.3
        }
    }

    /// Feeds `parts` (seconds, generator) in 10 ms chunks; returns each event with the time it fired.
    static func run(_ settings: LivenessSettings, _ parts: [(Double, (Int, inout Noise) -> Float)]) -> [(LivenessEvent, Double)] {
        var mon = LivenessMonitor(settings: settings)
        var noise = Noise()
        var events: [(LivenessEvent, Double)] = []
        var total = 0
        var chunk = [Float](repeating: 0, count: 160)
        for (seconds, gen) in parts {
            let n = Int(seconds * 16_000)
            var i = 0
            while i < n {
                let m = min(160, n - i)
                for k in 0..<m { chunk[k] = gen(i + k, &noise) }
                let done = total + m
                chunk.withUnsafeBufferPointer { buf in
                    mon.observe(UnsafeBufferPointer(rebasing: buf[0..<m])) { events.append(($0, Double(done) / 16_000)) }
                }
                total = done; i += m
            }
        }
        return events
    }

    static let noise: (Int, inout Noise) -> Float = { _, n in n.next() }
    static let zero: (Int, inout Noise) -> Float = { _, _ in 0 }
    static let square: (Int, inout Noise) -> Float = { i, _ in (i / 40) % 2 == 0 ? 1 : -1 }
    static let constant: (Int, inout Noise) -> Float = { _, _ in 0.25 }

    /// New limits (earshotd's reload) keep what the monitor has seen: silence warned about before the update is
    /// reported recovered after it (a monitor made anew would never say so). Disabled, it watches nothing.
    @Test func updatedSettingsKeepAWarningInForceUntilItsRecovery() {
        var mon = LivenessMonitor(settings: LivenessSettings(silenceSeconds: 1))
        var events: [LivenessEvent] = []
        let silence = [Float](repeating: 0, count: 16_000 * 2)
        var noise = Noise()
        let sound = (0..<16_000).map { _ in noise.next() }
        mon.observe(silence) { events.append($0) }
        #expect(events.map(\.kind) == [.warning] && mon.active == [.silence])
        mon.update(settings: LivenessSettings(silenceSeconds: 3, stuckSeconds: 5))
        #expect(mon.active == [.silence] && mon.settings.silenceSeconds == 3)
        mon.observe(sound) { events.append($0) }
        #expect(events.map(\.kind) == [.warning, .recovered] && mon.active.isEmpty, "the recovery of the warning given before: \(events)")
        mon.observe(silence) { events.append($0) }
        #expect(events.count == 2, "2 s of silence is below the new 3 s limit: \(events)")
        mon.update(settings: LivenessSettings(enabled: false))
        mon.observe(silence + silence) { events.append($0) }
        #expect(events.count == 2 && mon.active.isEmpty, "disabled: nothing watched")
    }

    @Test("a silent stretch and a clipped stretch give warnings after the configured times, then recoveries; short ones do not")
    func silenceAndClipping() {
        let s = LivenessSettings(silenceSeconds: 2, stuckSeconds: 1, clipSeconds: 1, recoverSeconds: 0.5)
        let events = Self.run(s, [(1, Self.noise), (0.5, Self.zero), (0.5, Self.noise), (0.3, Self.square), (0.7, Self.noise),
                                  (3, Self.zero), (1, Self.noise), (2, Self.square), (1, Self.noise)])
        for (e, t) in events { print(String(format: "%6.2f s  ", t) + e.message) }
        let got = events.map { "\($0.0.kind.rawValue) \($0.0.condition.rawValue)" }
        #expect(got == ["warning silence", "recovered silence", "warning clipping", "recovered clipping"])
        guard events.count == 4 else { return }
        // silence from 3.0 s: warned at 5.0 s, recovered 0.5 s after it ended at 6.0 s
        #expect(abs(events[0].1 - 5.0) <= 0.1 && abs(events[0].0.seconds - 2) <= 0.1)
        #expect(abs(events[1].1 - 6.5) <= 0.1 && abs(events[1].0.seconds - 3) <= 0.1)
        // clipping from 7.0 s: warned at 8.0 s, ended 9.0 s, recovered 9.5 s
        #expect(abs(events[2].1 - 8.0) <= 0.1)
        #expect(abs(events[3].1 - 9.5) <= 0.1 && abs(events[3].0.seconds - 2) <= 0.1)
        #expect(events[0].0.message.contains("digital silence") && events[2].0.message.contains("lower the capture gain"))
    }

    @Test("a stuck value warns, and the monitor's state and status text follow it")
    func stuck() {
        let s = LivenessSettings(silenceSeconds: 2, stuckSeconds: 1, clipSeconds: 1, recoverSeconds: 0.5)
        var mon = LivenessMonitor(settings: s)
        var events: [LivenessEvent] = []
        #expect(mon.statusText == "microphone ok")
        mon.observe([Float](repeating: 0.25, count: 24_000)) { events.append($0) }
        #expect(events.map(\.kind) == [.warning] && events.first?.condition == .stuck)
        #expect(mon.active == [.stuck] && mon.warnings[.stuck] == 1)
        #expect(mon.statusText == "microphone: stuck")
        var noise = Noise()
        mon.observe((0..<16_000).map { _ in noise.next() }) { events.append($0) }
        #expect(events.map(\.kind) == [.warning, .recovered])
        #expect(mon.active.isEmpty)
    }

    @Test("disabled: nothing is reported")
    func disabled() {
        var mon = LivenessMonitor(settings: LivenessSettings(enabled: false, silenceSeconds: 1))
        var n = 0
        mon.observe([Float](repeating: 0, count: 64_000)) { _ in n += 1 }
        #expect(n == 0)
    }
}
