import CALSA
@testable import EarshotDaemon
import Foundation
import Testing

/// `DeviceProbe` against real alsa-lib: PCMs from private configurations that open, refuse S16_LE (the `mulaw`
/// plugin over a linear slave takes only MU_LAW), or have fewer channels than asked (`multi` with one binding);
/// `hw:0`, which does not exist here.
@Suite struct DeviceProbeTests {
    /// A config asking for `channels` (and `channel`), from the PCM `name` of the private ALSA configuration `conf`.
    func options(_ name: String, channels: Int = 1, channel: Int? = nil, conf: String? = nil) -> CaptureThread.Options {
        var c = DaemonConfig()
        c.device = name; c.channels = channels; c.channel = channel
        return CaptureThread.Options(config: c, targetRate: 16_000, configText: conf)
    }

    static let pcms = """
        pcm.mic { type file; slave.pcm { type null } file "/dev/null" infile "/dev/null" format "raw" }
        pcm.mu { type mulaw; slave { pcm { type null } format S16_LE } }
        pcm.mono { type multi; slaves.a { pcm { type null } channels 1 } bindings.0 { slave a; channel 0 } }
        pcm.at48 { type plug; slave { pcm { type null } rate 48000 } }
        pcm.at8 { type plug; slave { pcm { type null } rate 8000 } }
        pcm.three { type multi; slaves.a { pcm { type null } channels 3 } bindings.0 { slave a; channel 0 } bindings.1 { slave a; channel 1 } bindings.2 { slave a; channel 2 } }
        """

    @Test func opensAndNegotiatesAsTheCaptureThread() throws {
        let p = DeviceProbe.open(options("mic", conf: Self.pcms))
        guard case .opened(let rate, let channels, let period) = p.outcome else { Issue.record("mic did not open: \(p.outcome)"); return }
        #expect(rate == 16_000 && channels == 1 && period == 1600, "the config's rate, channels and 100 ms period")
        #expect(p.problems(runningUnit: nil).isEmpty)
        #expect(p.summary(runningUnit: nil) == "opens for capture: 16000 Hz, 1 channel")
    }

    @Test func aDeviceWithoutS16IsNamedWithThePlugFix() throws {
        let p = DeviceProbe.open(options("mu", conf: Self.pcms))
        guard case .failed(let e) = p.outcome else { Issue.record("mu opened with S16_LE: \(p.outcome)"); return }
        #expect(e.call == "snd_pcm_hw_params_set_format(S16_LE)" && e.code == -EINVAL, "\(e)")
        let problems = p.problems(runningUnit: nil)
        #expect(problems.count == 1 && problems[0].contains("S16_LE") && problems[0].contains("plughw:") && problems[0].contains("retries"), "\(problems)")
        // the same with a running unit: not busy, so still a problem
        #expect(p.problems(runningUnit: "earshot") == problems)
        // a hw: name gets its plughw: twin spelled out
        let hw = ALSAError(call: "snd_pcm_hw_params_set_format(S16_LE)", code: -EINVAL, device: "hw:1,0")
        #expect(hw.hint.contains("device: \"plughw:1,0\""), "\(hw.hint)")
        let other = ALSAError(call: "snd_pcm_hw_params_set_rate_near", code: -EINVAL, device: "hw:1,0")
        #expect(!other.hint.contains("plughw"), "only a format or access refusal is the plug's to fix: \(other.hint)")
    }

    @Test func aMissingDeviceIsAProblemWithTheFix() throws {
        let p = DeviceProbe.open(options("hw:0"))
        guard case .failed(let e) = p.outcome else { Issue.record("hw:0 opened on a machine without sound cards?"); return }
        #expect(e.code == -ENOENT && !p.isBusy)
        let problems = p.problems(runningUnit: "earshot")
        #expect(problems.count == 1 && problems[0].hasPrefix("device: hw:0 does not open for capture now") && problems[0].contains("earshot devices"), "\(problems)")
        #expect(p.summary(runningUnit: nil).hasPrefix("does not open"))
    }

    @Test func aChannelTheDeviceDoesNotHaveIsAProblem() throws {
        let mono = DeviceProbe.open(options("mono", channels: 2, channel: 1, conf: Self.pcms))
        guard case .opened(_, let channels, _) = mono.outcome else { Issue.record("mono did not open: \(mono.outcome)"); return }
        #expect(channels == 1, "the multi plugin with one binding has one channel")
        #expect(mono.problems(runningUnit: nil) == ["channel: 1, but mono opened with 1 channel (channels: 2 asked): earshotd would listen to its only channel — set channels: 1 and remove channel:"])
        #expect(mono.summary(runningUnit: nil) == "opens for capture: 16000 Hz, 1 channel (2 asked)")
        let three = DeviceProbe.open(options("three", channels: 4, channel: 3, conf: Self.pcms))
        #expect(three.problems(runningUnit: nil).first?.hasSuffix("earshotd would listen to channel 2 — set channel: to 0…2, or \"mix\"") == true, "\(three.problems(runningUnit: nil))")
        #expect(three.summary(runningUnit: nil) == "opens for capture: 16000 Hz, 3 channels (4 asked), channel 2 taken")
        // a channel it has, and the mix
        #expect(DeviceProbe.open(options("three", channels: 3, channel: 2, conf: Self.pcms)).problems(runningUnit: nil).isEmpty)
        #expect(DeviceProbe.open(options("three", channels: 3, conf: Self.pcms)).summary(runningUnit: nil) == "opens for capture: 16000 Hz, 3 channels, averaged")
    }

    @Test func busyIsNoProblemOnlyWhileTheConfigsOwnUnitRuns() {
        let busy = DeviceProbe(options: options("hw:1"), outcome: .failed(ALSAError(call: "snd_pcm_open", code: -EBUSY, device: "hw:1")))
        #expect(busy.isBusy)
        #expect(busy.problems(runningUnit: "earshot@hall").isEmpty)
        #expect(busy.summary(runningUnit: "earshot@hall") == "busy: earshot@hall.service is running and captures from it")
        let alone = busy.problems(runningUnit: nil)
        #expect(alone.count == 1 && alone[0].contains("busy") && alone[0].contains("another earshotd"), "\(alone)")
    }

    @Test func aDeviceAtAnotherRateIsResampled() {
        var o = options("hw:1")
        o.sampleRate = 48_000
        let p = DeviceProbe(options: o, outcome: .opened(rate: 48_000, channels: 2, periodFrames: 4800))
        #expect(p.summary(runningUnit: nil) == "opens for capture: 48000 Hz, resampled to 16000 Hz, 2 channels (1 asked), averaged")
        #expect(p.problems(runningUnit: nil).isEmpty)
    }

    /// The rate: the hardware's own, never alsa-lib's conversion (a plug at 48 kHz gives 48000, resampled by
    /// libsoxr), and one below the model's is a problem with the cost named (a plug at 8 kHz, as a telephony headset).
    @Test func theDevicesOwnRateAndTooLowARate() throws {
        let p48 = DeviceProbe.open(options("at48", conf: Self.pcms))
        guard case .opened(let r48, _, let period48) = p48.outcome else { Issue.record("at48 did not open: \(p48.outcome)"); return }
        #expect(r48 == 48_000 && period48 == 4_800, "48 kHz and 100 ms of it: \(r48), \(period48)")
        #expect(p48.problems(runningUnit: nil).isEmpty && p48.summary(runningUnit: nil) == "opens for capture: 48000 Hz, resampled to 16000 Hz, 1 channel")
        let p8 = DeviceProbe.open(options("at8", conf: Self.pcms))
        guard case .opened(let r8, _, _) = p8.outcome else { Issue.record("at8 did not open: \(p8.outcome)"); return }
        #expect(r8 == 8_000)
        let problems = p8.problems(runningUnit: nil)
        #expect(problems.count == 1 && problems[0].hasPrefix("device: at8 records at 8000 Hz, below the model's 16000 Hz: the audio has no sound above 4000 Hz")
                && problems[0].hasSuffix("the hardware records no faster: use a microphone that records at 16000 Hz or more"), "\(problems)")
        // asked for 8 kHz by the config, from hardware that has more: the fix is the config's
        var asked = options("at48", conf: Self.pcms)
        asked.sampleRate = 8_000
        let slow = DeviceProbe(options: asked, outcome: .opened(rate: 8_000, channels: 1, periodFrames: 800))
        #expect(slow.problems(runningUnit: nil).first?.hasSuffix(": set sample_rate: 16000") == true, "\(slow.problems(runningUnit: nil))")
    }
}
