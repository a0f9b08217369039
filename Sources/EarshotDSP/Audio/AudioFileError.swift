/// Why an audio file could not be read or written. Each case names the file, what is wrong and the fix.
public enum AudioFileError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case notAudio(path: String, reason: String)
    /// A folder where one file was expected (`reason`: whether it holds audio files, and which kinds count).
    case folder(path: String, reason: String)
    /// A device, FIFO or socket (`kind`, e.g. "a character device") where a recording was expected.
    case notAFile(path: String, kind: String)
    case truncated(path: String, reason: String)
    case zeroFrames(path: String)
    case unsupportedEncoding(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    /// A floating-point file with NaN, infinite or absurdly large samples (where a clip must be clean, e.g. for training).
    case damaged(path: String, DamagedSamples)

    public var path: String {
        switch self {
        case let .missing(p), let .unreadable(p, _), let .empty(p), let .notAudio(p, _), let .folder(p, _), let .notAFile(p, _), let .truncated(p, _),
             let .zeroFrames(p), let .unsupportedEncoding(p, _), let .cannotWrite(p, _), let .damaged(p, _):
            return p
        }
    }

    public var description: String {
        switch self {
        case let .missing(p): return "\(p): no such file — check the path"
        case let .unreadable(p, r): return "\(p): cannot open (\(r)) — check the file's permissions"
        case let .empty(p): return "\(p): file is empty (0 bytes) — the recording was not written; re-record or re-copy it"
        case let .notAudio(p, r): return "\(p): not an audio file libsndfile can read (\(r)) — use WAV, FLAC, OGG/Vorbis or AIFF"
        case let .folder(p, r): return "\(p): is \(r)"
        case let .notAFile(p, k): return "\(p): is \(k), not a recording — give an audio file (WAV, FLAC, OGG/Vorbis or AIFF); to hear a microphone live, use `earshot listen`"
        case let .truncated(p, r): return "\(p): audio data is truncated or corrupt (\(r)) — re-copy the file; a partial download or full disk does this"
        case let .zeroFrames(p): return "\(p): contains no audio frames — the recording is empty"
        case let .unsupportedEncoding(p, r): return "\(p): unsupported encoding (\(r)) — convert it to PCM, e.g. `ffmpeg -i \(p) -c:a pcm_s16le out.wav`"
        case let .cannotWrite(p, r): return "\(p): cannot write audio (\(r)) — check the directory exists, is writable and has space"
        case let .damaged(p, n): return "\(p): damaged audio: \(n) — re-export or re-record it"
        }
    }
}

/// A failing libsndfile or libsoxr call, with the library's own message.
public struct AudioLibraryError: Error, CustomStringConvertible {
    public var call: String
    public var message: String
    public var description: String { "\(call) failed: \(message)" }
}
