import CSndfile
import Foundation

/// Decoded audio: mono float samples in [-1, 1) at `sampleRate`, and what the source file was.
public struct AudioClip: Sendable {
    public var samples: [Float]
    public var sampleRate: Int
    public var sourceSampleRate: Int
    public var sourceChannels: Int
    public var sourceFormat: String
    /// Damaged samples (NaN, ±∞, beyond ±1e10), decoded as 0 (`AudioFileStream.damaged`).
    public var damaged: DamagedSamples? = nil
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// What a file holds, without decoding it.
public struct AudioFileInfo: Sendable {
    public var frames: Int
    public var sampleRate: Int
    public var channels: Int
    public var format: String
}

/// Reads any audio file libsndfile understands (WAV 8/16/24/32-bit PCM and float, FLAC, OGG/Vorbis, AIFF, …),
/// mixes all channels down to mono (mean) and converts to the requested rate with libsoxr (high quality).
public enum AudioFile {
    /// Frames decoded per `sf_readf_float` call: memory per block stays bounded whatever the file.
    public static let blockFrames = 16_384

    public static func info(_ url: URL) throws -> AudioFileInfo {
        let r = try SndfileReader(path: url.path)
        guard r.info.frames < sf_count_t(Int32.max) else {
            throw AudioFileError.truncated(path: url.path, reason: "the stream's end is missing (libsndfile cannot tell its length)")
        }
        return AudioFileInfo(frames: Int(r.info.frames), sampleRate: Int(r.info.samplerate), channels: Int(r.info.channels), format: r.formatName)
    }

    /// libsndfile logs "<chunk> : X (should be Y)" when a chunk's declared size X disagrees with the file.
    /// X > Y means the header promises more data than the file holds: truncated. X = 0 or X ≥ 0x7FFFF000 is
    /// the "unknown length" left by writers that cannot seek back to fill it in, writing into a pipe: arecord
    /// (data 0x80000000, RIFF 0x80000024; 0x7FFFFFFF in older alsa-utils), sox (0x7FFFF000 and + 36) and
    /// ffmpeg (0xFFFFFFFF): not an error, the audio that is there is read; X < Y (extra bytes after the data)
    /// is harmless too.
    static func truncation(inLog log: String) -> String? {
        for line in log.split(separator: "\n") where line.contains("should be") {
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { UInt64($0) }
            guard numbers.count >= 2 else { continue }
            let declared = numbers[numbers.count - 2], actual = numbers[numbers.count - 1]
            if declared == 0 || declared >= unknownLength { continue }
            if declared > actual { return line.trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The smallest declared chunk size taken as a pipe writer's "unknown length" (sox's, 2 GiB − 4 KiB; the
    /// others' lie above it). The cost: a file of more than 2 GiB that lost its end is read as far as it goes,
    /// without the truncation error.
    static let unknownLength: UInt64 = 0x7FFF_F000

    /// Decodes `url` to mono at `sampleRate` (default 16 kHz): `AudioFileStream` read to the end.
    public static func read(_ url: URL, sampleRate: Int = 16_000) throws -> AudioClip {
        let stream = try AudioFileStream(url, sampleRate: sampleRate)
        var samples = [Float]()
        samples.reserveCapacity(min(stream.expectedSamples, 1 << 24)) // a damaged header may claim up to Int.max frames
        while try stream.read(appendingTo: &samples) {}
        return AudioClip(samples: samples, sampleRate: sampleRate, sourceSampleRate: stream.sourceSampleRate,
                         sourceChannels: stream.sourceChannels, sourceFormat: stream.sourceFormat, damaged: stream.damaged)
    }
}
