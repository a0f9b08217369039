import Foundation
import Testing

/// `earshot check-config` and `earshot devices` open the capture device as earshotd would (non-blocking, the capture
/// thread's S16_LE / channels / rate / period negotiation): a device that does not open, that records no 16-bit
/// samples, or that lacks the config's `channel:`, is said before earshotd retries it for good. ALSA's configuration
/// is the test's own (ALSA_CONFIG_PATH); `hw:0` does not exist on this machine.
struct CheckConfigDeviceCLITests {
    /// A microphone that opens (the file plugin over null), one that takes only MU_LAW (the mulaw plugin over a linear
    /// slave), one with a single channel (the multi plugin with one binding) and one with two only (two bindings);
    /// each hinted, so `devices` lists it.
    static func pcms(_ dir: URL) throws -> URL {
        try Operator.write("""
            pcm.earshot_test_mic {
                type file; slave.pcm { type null } file "/dev/null" infile "/dev/null" format "raw"
                hint { show on description "Earshot test microphone (file plugin)" }
            }
            pcm.mulaw_only {
                type mulaw; slave { pcm { type null } format S16_LE }
                hint { show on description "Records MU_LAW only" }
            }
            pcm.one_channel {
                type multi; slaves.a { pcm { type null } channels 1 } bindings.0 { slave a; channel 0 }
                hint { show on description "One channel" }
            }
            pcm.two_channels {
                type multi; slaves.a { pcm { type null } channels 2 } bindings.0 { slave a; channel 0 } bindings.1 { slave a; channel 1 }
                hint { show on description "Two channels only" }
            }
            """, to: dir.appendingPathComponent("asound.conf"))
    }

    func check(_ yaml: String, _ dir: URL, extra: [String] = [], env: [String: String] = [:]) throws -> CLIRunner.Result {
        let cfg = try Operator.write(yaml, to: dir.appendingPathComponent("earshot-\(UUID().uuidString.prefix(6)).yaml"))
        return try CLIRunner.run(["check-config", "--config-directory", dir.appendingPathComponent("etc").path] + extra + [cfg.path], environment: env)
    }

    @Test func aMissingDeviceIsAWarningWithTheFixAndNoExitStatus() throws {
        let dir = TestPaths.tempDir("cc-device-missing")
        let r = try check("device: hw:0\n", dir)
        #expect(r.status == 0, "earshotd starts and retries, so the config is valid: \(r.stderr)")
        #expect(r.stderr.contains("warning: device: hw:0 does not open for capture now: snd_pcm_open on 'hw:0' failed: No such file or directory (-2) — no such capture device: run `earshot devices`")
                && r.stderr.contains("retries every 1–30 s, hearing nothing until it opens"), "\(r.stderr)")
        #expect(!r.stderr.contains("ALSA lib"), "alsa-lib's own lines are dropped: \(r.stderr)")
        #expect(r.stdout.contains("OK — device hw:0 (does not open for capture: see the warning),"), "\(r.stdout)")
        // --no-probe leaves the device alone
        let skipped = try check("device: hw:0\n", dir, extra: ["--no-probe"])
        #expect(skipped.status == 0 && !skipped.stderr.contains("device: hw:0") && skipped.stdout.contains("OK — device hw:0,"), "\(skipped.stdout)\(skipped.stderr)")
    }

    @Test func theOKLineSaysWhatTheDeviceOpenedWith() throws {
        let dir = TestPaths.tempDir("cc-device-ok")
        let env = ["ALSA_CONFIG_PATH": try Self.pcms(dir).path]
        let r = try check("device: earshot_test_mic\n", dir, env: env)
        #expect(r.status == 0 && !r.stderr.contains("device:"), "\(r.stderr)")
        #expect(r.stdout.contains("OK — device earshot_test_mic (opens for capture: 16000 Hz, 1 channel),"), "\(r.stdout)")
        let stereo = try check("device: earshot_test_mic\nchannels: 2\nchannel: 1\n", dir, env: env)
        #expect(stereo.stdout.contains("(opens for capture: 16000 Hz, 2 channels, channel 1 taken)"), "\(stereo.stdout)")
    }

    @Test func aDeviceWithoutS16OrTheChannelIsAWarning() throws {
        let dir = TestPaths.tempDir("cc-device-refuses")
        let env = ["ALSA_CONFIG_PATH": try Self.pcms(dir).path]
        let mu = try check("device: mulaw_only\n", dir, env: env)
        #expect(mu.status == 0 && mu.stderr.contains("warning: device: mulaw_only does not open for capture now: snd_pcm_hw_params_set_format(S16_LE) on 'mulaw_only' failed: Invalid argument (-22) — the device does not record 16-bit interleaved samples (S16_LE): use it through ALSA's plug converter"), "\(mu.stderr)")
        let one = try check("device: one_channel\nchannels: 2\nchannel: 1\n", dir, env: env)
        #expect(one.status == 0 && one.stderr.contains("warning: channel: 1, but one_channel opened with 1 channel (channels: 2 asked): earshotd would listen to its only channel — set channels: 1 and remove channel:"), "\(one.stderr)")
        #expect(one.stdout.contains("device one_channel (opens for capture: 16000 Hz, 1 channel (2 asked)),"), "\(one.stdout)")
        // `earshot devices` negotiates too: the MU_LAW-only device is listed with why earshotd cannot use it
        let devices = try CLIRunner.run(["devices", "--config-directory", dir.appendingPathComponent("etc").path], environment: env)
        #expect(devices.stdout.contains("earshot_test_mic  [opens for capture]")
                && devices.stdout.contains("mulaw_only  [cannot open: snd_pcm_hw_params_set_format(S16_LE) on 'mulaw_only' failed"), "\(devices.stdout)")
        // a device that records two channels only says what ALSA does with them for channels: 1, and the fix
        let lines = devices.stdout.components(separatedBy: "\n")
        let two = lines.firstIndex { $0.hasPrefix("two_channels  [opens for capture]") }
        #expect(two.map { lines[($0 + 1)...].prefix(3).contains { $0.contains("records 2 channels only") && $0.contains("set channels: 2") } } == true, "\(devices.stdout)")
        #expect(!lines.contains { $0.contains("records 1 channels") }, "one channel says nothing")
    }
}
