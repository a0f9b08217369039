import CSndfile
import Foundation

/// A 16-bit mono WAV written block by block, its header kept current after every block
/// (`SFC_SET_UPDATE_HEADER_AUTO`): at any moment the file is a valid WAV of everything written so far — a
/// reader (`earshot calibrate`) can open it while it grows, and a crash leaves a readable file. The
/// corresponding C functions are `sf_open` (SFM_WRITE), `sf_command`, `sf_writef_short` and `sf_close`.
public final class WAVStreamWriter {
    public let path: String
    public let sampleRate: Int
    /// Samples written so far.
    public private(set) var frames = 0
    private var handle: OpaquePointer?
    private var scratch: [Int16] = []

    /// Creates (or truncates) `path`. Throws `AudioFileError.cannotWrite` naming it.
    public init(path: String, sampleRate: Int) throws {
        self.path = path; self.sampleRate = sampleRate
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        info.format = AudioFileFormat.wavPCM16.sndfileFormat
        guard sampleRate > 0, sf_format_check(&info) != 0 else {
            throw AudioFileError.cannotWrite(path: path, reason: "libsndfile cannot write 16-bit WAV at \(sampleRate) Hz")
        }
        guard let h = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw AudioFileError.cannotWrite(path: path, reason: String(cString: sf_strerror(nil)))
        }
        handle = h
        sf_command(h, Int32(SFC_SET_UPDATE_HEADER_AUTO), nil, Int32(SF_TRUE))
    }

    deinit { if let handle { sf_close(handle) } }

    /// Appends `samples` (clipped to [-1, 1], rounded to the nearest 16-bit value as `AudioFileWriter` does).
    public func write(_ samples: UnsafeBufferPointer<Float>) throws {
        guard let h = handle else { throw AudioFileError.cannotWrite(path: path, reason: "already closed") }
        if scratch.count < samples.count { scratch = [Int16](repeating: 0, count: samples.count) }
        for i in samples.indices { scratch[i] = AudioFileWriter.int16(samples[i]) }
        let n = scratch.withUnsafeBufferPointer { sf_writef_short(h, $0.baseAddress, sf_count_t(samples.count)) }
        if n > 0 { frames += Int(n) }
        guard n == samples.count else {
            throw AudioFileError.cannotWrite(path: path, reason: "wrote \(n) of \(samples.count) frames: \(String(cString: sf_strerror(h)))")
        }
    }

    /// Finishes the file. Throws libsndfile's error (through `sndfileCheck`).
    public func close() throws {
        guard let h = handle else { return }
        handle = nil
        do { try sndfileCheck(sf_close(h), "sf_close", file: nil) } catch {
            throw AudioFileError.cannotWrite(path: path, reason: "\(error)")
        }
    }
}
