import EarshotDSP
import Foundation

/// `earshotd --replay FILE`: decodes any audio file to 16 kHz mono S16_LE and defines a private ALSA PCM
/// (`file` plugin over a `null` slave with that data as `infile`), so the recording is captured through
/// the real `snd_pcm_readi` path — the demo and a way to re-check a recording exactly as the service hears it.
public enum Replay {
    public static let device = "earshot_replay"

    /// Sets the options and config that capture `file` once; returns the decoded samples' temporary file
    /// (the ALSA `infile`, in $TMPDIR), which the caller deletes when the run ends.
    public static func prepare(_ file: String, config: inout DaemonConfig, options: inout RuntimeOptions) throws -> URL {
        let clip = try AudioFile.read(URL(fileURLWithPath: file), sampleRate: 16_000)
        if let bad = clip.damaged { FileHandle.standardError.write(Data((bad.warning(program: "earshotd", file: file, handled: "replayed as silence") + "\n").utf8)) }
        let raw = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-replay-\(getpid()).raw")
        try AudioFileWriter.writeRawS16LE(clip.samples, to: raw)
        options.alsaConfigText = """
        pcm.\(device) {
            type file
            slave.pcm { type null }
            file "/dev/null"
            infile "\(raw.path)"
            format "raw"
        }
        """
        options.maxFrames = clip.samples.count
        options.exitAtEnd = true
        options.replayOf = file
        config.device = device
        config.sampleRate = 16_000
        config.channels = 1
        config.channel = nil
        // A replayed file is not the site's own sound: its shots would count as the site's false alarms in
        // `earshot calibrate`, so neither the site recording nor the score log takes it, and the alert-rate watch
        // does not call its alerts the site's.
        config.recording.enabled = false
        config.scores.enabled = false
        config.alertRate.enabled = false
        return raw
    }
}
