import EarshotDaemon
import EarshotDSP
import EarshotTestSupport
import Foundation
import Testing

/// End to end: a recording with shots planted at known times → ALSA `file` plugin → the earshotd binary →
/// alerts in a private journald, read back with `journalctl -o json`.
@Suite(.serialized) struct DaemonJournalTests {
    static let shots = [3.0, 8.0, 13.0]
    static let hop = 0.1

    func checkAlerts(_ alerts: [[String: String]], model: String, location: String? = nil) {
        #expect(alerts.count == Self.shots.count, "one alert per planted shot")
        let offsets = alerts.compactMap { $0["EARSHOT_OFFSET"].flatMap(Double.init) }.sorted()
        #expect(offsets.count == alerts.count)
        for (o, t) in zip(offsets, Self.shots) { #expect(abs(o - t) <= Self.hop, "alert at \(o) s, shot planted at \(t) s") }
        #expect(Set(alerts.compactMap { $0["EARSHOT_EVENT_ID"] }).count == alerts.count, "event ids are unique")
        let rfc = ISO8601DateFormatter(); rfc.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for a in alerts {
            #expect(a["PRIORITY"] == "2")
            #expect(a["SYSLOG_IDENTIFIER"] == "earshotd")
            #expect(a["EARSHOT_DEVICE"] == "default")
            #expect(a["EARSHOT_MODEL"] == model)
            #expect(a["EARSHOT_TEST"] == nil)
            let score = Double(a["EARSHOT_SCORE"] ?? "") ?? -1
            #expect(score >= 0.5 && score <= 1, "score \(score) is above the model threshold")
            let heard = location.map { "at \($0) (default)" } ?? "on default"
            #expect(a["MESSAGE"]?.hasPrefix("Gunshot detected \(heard), score ") == true, "\(a["MESSAGE"] ?? "nil")")
            #expect(a["EARSHOT_LOCATION"] == location)
            #expect(a["EARSHOT_START"].flatMap { rfc.date(from: $0) } != nil, "EARSHOT_START is RFC 3339 with ms: \(a["EARSHOT_START"] ?? "nil")")
        }
    }

    @Test func plantedShotsGiveOneAlertEachAtTheRightTime() throws {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 16, shots: Self.shots), rate: 16_000, dir: run.dir)
        let r = try run.journalRun(fx, config: try run.writeConfig())
        #expect(r.status == 0, "earshotd exit status; stderr:\n\(r.stderr)")
        let ready = r.entries.first { $0["MESSAGE"] == "earshotd ready" }
        #expect(ready != nil, "earshotd logged to the journal")
        let kernel = ready?["OPENBLAS"] ?? ""
        #expect(!kernel.isEmpty, "the ready entry names the OpenBLAS kernels")
        if TestCPU.hasAVX2AndFMA { #expect(!TestCPU.preAVX2Kernels.contains(kernel), "earshotd runs OpenBLAS's \(kernel) kernels on an AVX2 CPU") }
        checkAlerts(DaemonRun.alerts(r.entries), model: run.model.lastPathComponent)
    }

    @Test func negativeRecordingGivesNoAlert() throws {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 12, shots: []), rate: 16_000, dir: run.dir)
        let r = try run.journalRun(fx, config: try run.writeConfig())
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        #expect(!r.entries.isEmpty, "the private journal received earshotd's log (so no alert is a real negative)")
        #expect(DaemonRun.alerts(r.entries).isEmpty)
    }

    /// `recording:` on: the daemon still alerts on every shot, and its site recording holds exactly the
    /// samples the detector heard (the fixture, through the real ALSA path), ready for `earshot calibrate`.
    @Test func siteRecordingHoldsWhatTheDetectorHeard() throws {
        let run = try DaemonRun()
        let x = DaemonTestSignals.recording(seconds: 16, shots: Self.shots)
        let fx = try AlsaFileFixture(x, rate: 16_000, dir: run.dir)
        let rec = run.dir.appendingPathComponent("recordings")
        let r = try run.journalRun(fx, config: try run.writeConfig(extra: "recording:\n  enabled: true\n  directory: \(rec.path)"))
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        checkAlerts(DaemonRun.alerts(r.entries), model: run.model.lastPathComponent)
        let files = try FileManager.default.contentsOfDirectory(atPath: rec.path).filter { $0.hasPrefix("site-") && $0.hasSuffix(".wav") }
        #expect(files.count == 1, "\(files)")
        // the venue's sound is no one else's to read, also when earshotd runs by hand (operator QA 5): earshotd
        // makes its files with at least the unit's UMask=0027, whatever the umask it was started with
        for f in files {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: rec.appendingPathComponent(f).path)[.posixPermissions] as? Int)
            #expect(mode & 0o027 == 0, "\(f): mode \(String(mode, radix: 8))")
        }
        let got = try files.first.map { try AudioFile.read(rec.appendingPathComponent($0)).samples } ?? []
        let want = SiteRecorderTests.quantized(x)
        let same = got == want   // (a Bool: #expect would diff two long arrays on failure)
        #expect(got.count == want.count && same, "\(got.count) samples recorded of \(want.count)")
        #expect(r.entries.contains { ($0["MESSAGE"] ?? "").hasPrefix("site recording: up to") }, "the journal says where the recording goes")
    }

    @Test func source48kHzStereoDetectsTheSameEvents() throws {
        let run = try DaemonRun()
        // The same content as the 16 kHz test, at 48 kHz (band-limited like a real 48 kHz microphone feed).
        let mono = try Resampler.resample(DaemonTestSignals.recording(seconds: 16, shots: Self.shots), from: 16_000, to: 48_000)
        let fx = try AlsaFileFixture(DaemonTestSignals.interleave(mono, channels: 2, loud: 1), rate: 48_000, channels: 2, dir: run.dir)
        let cfg = try run.writeConfig(sampleRate: 48_000, extra: "channels: 2\nchannel: 1\nlocation: Stage left, Hall B")
        let r = try run.journalRun(fx, config: cfg)
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        #expect(r.entries.contains { $0["MESSAGE"]?.contains("resampling") == true }, "the device rate was converted with libsoxr")
        checkAlerts(DaemonRun.alerts(r.entries), model: run.model.lastPathComponent, location: "Stage left, Hall B")
        #expect(!r.entries.contains { $0["MESSAGE"]?.contains("is below the model's") == true }, "48 kHz costs nothing")
    }

    /// A device captured at 8 kHz (below the model's 16 kHz) still runs, resampled, and the journal warns once
    /// that the band above 4 kHz is missing.
    @Test func captureBelowTheModelsRateIsWarnedAbout() throws {
        let run = try DaemonRun()
        let x = try Resampler.resample(DaemonTestSignals.recording(seconds: 4, shots: []), from: 16_000, to: 8_000)
        let fx = try AlsaFileFixture(x, rate: 8_000, dir: run.dir)
        let r = try run.journalRun(fx, config: try run.writeConfig(sampleRate: 8_000))
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let warned = r.entries.filter { $0["MESSAGE"]?.hasPrefix("sample_rate: 8000 is below the model's 16000 Hz") == true }
        #expect(warned.count == 1 && warned[0]["PRIORITY"] == "4", "\(r.entries.compactMap { $0["MESSAGE"] })")
    }

    /// A config whose rule can count more events than the model's thresholds were calibrated under is warned
    /// about in the journal, once, naming the setting; the daemon runs on with it.
    @Test func aLooserRuleThanTheModelsCalibrationIsWarnedAbout() throws {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 4, shots: []), rate: 16_000, dir: run.dir)
        let r = try run.journalRun(fx, config: try run.writeConfig(extra: "min_consecutive: 1"))
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let warned = r.entries.filter { $0["MESSAGE"]?.hasPrefix("min_consecutive 1 (calibrated: 2): ") == true }
        #expect(warned.count == 1 && warned[0]["PRIORITY"] == "4", "\(r.entries.compactMap { $0["MESSAGE"] })")
    }
}
