/// Command-line knobs of earshotd that are not configuration (mostly for tests, benchmarks and the demo).
public struct RuntimeOptions: Sendable {
    public var configPath: String?
    /// `--instance NAME` (one earshotd per microphone, `earshot@NAME.service`): its config file, state directory,
    /// metrics label and default location.
    public var instance = Instance.single
    /// Stop capturing after this many device frames (ALSA's file plugin repeats data at end of file).
    public var maxFrames: Int?
    /// Pace capture to this multiple of real time (0 = as fast as the device delivers; real devices pace themselves).
    public var pace: Double = 0
    /// Exit once capture has stopped (after `maxFrames`) and every sample was analysed.
    public var exitAtEnd = false
    /// Private ALSA configuration text defining the capture PCM (`snd_config_load` + `snd_pcm_open_lconf`),
    /// used by `--replay` to play a recording through the real capture path.
    public var alsaConfigText: String?
    /// The recording `--replay` plays: not the site's sound, so its alerts, held-back events and incident notices
    /// are drills (EARSHOT_TEST=1) marked a replay of it (EARSHOT_REPLAY, "[REPLAY]"), and `earshot incidents`
    /// leaves them out. A configured hook still runs — with the marks, as for `earshot test-alert`.
    public var replayOf: String?
    public init() {}
}
