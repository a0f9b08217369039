import EarshotDSP
import Foundation

/// Test input through the REAL capture path: alsa-lib's `file` plugin over a `null` slave replays a raw
/// S16_LE file as the capture data. `configText` defines the PCM `name` (for `snd_pcm_open_lconf`);
/// `writeConfigFile` defines `pcm.!default` in a file for a child's ALSA_CONFIG_PATH.
struct AlsaFileFixture {
    let raw: URL
    let frames: Int
    let rate: Int
    let channels: Int

    /// `interleaved` holds frames × channels samples in −1…1.
    init(_ interleaved: [Float], rate: Int, channels: Int = 1, dir: URL) throws {
        raw = dir.appendingPathComponent("capture-\(rate)-\(channels)ch.raw")
        try AudioFileWriter.writeRawS16LE(interleaved, to: raw)
        frames = interleaved.count / channels
        self.rate = rate
        self.channels = channels
    }

    func configText(name: String = "!default") -> String {
        """
        pcm.\(name) {
            type file
            slave.pcm { type null }
            file "/dev/null"
            infile "\(raw.path)"
            format "raw"
        }
        """
    }

    /// PCM `name` as a `plug` over the file plugin playing this file at its own rate and channels: the plug converts
    /// nothing, so a capture at another rate resamples by itself (as earshotd does for a 48 kHz microphone).
    func plugConfigText(name: String = "!default") -> String {
        "pcm.\(name) { type plug; slave { pcm { type file; slave.pcm { type null } file \"/dev/null\" infile \"\(raw.path)\" format \"raw\" } rate \(rate) channels \(channels) } }"
    }

    func writeConfigFile(in dir: URL) throws -> URL {
        let u = dir.appendingPathComponent("asound-\(rate).conf")
        try configText().write(to: u, atomically: true, encoding: .utf8)
        return u
    }
}
