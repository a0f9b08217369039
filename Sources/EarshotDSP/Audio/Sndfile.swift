import CSndfile
import Foundation

/// The one checker for libsndfile calls: a non-zero return code becomes `AudioLibraryError` with
/// `sf_strerror`'s text for `file` (or the last open error when `file` is nil).
@discardableResult
func sndfileCheck(_ rc: Int32, _ call: String, file: OpaquePointer?) throws -> Int32 {
    guard rc == 0 else { throw AudioLibraryError(call: call, message: String(cString: sf_strerror(file))) }
    return rc
}

/// An open libsndfile handle (read side), closed on deinit.
final class SndfileReader {
    let handle: OpaquePointer
    let info: SF_INFO
    let path: String

    /// Opens `path` for reading. The corresponding C function is `sf_open`; its errors map to `AudioFileError`,
    /// naming `path`. A name that is not UTF-8 is opened by its bytes (`BytePaths`).
    init(path: String) throws {
        var info = SF_INFO()
        handle = try BytePaths.withFileSystemPath(path) { try Self.open(path, fsPath: $0, info: &info) }
        self.info = info
        self.path = path
    }

    /// `sf_open` of `fsPath`, the file that `path` (in errors) names, after checking what it is.
    private static func open(_ path: String, fsPath: String, info: inout SF_INFO) throws -> OpaquePointer {
        var attrs = stat()
        guard stat(fsPath, &attrs) == 0 else {
            if errno == ENOENT { throw AudioFileError.missing(path: path) }
            throw AudioFileError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if (attrs.st_mode & S_IFMT) == S_IFDIR {
            let kinds = "." + AudioPaths.extensions.sorted().joined(separator: ", .")
            throw AudioFileError.folder(path: path, reason: AudioPaths.expand([path]) == [path]
                ? "a folder with no audio file in it (\(kinds)); put the recordings there, or name the files" : "a folder: give the audio files in it")
        }
        guard (attrs.st_mode & S_IFMT) == S_IFREG else { throw AudioFileError.notAFile(path: path, kind: Self.kind(of: attrs.st_mode)) }
        guard attrs.st_size > 0 else { throw AudioFileError.empty(path: path) }
        guard access(fsPath, R_OK) == 0 else { throw AudioFileError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard let h = sf_open(fsPath, Int32(SFM_READ), &info) else {
            let code = sf_error(nil)
            let msg = String(cString: sf_strerror(nil))
            // libsndfile calls a WAV with a codec it does not decode "malformed"; say which codec it is.
            if let tag = WavCodecTag(path: fsPath), !tag.isDecodable {
                throw AudioFileError.unsupportedEncoding(path: path, reason: "\(tag.description); libsndfile: \(msg)")
            }
            if code == Int32(SF_ERR_UNRECOGNISED_FORMAT) { throw AudioFileError.notAudio(path: path, reason: msg) }
            if code == Int32(SF_ERR_UNSUPPORTED_ENCODING) { throw AudioFileError.unsupportedEncoding(path: path, reason: msg) }
            if code == Int32(SF_ERR_MALFORMED_FILE) { throw AudioFileError.truncated(path: path, reason: msg) }
            throw AudioFileError.notAudio(path: path, reason: msg)
        }
        return h
    }

    /// What a `stat` mode that is not a regular file or a folder is, for the error ("a character device" …).
    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        default: return "a special file"
        }
    }

    deinit { sf_close(handle) }

    /// libsndfile's parse log for this file (warnings such as a data chunk longer than the file).
    /// The corresponding C function is `sf_command(SFC_GET_LOG_INFO)`.
    var log: String {
        var buf = [CChar](repeating: 0, count: 8192)
        sf_command(handle, Int32(SFC_GET_LOG_INFO), &buf, Int32(buf.count))
        return String(cString: buf)
    }

    /// Reads up to `frames` interleaved frames. The corresponding C function is `sf_readf_float`.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        let n = sf_readf_float(handle, buffer, sf_count_t(frames))
        if n < frames {
            let code = sf_error(handle)
            if code != 0 {
                throw AudioFileError.truncated(path: path, reason: String(cString: sf_strerror(handle)))
            }
        }
        return Int(n)
    }

    /// Whether `seek` lands on exactly the frame a read from the start would reach: a seekable file of PCM,
    /// float or FLAC samples (not a lossy codec, whose decoder delay a seek may not reproduce).
    var seeksExactly: Bool {
        let sub = info.format & Int32(SF_FORMAT_SUBMASK), major = info.format & Int32(SF_FORMAT_TYPEMASK)
        let pcm = [SF_FORMAT_PCM_S8, SF_FORMAT_PCM_U8, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24, SF_FORMAT_PCM_32,
                   SF_FORMAT_FLOAT, SF_FORMAT_DOUBLE].map { Int32($0) }
        return info.seekable != 0 && (pcm.contains(sub) || major == Int32(SF_FORMAT_FLAC))
    }

    /// Moves the read position to `frame` (from the file's start). The corresponding C function is `sf_seek`
    /// (SEEK_SET), which returns the new position or −1.
    func seek(to frame: Int) throws {
        let at = sf_seek(handle, sf_count_t(frame), SEEK_SET)
        try sndfileCheck(at == sf_count_t(frame) ? 0 : -1, "sf_seek(\(path), \(frame))", file: handle)
    }

    /// "WAV PCM_16"-style description of the container and encoding.
    var formatName: String {
        func name(_ value: Int32, _ cmd: Int32) -> String {
            var f = SF_FORMAT_INFO()
            f.format = value
            guard sf_command(nil, cmd, &f, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0, let n = f.name else { return String(format: "0x%x", value) }
            return String(cString: n)
        }
        let major = name(info.format & Int32(SF_FORMAT_TYPEMASK), Int32(SFC_GET_FORMAT_INFO))
        let sub = name(info.format & Int32(SF_FORMAT_SUBMASK), Int32(SFC_GET_FORMAT_INFO))
        return "\(major) \(sub)"
    }
}
