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
    /// reported recovered after it (a monitor made anew would never say so). Disabled, it withdraws the warning in
    /// force (the health hook told of it is not left waiting) and watches nothing.
    @Test func updatedSettingsKeepAWarningInForceUntilItsRecovery() {
        var mon = LivenessMonitor(settings: LivenessSettings(silenceSeconds: 1))
        var events: [LivenessEvent] = []
        let silence = [Float](repeating: 0, count: 16_000 * 2)
        var noise = Noise()
        let sound = (0..<16_000).map { _ in noise.next() }
        mon.observe(silence) { events.append($0) }
        #expect(events.map(\.kind) == [.warning] && mon.active == [.silence])
        mon.update(settings: LivenessSettings(silenceSeconds: 3, stuckSeconds: 5)) { events.append($0) }
        #expect(events.count == 1 && mon.active == [.silence] && mon.settings.silenceSeconds == 3)
        mon.observe(sound) { events.append($0) }
        #expect(events.map(\.kind) == [.warning, .recovered] && mon.active.isEmpty, "the recovery of the warning given before: \(events)")
        mon.observe(silence) { events.append($0) }
        #expect(events.count == 2, "2 s of silence is below the new 3 s limit: \(events)")
        mon.observe(silence) { events.append($0) }
        #expect(events.count == 3 && mon.active == [.silence], "4 s: warned")
        mon.update(settings: LivenessSettings(enabled: false)) { events.append($0) }
        let last = events.last
        #expect(events.map(\.kind) == [.warning, .recovered, .warning, .withdrawn] && last?.condition == .silence && abs((last?.seconds ?? 0) - 4) < 1e-6,
                "the warning in force withdrawn, its 4 s: \(events)")
        #expect(last?.message.hasPrefix("No longer watching the microphone input for digital silence (a reload set liveness: enabled: false): its warning of 4.0 s is withdrawn") == true)
        mon.observe(silence + silence) { events.append($0) }
        #expect(events.count == 4 && mon.active.isEmpty, "disabled: nothing watched")
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

    /// Silence and a stuck value leave the detector nothing to hear (the heartbeat stops); clipping weakens what it
    /// hears (the beats go on).
    @Test func silenceAndAStuckValueHearNothingClippingDoesNot() {
        let s = LivenessSettings(silenceSeconds: 1, stuckSeconds: 1, clipSeconds: 1, recoverSeconds: 0.5)
        var noise = Noise()
        let sound = (0..<16_000).map { _ in noise.next() }
        let square = (0..<32_000).map { (i: Int) -> Float in (i / 40) % 2 == 0 ? 1 : -1 }
        for (name, x, deaf) in [("silence", [Float](repeating: 0, count: 32_000), true), ("stuck", [Float](repeating: 0.25, count: 32_000), true),
                                ("clipping", square, false)] {
            var mon = LivenessMonitor(settings: s)
            mon.observe(sound) { _ in }
            #expect(!mon.hearsNothing, "\(name): sound first")
            mon.observe(x) { _ in }
            #expect(mon.active.map(\.rawValue) == [name] && mon.hearsNothing == deaf, "\(name): \(mon.active), hears nothing \(mon.hearsNothing)")
            mon.observe(sound) { _ in }
            #expect(mon.active.isEmpty && !mon.hearsNothing, "\(name) over")
        }
    }

    /// The warnings in force, for a health hook set by a reload: each as it was given, with the seconds it has
    /// lasted so far (silence held 1 s to warn, then 2 s more), and none once it is over.
    @Test func theWarningsInForceSayHowLongTheyHaveLasted() {
        var mon = LivenessMonitor(settings: LivenessSettings(silenceSeconds: 1, recoverSeconds: 0.5))
        var noise = Noise()
        let sound = (0..<16_000).map { _ in noise.next() }
        mon.observe(sound) { _ in }
        #expect(mon.inForce.isEmpty)
        var given: [LivenessEvent] = []
        mon.observe([Float](repeating: 0, count: 48_000)) { given.append($0) }
        let now = mon.inForce
        #expect(given.count == 1 && abs((given.first?.seconds ?? 0) - 1) < 1e-6, "\(given)")
        #expect(now.count == 1 && now.first?.condition == .silence && now.first?.kind == .warning && abs((now.first?.seconds ?? 0) - 3) < 1e-6,
                "\(now)")
        #expect(now.first?.message.hasPrefix("Microphone input is digital silence for 3.0 s: ") == true, "\(now.first?.message ?? "")")
        mon.observe(sound) { _ in }
        #expect(mon.inForce.isEmpty)
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

    /// Integer LSB noise of 16 bit, uniform in ±`lsb` (what a converter hisses with nothing at its input).
    static func hiss(_ lsb: Int) -> (Int, inout Noise) -> Float {
        { _, n in _ = n.next(); return Float(Int64(bitPattern: n.state >> 33) % Int64(2 * lsb + 1) - Int64(lsb)) / 32768 }
    }

    /// Gaussian noise at `dBFS` RMS, rounded to 16 bit: a real microphone's own noise in a silent room. −91 dBFS
    /// RMS is a low-noise MEMS microphone (65 dB SNR, −26 dBFS sensitivity) — about the quietest a site can sound.
    static func floor(_ dBFS: Double) -> (Int, inout Noise) -> Float {
        let sigma = pow(10, dBFS / 20) * 32768
        func uniform(_ n: inout Noise) -> Double { _ = n.next(); return Double(n.state >> 11) / Double(1 << 53) }
        return { _, n in   // ref: Box & Muller (1958)
            let u1 = max(1e-300, uniform(&n)), u2 = uniform(&n)
            return Float(((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2) * sigma).rounded()) / 32768
        }
    }

    /// An unplugged analogue microphone hisses at ±1–3 LSB: never digital silence (most samples are not 0), so
    /// only the near-silence check sees it — after `quiet_seconds`, and recovered when sound is back. Hiss at ±4 LSB
    /// (−78 dBFS), above `quiet_dbfs`, is not near silence.
    @Test func anUnpluggedMicrophonesHissIsNearSilence() {
        let s = LivenessSettings(silenceSeconds: 2, quietSeconds: 3)
        for lsb in [1, 2, 3] {
            let events = Self.run(s, [(1, Self.noise), (5, Self.hiss(lsb)), (2, Self.noise)])
            let got = events.map { "\($0.0.kind.rawValue) \($0.0.condition.rawValue)" }
            #expect(got == ["warning quiet", "recovered quiet"], "±\(lsb) LSB: \(got)")
            guard events.count == 2 else { continue }
            // hiss from 1 s: warned at 4 s, over at 6 s, recovered a second later (recover_seconds 1)
            #expect(abs(events[0].1 - 4) <= 0.1 && abs(events[1].1 - 7) <= 0.1 && abs(events[1].0.seconds - 5) <= 0.1, "±\(lsb): \(events)")
            #expect(events[0].0.message.contains("near silence") && events[0].0.message.contains("plugged in"), "\(events[0].0.message)")
            #expect(events[1].0.message == "Microphone input recovered from near silence after 5.0 s")
        }
        #expect(Self.run(s, [(10, Self.hiss(4))]).isEmpty, "±4 LSB is above −80 dBFS")
        #expect(Self.run(LivenessSettings(silenceSeconds: 2, quietSeconds: 3, quietDBFS: -75), [(5, Self.hiss(4))]).map(\.0.condition) == [.quiet],
                "±4 LSB is below −75 dBFS")
        #expect(Self.run(LivenessSettings(quietSeconds: 0), [(120, Self.hiss(1))]).isEmpty, "quiet_seconds 0: the check is off")
        // turned off by a reload while warned about: its recovery follows (recover_seconds later), with the hiss on
        var mon = LivenessMonitor(settings: s)
        var events: [LivenessEvent] = []
        var noise = Noise()
        let hiss = (0..<16_000 * 4).map { Self.hiss(2)($0, &noise) }
        mon.observe(hiss) { events.append($0) }
        mon.update(settings: LivenessSettings(silenceSeconds: 2, quietSeconds: 0)) { events.append($0) }
        mon.observe(hiss) { events.append($0) }
        #expect(events.map(\.kind) == [.warning, .recovered] && mon.active.isEmpty, "\(events)")
    }

    /// The default limits (60 s below −80 dBFS) against a silent room through a low-noise microphone: ten minutes of
    /// its own noise at −91 dBFS RMS give no warning (a block of it peaks above −80 dBFS once every few blocks).
    /// The same minutes at −100 dBFS RMS (a dead input's hiss) do.
    @Test func aSilentRoomThroughALowNoiseMicrophoneIsNotNearSilence() {
        #expect(Self.run(LivenessSettings(), [(600, Self.floor(-91))]).isEmpty)
        let dead = Self.run(LivenessSettings(), [(600, Self.floor(-100))])
        #expect(dead.map(\.0.condition) == [.quiet] && abs((dead.first?.1 ?? 0) - 60) <= 0.1, "\(dead)")
    }

    /// Digital silence is quiet too, and warned about sooner: no near-silence warning besides it. When the zeros
    /// give way to hiss (a mixer unmuted with nothing plugged in), near silence is warned about as soon as the
    /// silence has recovered, with the whole time counted. A stuck value of 1 LSB is warned about as stuck only.
    @Test func digitalSilenceOrAStuckValueIsNotWarnedAboutTwice() {
        let s = LivenessSettings(silenceSeconds: 2, quietSeconds: 4)
        let events = Self.run(s, [(1, Self.noise), (6, Self.zero), (3, Self.hiss(2)), (2, Self.noise)])
        let got = events.map { "\($0.0.kind.rawValue) \($0.0.condition.rawValue)" }
        #expect(got == ["warning silence", "recovered silence", "warning quiet", "recovered quiet"], "\(got)")
        if events.count == 4 {
            // silence from 1 s, warned at 3 s, over at 7 s, recovered at 8 s; then near silence at once, held since 1 s
            #expect(abs(events[1].1 - 8) <= 0.1 && abs(events[2].1 - 8) <= 0.1 && abs(events[2].0.seconds - 7) <= 0.1, "\(events)")
            #expect(abs(events[3].1 - 11) <= 0.1, "\(events)")
        }
        let stuck = Self.run(LivenessSettings(stuckSeconds: 1, quietSeconds: 2), [(1, Self.noise), (10, { _, _ in 1 / 32768 })])
        #expect(stuck.map(\.0.condition) == [.stuck], "\(stuck.map(\.0))")
        var mon = LivenessMonitor(settings: s)
        mon.observe([Float](repeating: 2 / 32768, count: 16_000 * 5).enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element }) { _ in }
        #expect(mon.active == [.quiet] && mon.statusText == "microphone: near silence" && mon.warnings[.quiet] == 1)
    }

    /// Two channels of a room's sound (low-passed noise, as most of a room's energy is below 1 kHz), the second
    /// `sign` × the first `delay` samples later, each with its own microphone noise at −70 dBFS; as the capture
    /// thread mixes them into blocks.
    static func pair(seconds: Double, sign: Float, delay: Int, seed: UInt64 = 5) -> [LevelBlock] {
        var n = Noise(state: seed), own = Noise(state: seed ^ 0xABCDEF)
        let count = Int(seconds * 16_000)
        var room = [Float](repeating: 0, count: count + delay), y: Float = 0
        for i in room.indices { y = 0.9 * y + 0.1 * (n.next() - 0.15) * 4; room[i] = y }
        let hiss: Float = 3e-4 / 0.15
        let a = (0..<count).map { room[$0 + delay] + (own.next() - 0.15) * hiss }
        let b = (0..<count).map { sign * room[$0] + (own.next() - 0.15) * hiss }
        return LevelBlocksTests.mixed(a, b)
    }

    /// With `channel: mix`, channels that cancel (the second phase-inverted) warn once a `cancel_seconds` window
    /// says so; also with the microphones 2 samples apart (a laptop's pair, 4 cm, sound from the side). The same pair
    /// in phase, or two channels that share nothing, do not; neither does a phase-inverted pair in near silence
    /// (its own noise, which never cancels, is all there is). The warning holds through a quiet spell, and is over
    /// when the channels are heard in phase, or one channel alone (a reload set `channel:`).
    @Test func channelsThatCancelInTheMixWarn() {
        func events(_ blocks: [LevelBlock], _ s: LivenessSettings = LivenessSettings(cancelSeconds: 3)) -> [LivenessEvent] {
            var mon = LivenessMonitor(settings: s)
            var out: [LivenessEvent] = []
            for b in blocks { mon.observe(block: b) { out.append($0) } }
            return out
        }
        let inverted = events(Self.pair(seconds: 5, sign: -1, delay: 0))
        #expect(inverted.map(\.condition) == [.cancel] && abs((inverted.first?.seconds ?? 0) - 3) < 0.01, "\(inverted)")
        #expect(inverted.first.map { $0.message.hasPrefix("The channels mixed cancel each other over the last 3.0 s") && $0.message.contains("channel:") } == true)
        #expect(events(Self.pair(seconds: 2.9, sign: -1, delay: 0)).isEmpty, "not before a whole window has been heard")
        #expect(events(Self.pair(seconds: 5, sign: -1, delay: 2)).map(\.condition) == [.cancel], "2 samples apart")
        #expect(events(Self.pair(seconds: 10, sign: 1, delay: 2)).isEmpty, "in phase")
        var x = Noise(state: 11), z = Noise(state: 12)
        let a = (0..<160_000).map { _ in x.next() - 0.15 }, c = (0..<160_000).map { _ in z.next() - 0.15 }
        #expect(events(LevelBlocksTests.mixed(a, c)).isEmpty, "nothing in common")
        let faint = Self.pair(seconds: 5, sign: -1, delay: 0).map { b -> LevelBlock in var b = b; b.peak = 5e-5; b.swing = 5e-5; return b }
        #expect(events(faint).isEmpty, "no sound above quiet_dbfs: nothing to tell from")
        // a quiet spell changes nothing; back in phase (the channel rewired): recovered a window later
        var mon = LivenessMonitor(settings: LivenessSettings(cancelSeconds: 1))
        var got: [LivenessEvent] = []
        let spell = Self.pair(seconds: 2, sign: -1, delay: 0) + faint + Self.pair(seconds: 1, sign: -1, delay: 0, seed: 9)
        for b in spell + Self.pair(seconds: 2, sign: 1, delay: 0) { mon.observe(block: b) { got.append($0) } }
        #expect(got.map(\.kind) == [.warning, .recovered] && mon.active.isEmpty && mon.warnings[.cancel] == 1, "\(got)")
        #expect(got.last?.message == "Microphone input recovered from channels cancelling after 9.0 s", "from 0 s (warned at 1 s with the window) until the window says in phase at 9 s: \(got)")
        // one channel heard (no mix ratio): over at once
        got = []
        for b in spell + Self.pair(seconds: 0.1, sign: 1, delay: 0).map({ b -> LevelBlock in var b = b; b.mixRatio = nil; return b }) {
            mon.observe(block: b) { got.append($0) }
        }
        #expect(got.map(\.kind) == [.warning, .recovered] && abs((got.last?.seconds ?? 0) - 8.1) < 0.01, "\(got)")
    }

    @Test("disabled: nothing is reported")
    func disabled() {
        var mon = LivenessMonitor(settings: LivenessSettings(enabled: false, silenceSeconds: 1))
        var n = 0
        mon.observe([Float](repeating: 0, count: 64_000)) { _ in n += 1 }
        #expect(n == 0)
    }
}
