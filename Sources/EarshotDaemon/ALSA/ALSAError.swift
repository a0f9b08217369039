import CALSA
import Foundation

/// A failing alsa-lib call: the call, its negative errno, `snd_strerror`'s text, the device, and a hint.
public struct ALSAError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var device: String?

    public var message: String { String(cString: snd_strerror(code)) }

    public var hint: String {
        // hw: takes only what the hardware records; plughw: converts (the rate needs no plug: earshotd resamples)
        if call.hasPrefix("snd_pcm_hw_params_set_format") || call.hasPrefix("snd_pcm_hw_params_set_access") {
            let plug = device.flatMap { $0.hasPrefix("hw:") ? "plug" + $0 : nil }
            return "the device does not record 16-bit interleaved samples (S16_LE): use it through ALSA's plug converter — "
                + (plug.map { "device: \"\($0)\"" } ?? "its plughw: name (`earshot devices`)") + " in the config"
        }
        switch -code {
        case ENOENT, ENODEV: return "no such capture device: run `earshot devices` and set `device:` in the config"
        case EACCES, EPERM: return "permission denied: the service user must be in the `audio` group"
        case EBUSY: return "device busy: another program is capturing from it (arecord, PulseAudio/PipeWire, or another earshotd — earshot.service and an earshot@NAME, or two instances, on one device: give each its own microphone, or share one through a dsnoop device)"
        case EIO, ESTRPIPE: return "the device stopped responding (unplugged?)"
        default: return "check `device:` in the config and `earshot devices`"
        }
    }

    public var description: String {
        "\(call)\(device.map { " on '\($0)'" } ?? "") failed: \(message) (\(code)) — \(hint)"
    }

    /// True for errors that mean the device is gone or not there (retry later), not a bad configuration.
    public var isDeviceMissing: Bool { [ENOENT, ENODEV, EIO, ESTRPIPE, EBUSY, ENXIO].contains(-code) }
}

/// The one checker for alsa-lib calls: a negative return becomes `ALSAError`; other values pass through.
@discardableResult
public func alsaCheck(_ rc: Int32, _ call: String, device: String? = nil) throws -> Int32 {
    if rc < 0 { throw ALSAError(call: call, code: rc, device: device) }
    return rc
}
