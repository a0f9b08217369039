import CALSA
import EarshotDetect
import Foundation

/// A capture device opened as earshotd's capture thread opens it — the same `PCMCapture` negotiation (S16_LE,
/// interleaved, the config's channels, rate and period), but non-blocking, so a device in use answers EBUSY at
/// once — and closed again: what `earshot check-config` and `earshot devices` say of a device before earshotd
/// meets it. earshotd itself starts whatever the answer and retries a device that does not open, hearing nothing
/// meanwhile: the probe is how an operator learns that before the first shot, not after.
public struct DeviceProbe: Sendable {
    /// What the device gave (`PCMCapture`'s negotiated rate, channels and period), or why it did not open.
    public enum Outcome: Sendable {
        case opened(rate: Int, channels: Int, periodFrames: Int)
        case failed(ALSAError)
    }

    public let options: CaptureThread.Options
    public let outcome: Outcome

    public init(options: CaptureThread.Options, outcome: Outcome) {
        self.options = options; self.outcome = outcome
    }

    /// Opens `options.device` for capture, negotiates as the capture thread does, and closes it.
    /// The corresponding C functions are `snd_pcm_open` (with `SND_PCM_NONBLOCK`), `snd_pcm_hw_params_*` and
    /// `snd_pcm_close`, through `PCMCapture`.
    public static func open(_ options: CaptureThread.Options) -> DeviceProbe {
        do {
            let pcm = try PCMCapture(device: options.device, rate: options.sampleRate, channels: options.channels,
                                     periodFrames: options.periodFrames, configText: options.configText, nonblocking: true)
            defer { pcm.close() }
            return DeviceProbe(options: options, outcome: .opened(rate: pcm.rate, channels: pcm.channels, periodFrames: pcm.periodFrames))
        } catch let e as ALSAError {
            return DeviceProbe(options: options, outcome: .failed(e))
        } catch {
            return DeviceProbe(options: options, outcome: .failed(ALSAError(call: "\(error)", code: -EIO, device: options.device)))
        }
    }

    /// True when the device was busy (EBUSY): another program, or a running earshotd, captures from it.
    public var isBusy: Bool {
        if case .failed(let e) = outcome { return e.code == -EBUSY }
        return false
    }

    /// What would go wrong when earshotd captures with these options, each with its fix; empty when nothing
    /// would. `runningUnit` is the unit that reads this config when systemd says it runs: a busy device is then
    /// that earshotd capturing from it, no problem.
    public func problems(runningUnit: String?) -> [String] {
        let o = options
        switch outcome {
        case .failed where isBusy && runningUnit != nil:
            return []
        case .failed(let e):
            return ["device: \(o.device) does not open for capture now: \(e). earshotd starts anyway and retries every "
                    + String(format: "%g–%g s", o.retryMin, o.retryMax) + ", hearing nothing until it opens "
                    + "(run check-config as the service's user, in the `audio` group, for the service's answer)"]
        case .opened(let rate, let channels, _):
            var out: [String] = []
            if let p = LowSampleRate.problem(rate: rate, modelRate: o.targetRate) {
                out.append("device: \(o.device) records at \(rate) Hz, \(p): " + CaptureThread.lowRateFix(asked: o.sampleRate, modelRate: o.targetRate))
            }
            guard let c = o.channel, c >= channels else { return out }
            let head = "channel: \(c), but \(o.device) opened with \(channels) channel\(channels == 1 ? "" : "s") (channels: \(o.channels) asked): "
            return out + [head + (channels == 1 ? "earshotd would listen to its only channel — set channels: 1 and remove channel:"
                                  : "earshotd would listen to channel \(channels - 1) — set channel: to 0…\(channels - 1), or \"mix\"")]
        }
    }

    /// "opens for capture: 48000 Hz, resampled to 16000 Hz, 2 channels (1 asked), averaged", or
    /// "busy: earshot.service is running and captures from it", or "does not open for capture: see the warning".
    public func summary(runningUnit: String?) -> String {
        let o = options
        switch outcome {
        case .failed:
            if isBusy, let unit = runningUnit { return "busy: \(unit).service is running and captures from it" }
            return "does not open for capture: see the warning"
        case .opened(let rate, let channels, _):
            var s = "opens for capture: \(rate) Hz" + (rate == o.targetRate ? "" : ", resampled to \(o.targetRate) Hz")
            s += ", \(channels) channel" + (channels == 1 ? "" : "s") + (channels == o.channels ? "" : " (\(o.channels) asked)")
            if channels > 1 { s += o.channelHeard(opened: channels).map { ", channel \($0) taken" } ?? ", averaged" }
            return s
        }
    }
}
