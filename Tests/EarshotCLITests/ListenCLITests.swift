import EarshotDSP
import Foundation
import Testing

/// `earshot listen` through the real ALSA capture path (the `file` plugin as the default device, via
/// ALSA_CONFIG_PATH): the input level each second, digital silence and clipping called out, and the events
/// `earshot detect` finds in the same audio — the daemon's pipeline, live.
@Suite(.serialized, .enabled(if: FileManager.default.fileExists(atPath: shippedModel.path), "needs the shipped model"))
struct ListenCLITests {
    /// 3 s of the bundled demo recording (a real shot at ≈ 2 s), 1 s of digital silence, 0.2 s of a full-scale
    /// square wave; as a raw capture file behind an ALSA config, and as a WAV for `earshot detect`.
    static func fixture(demoSeconds: Int = 3) throws -> (dir: URL, asound: URL, wav: URL, seconds: Double) {
        let dir = TestPaths.tempDir("listen")
        let demo = try AudioFile.read(TestPaths.repo.appendingPathComponent("demo/demo-gunshots.flac"), sampleRate: 16_000)
        var x = Array(demo.samples.prefix(demoSeconds * 16_000))
        x += [Float](repeating: 0, count: 16_000)
        x += (0..<3_200).map { ($0 / 20) % 2 == 0 ? 1.0 : -1.0 }
        let raw = dir.appendingPathComponent("capture.raw"), wav = dir.appendingPathComponent("same.wav")
        try AudioFileWriter.writeRawS16LE(x, to: raw)
        try AudioFileWriter.writeWAV16(x, sampleRate: 16_000, to: wav)
        let asound = dir.appendingPathComponent("asound.conf")
        try """
            pcm.!default {
                type file
                slave.pcm { type null }
                file "/dev/null"
                infile "\(raw.path)"
                format "raw"
            }
            """.write(to: asound, atomically: true, encoding: .utf8)
        return (dir, asound, wav, Double(x.count) / 16_000)
    }

    /// `earshot listen` on the fixture's capture for its whole length, with a config naming the default device.
    static func listen(_ f: (dir: URL, asound: URL, wav: URL, seconds: Double), json: Bool) throws -> CLIRunner.Result {
        let cfg = f.dir.appendingPathComponent("earshot.yaml")
        try "device: default\n".write(to: cfg, atomically: true, encoding: .utf8)
        return try CLIRunner.run(["listen", "--config", cfg.path, "--seconds", String(f.seconds)] + (json ? ["--json"] : []),
                                 environment: ["ALSA_CONFIG_PATH": f.asound.path, "EARSHOT_MODEL": ""])
    }

    static func records(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func levelsSilenceClippingAndTheEventsDetectFinds() throws {
        let f = try Self.fixture()
        let r = try Self.listen(f, json: true)
        #expect(r.status == 0, "\(r.stderr)")
        let records = Self.records(r.stdout)
        // first, what was opened (the text output's first line)
        let opened = try #require(records.first)
        #expect(opened["type"] as? String == "listening" && opened["device"] as? String == "default" && opened["rate"] as? Int == 16_000
                && opened["resampled_to"] is NSNull && opened["channels"] as? Int == 1 && opened["channel"] is NSNull
                && (opened["threshold"] as? Double).map { $0 > 0 && $0 < 1 } == true, "\(opened)")
        let levels = records.filter { $0["type"] as? String == "level" }
        #expect(levels.map { $0["end"] as? Double ?? -1 } == [1, 2, 3, 4, 4.2], "one line per second, then the rest: \(levels)")
        if levels.count == 5 {
            let peaks = levels.map { $0["peak_dbfs"] as? Double }
            #expect(peaks[3] == nil && levels[3]["rms_dbfs"] is NSNull, "digital silence has no level: \(levels[3])")
            #expect((peaks[4] ?? -99) > -0.01 && levels[4]["clipped"] as? Bool == true, "full scale is clipping: \(levels[4])")
            #expect((peaks[0] ?? 0) < -20 && levels[0]["clipped"] as? Bool == false, "\(levels[0])")
        }
        // the same events as `earshot detect` on the same audio, to the hundredth of a second
        let events = records.filter { $0["type"] as? String == "event" }.compactMap { $0["start"] as? Double }
        let d = try CLIRunner.run(["detect", "--json", f.wav.path], environment: ["EARSHOT_MODEL": ""])
        let detected = Self.records(d.stdout).filter { $0["type"] as? String == "event" }.compactMap { $0["start"] as? Double }
        #expect(!detected.isEmpty && events.count == detected.count && zip(events, detected).allSatisfy { abs($0 - $1) < 0.01 },
                "listen \(events), detect \(detected)")
        let summary = try #require(records.last)
        #expect(summary["type"] as? String == "summary" && summary["events"] as? Int == events.count && summary["seconds"] as? Double == f.seconds, "\(summary)")

        // a second scored by no window (the first window needs ≈ 1 s of audio) has no score, not 0; a capture of
        // digital silence has no loudest peak, not −inf dBFS
        #expect(levels.allSatisfy { $0["max_score"] is Double }, "\(levels)")
        let quiet = try Self.fixture(demoSeconds: 0)
        defer { try? FileManager.default.removeItem(at: quiet.dir) }
        let cfg = quiet.dir.appendingPathComponent("earshot.yaml")
        try "device: default\n".write(to: cfg, atomically: true, encoding: .utf8)
        let half = try CLIRunner.run(["listen", "--config", cfg.path, "--seconds", "0.5", "--json"], environment: ["ALSA_CONFIG_PATH": quiet.asound.path, "EARSHOT_MODEL": ""])
        let halfRecords = Self.records(half.stdout)
        #expect(half.status == 0 && halfRecords.count == 3 && halfRecords.first?["type"] as? String == "listening" && halfRecords.dropFirst().first?["max_score"] is NSNull && halfRecords.last?["peak_dbfs"] is NSNull,
                "\(half.stdout) \(half.stderr)")
        let halfText = try CLIRunner.run(["listen", "--config", cfg.path, "--seconds", "0.5"], environment: ["ALSA_CONFIG_PATH": quiet.asound.path, "EARSHOT_MODEL": ""])
        #expect(halfText.stdout.contains("no window yet") && !halfText.stdout.contains("score 0.000") && halfText.stdout.contains("loudest peak: none, digital silence")
                && !halfText.stdout.contains("inf dBFS"), "\(halfText.stdout)")

        // human output says the same in words
        let h = try Self.listen(f, json: false)
        #expect(h.stdout.contains("listening on default (16000 Hz, 1 channel)") && h.stdout.contains("digital silence") && h.stdout.contains("CLIPPING")
                && h.stdout.contains("GUNSHOT at 0:0") && h.stdout.contains("earshotd would alert"), "\(h.stdout)")

        // the channels the device opened with, not the ones the config asked for: `channel: 1` of a one-channel
        // device (the multi plugin with one binding) is its only channel, with a warning
        let mono = try Operator.write("pcm.!default { type multi; slaves.a { pcm { type null } channels 1 } bindings.0 { slave a; channel 0 } }\n",
                                      to: quiet.dir.appendingPathComponent("asound-mono.conf"))
        try "device: default\nchannels: 2\nchannel: 1\n".write(to: cfg, atomically: true, encoding: .utf8)
        let one = try CLIRunner.run(["listen", "--config", cfg.path, "--seconds", "0.2"], environment: ["ALSA_CONFIG_PATH": mono.path, "EARSHOT_MODEL": ""])
        #expect(one.status == 0 && one.stdout.contains("listening on default (16000 Hz, channel 0 of 1)")
                && one.stderr.contains("warning: channel: 1, but default opened with 1 channel(s): listening to channel 0, as earshotd would"), "\(one.stdout)\(one.stderr)")
    }

    /// A second shot within the cooldown of the first (the demo's at ≈ 7 s): listed as held back, as `earshot
    /// detect` lists it, and counted in the summary.
    @Test func aShotInTheCooldownIsShownHeldBack() throws {
        let f = try Self.fixture(demoSeconds: 8)
        let r = try Self.listen(f, json: true)
        #expect(r.status == 0, "\(r.stderr)")
        let records = Self.records(r.stdout)
        let held = records.filter { $0["type"] as? String == "heard" }.compactMap { $0["start"] as? Double }
        let d = try CLIRunner.run(["detect", "--json", f.wav.path], environment: ["EARSHOT_MODEL": ""])
        let detected = Self.records(d.stdout).filter { $0["type"] as? String == "heard" }.compactMap { $0["start"] as? Double }
        #expect(!held.isEmpty && held.count == detected.count && zip(held, detected).allSatisfy { abs($0 - $1) < 0.01 }, "listen \(held), detect \(detected)")
        #expect(records.last?["heard"] as? Int == held.count, "\(records.last ?? [:])")
        let h = try Self.listen(f, json: false)
        #expect(h.stdout.contains("— in the cooldown (10 s): earshotd would count it into the incident, page nobody") && h.stdout.contains("and 1 more in their cooldown"), "\(h.stdout)")
    }

    /// `earshot listen --json` for `seconds` on a device that records `x` at `rate` (the fixture's file plugin,
    /// `sample_rate: rate`, and `extra` config lines): its status, its first record (what it opened), its level records
    /// and all its records.
    static func listenLevels(_ x: [Float], rate: Int, seconds: Int, extra: String = "", json: Bool = true, args: [String] = []) throws
        -> (status: Int32, stdout: String, stderr: String, opened: [String: Any], levels: [[String: Any]], records: [[String: Any]]) {
        let f = try fixture()
        let raw = f.dir.appendingPathComponent("input\(rate).raw")
        try AudioFileWriter.writeRawS16LE(x, to: raw)
        let asound = f.dir.appendingPathComponent("asound\(rate).conf")
        try (try String(contentsOf: f.asound, encoding: .utf8)).replacingOccurrences(of: f.dir.appendingPathComponent("capture.raw").path, with: raw.path)
            .write(to: asound, atomically: true, encoding: .utf8)
        let cfg = f.dir.appendingPathComponent("earshot\(rate).yaml")
        try "device: default\nsample_rate: \(rate)\n\(extra)".write(to: cfg, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["listen", "--config", cfg.path, "--seconds", "\(seconds)"] + (json ? ["--json"] : []) + args,
                                  environment: ["ALSA_CONFIG_PATH": asound.path, "EARSHOT_MODEL": ""])
        let all = records(r.stdout)
        return (r.status, r.stdout, r.stderr, all.first ?? [:], all.filter { $0["type"] as? String == "level" }, all)
    }

    /// A clipped 44.1 kHz input, resampled to the model's 16 kHz, overshoots full scale by a few dB (the
    /// resampler's ringing at the square edges); the meter shows the device's ceiling, 0 dBFS, and CLIPPING.
    @Test func aResampledClippedInputReadsFullScaleNotMore() throws {
        let r = try Self.listenLevels((0..<44_100).map { ($0 / 30) % 2 == 0 ? Float(1) : -1 }, rate: 44_100, seconds: 1)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.levels.isEmpty && r.levels.allSatisfy { ($0["peak_dbfs"] as? Double).map { $0 <= 0 && $0 > -0.01 } == true && $0["clipped"] as? Bool == true }, "\(r.levels)")
    }

    /// White noise clipped on ≈ 1 % of its samples by a 48 kHz converter: libsoxr's low-pass leaves the 16 kHz stream
    /// below full scale, so a meter of the samples heard said no CLIPPING. The meter takes the peak and clipping from
    /// the capture thread's levels at the device's rate: 0 dBFS and CLIPPING, every second.
    @Test func clippingAt48kHzIsShownAsTheDeviceRecordedIt() throws {
        var rng = SeededRNG(seed: 55)
        let x = (0..<96_000).map { _ in Float(max(-1, min(1, rng.normal() / 2.58))) }
        let r = try Self.listenLevels(x, rate: 48_000, seconds: 2)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.opened["type"] as? String == "listening" && r.opened["rate"] as? Int == 48_000 && r.opened["resampled_to"] as? Int == 16_000, "\(r.opened)")
        #expect(r.levels.count == 2 && r.levels.allSatisfy { ($0["peak_dbfs"] as? Double).map { $0 > -0.01 } == true && $0["clipped"] as? Bool == true }, "\(r.levels)")
    }

    /// earshotd's microphone checks, with the config's limits: a converter stuck at one value at 44.1 kHz (which
    /// libsoxr turns into one varying in its last bits) is reported after `stuck_seconds`, in JSON and in words.
    @Test func aStuckMicrophoneIsReportedAsEarshotdWouldWarn() throws {
        let stuck = [Float](repeating: 0.25, count: 3 * 44_100)
        let r = try Self.listenLevels(stuck, rate: 44_100, seconds: 3, extra: "liveness:\n  stuck_seconds: 1\n")
        #expect(r.status == 0, "\(r.stderr)")
        let warned = r.records.filter { $0["type"] as? String == "liveness" }
        #expect(warned.count == 1 && warned.first.map { $0["condition"] as? String == "stuck" && $0["problem"] as? Bool == true
            && ($0["message"] as? String)?.hasPrefix("Microphone input is stuck at one value") == true } == true, "\(warned)")
        let quiet = try Self.listenLevels(stuck, rate: 44_100, seconds: 3, extra: "liveness:\n  enabled: false\n")
        #expect(quiet.records.allSatisfy { $0["type"] as? String != "liveness" }, "liveness off: no check")
    }

    /// A 48 kHz converter with nothing plugged in hisses at ±2 LSB: each second is marked near silence (JSON
    /// `near_silence`, NEAR SILENCE in words) from the device's own samples, the check earshotd runs warns after
    /// `quiet_seconds`, and the summary says so — also around a DC offset. A second of sound is not marked.
    @Test func anUnpluggedMicrophonesHissIsMarkedNearSilence() throws {
        var state: UInt64 = 7
        let hiss = (0..<3 * 48_000).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 33) % 5 - 2) / 32768
        }
        let r = try Self.listenLevels(hiss, rate: 48_000, seconds: 3, extra: "liveness:\n  quiet_seconds: 1\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.levels.count == 3 && r.levels.allSatisfy { $0["near_silence"] as? Bool == true && ($0["peak_dbfs"] as? Double).map { $0 < -80 } == true }, "\(r.levels)")
        let warned = r.records.filter { $0["type"] as? String == "liveness" }
        #expect(warned.count == 1 && warned.first.map { $0["condition"] as? String == "quiet" && $0["problem"] as? Bool == true } == true, "\(warned)")
        let text = try Self.listenLevels(hiss, rate: 48_000, seconds: 3, json: false)
        #expect(text.stdout.components(separatedBy: "NEAR SILENCE").count == 4 && text.stdout.contains("loudest peak -84.3 dBFS, near silence"), "\(text.stdout)")
        // hissing around a converter's DC offset of 50 LSB: its peak is −56 dBFS, its swing still a few LSB
        let offset = try Self.listenLevels(hiss.map { $0 + 50 / 32768 }, rate: 48_000, seconds: 3, json: false)
        #expect(offset.stdout.components(separatedBy: "NEAR SILENCE").count == 4 && offset.stdout.contains("loudest peak -56.0 dBFS, near silence"), "\(offset.stdout)")
        let sound = try Self.listenLevels((0..<48_000).map { Float(sin(Double($0) * 0.05)) * 0.01 }, rate: 48_000, seconds: 1)
        #expect(sound.levels.count == 1 && sound.levels.allSatisfy { $0["near_silence"] as? Bool == false }, "\(sound.levels)")
    }

    /// A stereo microphone whose second channel is phase-inverted: listening to the mix (the default) warns that the
    /// channels cancel, as earshotd would; `--channel 0` listens to one, at its full level, without the warning.
    /// A channel the config does not open is an error naming `channels:`.
    @Test func aPhaseInvertedChannelIsFoundAndAvoidedWithChannel() throws {
        let room = (0..<3 * 16_000).map { Float(sin(Double($0) * 2 * .pi * 200 / 16_000)) * 0.1 }
        let stereo = room.flatMap { [$0, -$0] }, extra = "channels: 2\nliveness:\n  cancel_seconds: 1\n"
        let mix = try Self.listenLevels(stereo, rate: 16_000, seconds: 3, extra: extra)
        let warned = mix.records.filter { $0["type"] as? String == "liveness" }
        #expect(mix.status == 0 && warned.count == 1 && warned.first?["condition"] as? String == "cancel", "\(mix.stdout)\(mix.stderr)")
        let one = try Self.listenLevels(stereo, rate: 16_000, seconds: 3, extra: extra, args: ["--channel", "0"])
        #expect(one.status == 0 && one.opened["channel"] as? Int == 0 && !one.records.contains { $0["type"] as? String == "liveness" }, "\(one.stdout)\(one.stderr)")
        #expect(one.levels.count == 3 && one.levels.allSatisfy { ($0["rms_dbfs"] as? Double).map { abs($0 + 23) < 0.5 } == true },
                "a 0.1 sine: −23 dBFS RMS on one channel: \(one.levels)")
        let bad = try Self.listenLevels(stereo, rate: 16_000, seconds: 3, extra: extra, args: ["--channel", "2"])
        #expect(bad.status == 1 && bad.stderr.contains("--channel 2: the config opens 2 channel(s) (channels:)"), "\(bad.stderr)")
    }

    /// The config's warnings earshotd would log at start (a looser rule than the model's calibration, a sample
    /// rate that costs shots) are printed before listening, on stderr; a config without them prints none.
    @Test func theConfigsWarningsArePrinted() throws {
        let f = try Self.fixture()
        let cfg = f.dir.appendingPathComponent("loose.yaml")
        try "device: default\nmin_consecutive: 1\nsample_rate: 8000\n".write(to: cfg, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["listen", "--config", cfg.path, "--seconds", "1", "--json"],
                                  environment: ["ALSA_CONFIG_PATH": f.asound.path, "EARSHOT_MODEL": ""])
        // as check-config prints them, and listen its own errors ("error: …")
        let lines = r.stderr.split(separator: "\n")
        #expect(r.status == 0 && lines.contains { $0.hasPrefix("warning: min_consecutive 1 (calibrated: 2)") }
                && lines.contains { $0.hasPrefix("warning: sample_rate: 8000 is below") }, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("{") }, "stdout stays JSON: \(r.stdout)")
        let plain = f.dir.appendingPathComponent("plain.yaml")
        try "device: default\n".write(to: plain, atomically: true, encoding: .utf8)
        let q = try CLIRunner.run(["listen", "--config", plain.path, "--seconds", "1", "--json"],
                                  environment: ["ALSA_CONFIG_PATH": f.asound.path, "EARSHOT_MODEL": ""])
        #expect(q.status == 0 && !q.stderr.contains("warning"), "\(q.stderr)")
    }

    /// Without --seconds it listens until Ctrl-C (SIGINT) or SIGTERM, the documented way to stop: either ends the
    /// listening, not the output — the summary comes, a piped JSON stream ends with whole lines, and the exit is 0.
    @Test(arguments: [(SIGINT, true), (SIGTERM, false)])
    func aSignalStopsItWithTheSummary(signal: Int32, json: Bool) throws {
        let f = try Self.fixture()
        let cfg = f.dir.appendingPathComponent("earshot.yaml")
        try "device: default\n".write(to: cfg, atomically: true, encoding: .utf8)
        let p = Process()
        let exe: URL = try #require(CLIRunner.binary)
        p.executableURL = exe
        p.arguments = ["listen", "--config", cfg.path] + (json ? ["--json"] : [])
        p.environment = ProcessInfo.processInfo.environment.merging(["ALSA_CONFIG_PATH": f.asound.path, "EARSHOT_MODEL": ""]) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        // the file plugin replays the capture file over and over: it listens until stopped
        Thread.sleep(forTimeInterval: 2)
        kill(p.processIdentifier, signal)
        let killer = DispatchWorkItem { kill(p.processIdentifier, SIGKILL) }   // a listen that does not stop fails, not hangs
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: killer)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        killer.cancel()
        #expect(p.terminationReason == .exit && p.terminationStatus == 0, "signal \(signal): \(p.terminationReason == .exit ? "exit" : "killed by") \(p.terminationStatus); \(stderr)")
        let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "", "the output ends with a whole line: …\(stdout.suffix(200))")
        if json {
            let records = lines.dropLast().map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(!records.isEmpty && records.allSatisfy { $0 != nil }, "every line is a JSON object: …\(stdout.suffix(300))")
            let summary = records.last??["type"] as? String == "summary" ? records.last! : nil
            let heard = records.compactMap { $0?["end"] as? Double }.last
            #expect(summary?["seconds"] as? Double == heard && (heard ?? 0) >= 1, "the summary counts what was heard: …\(stdout.suffix(300))")
        } else {
            #expect(lines.dropLast().last?.contains(" s listened: ") == true, "…\(stdout.suffix(300))")
        }
    }

    @Test func aMissingDeviceIsAnErrorNamingTheFix() throws {
        let r = try CLIRunner.run(["listen", "--device", "hw:0", "--seconds", "1"], environment: ["EARSHOT_MODEL": ""])
        #expect(r.status == 1 && r.stderr.contains("error: snd_pcm_open on 'hw:0' failed") && r.stderr.contains("earshot devices"), "\(r.stderr)")
        let bad = try CLIRunner.run(["listen", "--seconds", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("--seconds"), "\(bad.stderr)")
    }
}
