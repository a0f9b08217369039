import CALSA
import Foundation

/// A capture PCM: S16_LE interleaved, opened by name (or from a private config string, for tests), with
/// hardware parameters negotiated once. Blocking reads: use only from the capture thread.
public final class PCMCapture {
    public let device: String
    public private(set) var rate: Int
    public private(set) var channels: Int
    public private(set) var periodFrames: Int
    private var pcm: OpaquePointer?
    private var config: OpaquePointer?

    /// Opens `device` for capture and sets S16_LE, interleaved, `channels`, a rate the hardware has — `rate`, else
    /// the lowest above it, else its highest (alsa-lib's resampling off) — and a period near `periodFrames` (at
    /// `rate`: the same time at the device's). With `configText`, the PCM is resolved from that private ALSA
    /// configuration instead of the system's (`snd_config_load` + `snd_pcm_open_lconf`). `nonblocking` opens with
    /// `SND_PCM_NONBLOCK`, so a device in use fails at once with EBUSY (`DeviceProbe`: open, negotiate, close; the
    /// capture thread reads blocking).
    /// The corresponding C functions are `snd_pcm_open`/`snd_pcm_open_lconf` and `snd_pcm_hw_params_*`.
    public init(device: String, rate: Int, channels: Int, periodFrames: Int = 1600, configText: String? = nil, nonblocking: Bool = false) throws {
        self.device = device
        let mode = nonblocking ? SND_PCM_NONBLOCK : 0
        var handle: OpaquePointer?
        if let text = configText {
            var cfg: OpaquePointer?
            try alsaCheck(snd_config_top(&cfg), "snd_config_top")
            var input: OpaquePointer?
            let bytes = Array(text.utf8CString)
            _ = try bytes.withUnsafeBufferPointer { b in
                try alsaCheck(snd_input_buffer_open(&input, b.baseAddress, b.count - 1), "snd_input_buffer_open")
            }
            let rc = snd_config_load(cfg, input)
            snd_input_close(input)
            if rc < 0 { snd_config_delete(cfg); try alsaCheck(rc, "snd_config_load", device: device) }
            let orc = snd_pcm_open_lconf(&handle, device, SND_PCM_STREAM_CAPTURE, mode, cfg)
            if orc < 0 { snd_config_delete(cfg); try alsaCheck(orc, "snd_pcm_open_lconf", device: device) }
            config = cfg
        } else {
            try alsaCheck(snd_pcm_open(&handle, device, SND_PCM_STREAM_CAPTURE, mode), "snd_pcm_open", device: device)
        }
        pcm = handle
        self.rate = rate
        self.channels = channels
        self.periodFrames = periodFrames
        do { try configure() } catch { close(); throw error }
    }

    deinit { close() }

    private func configure() throws {
        var hw: OpaquePointer?
        try alsaCheck(snd_pcm_hw_params_malloc(&hw), "snd_pcm_hw_params_malloc", device: device)
        defer { snd_pcm_hw_params_free(hw) }
        try alsaCheck(snd_pcm_hw_params_any(pcm, hw), "snd_pcm_hw_params_any", device: device)
        try alsaCheck(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED), "snd_pcm_hw_params_set_access", device: device)
        try alsaCheck(snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE), "snd_pcm_hw_params_set_format(S16_LE)", device: device)
        var ch = UInt32(channels)
        try alsaCheck(snd_pcm_hw_params_set_channels_near(pcm, hw, &ch), "snd_pcm_hw_params_set_channels_near", device: device)
        // No rate conversion by alsa-lib: asked for 16 kHz, a plug device (plughw:, and `default` on most boxes) at
        // 48 kHz converts with alsa-lib's own linear converter (unless libasound2-plugins brings another), which at
        // 3:1 keeps every third sample and filters nothing: everything above 8 kHz — much of a shot's crack, and the
        // room's hiss — folds into the band the model hears (a 12 kHz tone came through at 4 kHz undiminished).
        // Take a rate the hardware has; the capture thread resamples with libsoxr, as `earshot detect` does a file.
        try alsaCheck(snd_pcm_hw_params_set_rate_resample(pcm, hw, 0), "snd_pcm_hw_params_set_rate_resample", device: device)
        // The rate asked for if the hardware has it, else the lowest it has above it, else its highest: the nearest
        // can lie below (11025 of 11025/22050/44100 Hz for 16000), with nothing above half of it.
        var r = UInt32(rate), dir: Int32 = 0, top: UInt32 = 0
        try alsaCheck(snd_pcm_hw_params_get_rate_max(hw, &top, &dir), "snd_pcm_hw_params_get_rate_max", device: device)
        if snd_pcm_hw_params_test_rate(pcm, hw, r, 0) < 0, top >= r {
            var low = r
            dir = 0
            try alsaCheck(snd_pcm_hw_params_set_rate_min(pcm, hw, &low, &dir), "snd_pcm_hw_params_set_rate_min", device: device)
        }
        dir = 0
        try alsaCheck(snd_pcm_hw_params_set_rate_near(pcm, hw, &r, &dir), "snd_pcm_hw_params_set_rate_near", device: device)
        // `periodFrames` is a time at the rate asked for: the same time at the device's own (100 ms is 4800 frames at
        // 48 kHz, not 1600 — a third of the period, three times the wake-ups)
        var period = snd_pcm_uframes_t(max(16, (Double(periodFrames) * Double(r) / Double(max(1, rate))).rounded()))
        try alsaCheck(snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir), "snd_pcm_hw_params_set_period_size_near", device: device)
        var buffer = period * 8
        try alsaCheck(snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer), "snd_pcm_hw_params_set_buffer_size_near", device: device)
        try alsaCheck(snd_pcm_hw_params(pcm, hw), "snd_pcm_hw_params", device: device)
        channels = Int(ch)
        rate = Int(r)
        periodFrames = Int(period)
        try alsaCheck(snd_pcm_prepare(pcm), "snd_pcm_prepare", device: device)
    }

    /// Reads up to `frames` interleaved frames into `buffer` (capacity frames × channels); returns the count.
    /// An overrun (-EPIPE) or suspend is recovered with `snd_pcm_recover` and reported through `onOverrun`;
    /// other errors throw. The corresponding C function is `snd_pcm_readi`.
    public func read(into buffer: UnsafeMutablePointer<Int16>, frames: Int, onOverrun: () -> Void) throws -> Int {
        while true {
            let n = snd_pcm_readi(pcm, buffer, snd_pcm_uframes_t(frames))
            if n >= 0 { return Int(n) }
            let err = Int32(n)
            if err == -EAGAIN || err == -EINTR { continue }
            if err == -EPIPE || err == -ESTRPIPE {
                onOverrun()
                try alsaCheck(snd_pcm_recover(pcm, err, 1), "snd_pcm_recover", device: device)
                continue
            }
            try alsaCheck(err, "snd_pcm_readi", device: device)
        }
    }

    /// The corresponding C function is `snd_pcm_close`.
    public func close() {
        if let p = pcm { snd_pcm_close(p) }
        pcm = nil
        if let c = config { snd_config_delete(c) }
        config = nil
    }
}
