import CALSA
import Foundation

/// An ALSA PCM that can capture, as `earshot devices` lists it.
public struct CaptureDevice: Sendable, Equatable {
    /// The PCM name to put in the config (`device: <name>`), e.g. `default`, `plughw:CARD=Mic,DEV=0`.
    public var name: String
    /// ALSA's description (first line: card/device name; more lines: details).
    public var description: String
    /// nil when the device opened for capture; otherwise why not (ALSAError text with the fix).
    public var problem: String?
    /// The channels it opened with when asked for one (nil: not probed, or it did not open). More than one: the
    /// hardware records only that many, and its `plughw:` / `default` average them for `channels: 1`.
    public var channels: Int?

    public init(name: String, description: String, problem: String? = nil, channels: Int? = nil) {
        self.name = name; self.description = description; self.problem = problem; self.channels = channels
    }

    /// alsa-lib's pseudo-devices, hinted on every box with or without a sound card: they open for capture and
    /// deliver silence, so they are no microphone (`null`: "generate zero samples (capture)").
    public static let pseudoNames: Set<String> = ["null"]

    /// True for a pseudo-device (`pseudoNames`): listed, but not counted as a microphone.
    public var isPseudo: Bool { Self.pseudoNames.contains(name) }
}

/// Lists ALSA capture PCMs from the name hints of the ALSA configuration (which honours ALSA_CONFIG_PATH).
public enum DeviceList {
    /// Every PCM whose hint says it does input (IOID absent = both directions, or "Input").
    /// The corresponding C functions are `snd_device_name_hint`, `snd_device_name_get_hint` and
    /// `snd_device_name_free_hint`.
    public static func captureDevices(probe: Bool = true) throws -> [CaptureDevice] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>? = nil
        try alsaCheck(snd_device_name_hint(-1, "pcm", &hints), "snd_device_name_hint")
        guard let list = hints else { return [] }
        defer { snd_device_name_free_hint(list) }
        var out: [CaptureDevice] = []
        var i = 0
        while let hint = list[i] {
            i += 1
            guard let name = string(hint, "NAME") else { continue }
            let ioid = string(hint, "IOID")
            guard ioid == nil || ioid == "Input" else { continue }
            var d = CaptureDevice(name: name, description: string(hint, "DESC") ?? "")
            if probe {
                switch Self.open(name).outcome {
                case .failed(let e): d.problem = "\(e)"
                case .opened(_, let channels, _): d.channels = channels
                }
            }
            out.append(d)
        }
        return out
    }

    /// Opens `name` for capture as earshotd with its built-in settings would (`DeviceProbe`: non-blocking, the
    /// capture thread's S16_LE / channels / rate / period negotiation) and closes it again: nil if that worked,
    /// else the error with its fix. The corresponding C functions are `snd_pcm_open`, `snd_pcm_hw_params_*` and
    /// `snd_pcm_close`.
    public static func probe(_ name: String) -> String? {
        if case .failed(let e) = open(name).outcome { return "\(e)" }
        return nil
    }

    /// `name` opened and closed as earshotd with its built-in settings would (`DeviceProbe`).
    static func open(_ name: String) -> DeviceProbe {
        var config = DaemonConfig()
        config.device = name
        return DeviceProbe.open(CaptureThread.Options(config: config, targetRate: config.sampleRate))
    }

    /// One hint field, freeing the C string. The corresponding C function is `snd_device_name_get_hint`.
    private static func string(_ hint: UnsafeMutableRawPointer, _ id: String) -> String? {
        guard let c = snd_device_name_get_hint(hint, id) else { return nil }
        defer { free(c) }
        return String(cString: c)
    }
}
