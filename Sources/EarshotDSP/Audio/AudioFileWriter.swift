import CSndfile
import Foundation

/// Containers and encodings `AudioFileWriter.write` produces (libsndfile major | minor format).
public enum AudioFileFormat: Sendable, CaseIterable {
    case wavPCM8, wavPCM16, wavPCM24, wavPCM32, wavFloat, flac, oggVorbis, aiff16

    var sndfileFormat: Int32 {
        switch self {
        case .wavPCM8: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_U8)
        case .wavPCM16: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wavPCM24: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24)
        case .wavPCM32: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_32)
        case .wavFloat: return Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
        case .flac: return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case .oggVorbis: return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        case .aiff16: return Int32(SF_FORMAT_AIFF | SF_FORMAT_PCM_16)
        }
    }
}

/// Writes audio files: 16-bit WAV evidence clips, test fixtures in every format, raw S16_LE for ALSA's file plugin.
public enum AudioFileWriter {
    /// A sample as 16-bit PCM: clipped to [-1, 1], rounded to the nearest step (every 16-bit writer here uses
    /// this, so WAV clips, site recordings and raw S16_LE agree sample for sample).
    @inline(__always) public static func int16(_ x: Float) -> Int16 { Int16(max(-32768, min(32767, (x * 32768).rounded()))) }

    /// 16-bit PCM mono WAV, written atomically (temporary file in the same directory, then rename), so a
    /// reader never sees half a clip. Samples are clipped to [-1, 1].
    public static func writeWAV16(_ samples: [Float], sampleRate: Int, to url: URL) throws {
        try write(samples, channels: 1, sampleRate: sampleRate, format: .wavPCM16, to: url)
    }

    /// Writes interleaved samples in `format`, atomically. The corresponding C functions are `sf_open`
    /// (SFM_WRITE), `sf_writef_float` and `sf_close`.
    public static func write(_ interleaved: [Float], channels: Int, sampleRate: Int, format: AudioFileFormat, to url: URL) throws {
        let path = url.path
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.sndfileFormat
        guard sf_format_check(&info) != 0 else {
            throw AudioFileError.cannotWrite(path: path, reason: "libsndfile cannot write \(format) at \(sampleRate) Hz × \(channels)")
        }
        guard sampleRate > 0, channels > 0 else {
            throw AudioFileError.cannotWrite(path: path, reason: "invalid format: \(sampleRate) Hz × \(channels) channels")
        }
        guard let h = sf_open(tmp, Int32(SFM_WRITE), &info) else {
            let reason = String(cString: sf_strerror(nil))
            unlink(tmp)
            throw AudioFileError.cannotWrite(path: path, reason: reason)
        }
        let frames = interleaved.count / channels
        let n: sf_count_t
        if format == .wavPCM16 || format == .aiff16 || format == .flac {
            // Round to nearest in Swift (libsndfile's float→short path truncates toward −∞ when clipping),
            // so WAV clips and raw S16_LE agree sample for sample.
            let ints = interleaved.map(Self.int16)
            n = ints.withUnsafeBufferPointer { sf_writef_short(h, $0.baseAddress, sf_count_t(frames)) }
        } else {
            // Float → integer conversion clips instead of wrapping.
            sf_command(h, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
            n = interleaved.withUnsafeBufferPointer { sf_writef_float(h, $0.baseAddress, sf_count_t(frames)) }
        }
        let werr = n == frames ? nil : String(cString: sf_strerror(h))
        let closeRC = sf_close(h)
        if let werr {
            unlink(tmp)
            throw AudioFileError.cannotWrite(path: path, reason: "wrote \(n) of \(frames) frames: \(werr)")
        }
        do { try sndfileCheck(closeRC, "sf_close", file: nil) } catch {
            unlink(tmp)
            throw AudioFileError.cannotWrite(path: path, reason: "\(error)")
        }
        guard rename(tmp, path) == 0 else {
            let e = String(cString: strerror(errno))
            unlink(tmp)
            throw AudioFileError.cannotWrite(path: path, reason: e)
        }
    }

    /// Headerless signed 16-bit little-endian mono samples (what ALSA's `file` plugin `infile` replays).
    public static func writeRawS16LE(_ samples: [Float], to url: URL) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(samples.count * 2)
        for s in samples {
            let v = Self.int16(s)
            bytes.append(UInt8(truncatingIfNeeded: v)); bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        }
        do { try Data(bytes).write(to: url, options: .atomic) } catch {
            throw AudioFileError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }
}
