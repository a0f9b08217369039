import CSndfile
import Foundation

/// An audio file decoded block by block to mono at `sampleRate`: libsndfile frames → mean of the channels →
/// libsoxr (streaming, high quality). Memory stays bounded whatever the file's length; `AudioFile.read` is
/// this stream read to the end, so both give the same samples.
public final class AudioFileStream {
    public let path: String
    public let sampleRate: Int
    public let sourceSampleRate: Int
    public let sourceChannels: Int
    public let sourceFormat: String
    /// Frames the header declares (at the source rate).
    public let declaredFrames: Int
    /// Samples the whole file gives at `sampleRate` (if it decodes to the end).
    public var fileSamples: Int { resampler == nil ? declaredFrames : Int((Double(declaredFrames) * Double(sampleRate) / Double(sourceSampleRate)).rounded()) }
    /// First sample (at `sampleRate`) that `read` delivers: the ones before are skipped (`sf_seek`) when the
    /// file needs no resampling and seeks exactly, else decoded and dropped.
    public let start: Int
    /// Samples `read` delivers (if the file decodes to the end): `fileSamples` from `start` on.
    public var expectedSamples: Int { max(0, fileSamples - start) }

    private let reader: SndfileReader
    private let resampler: Resampler?
    private let block: UnsafeMutablePointer<Float>   // (blockFrames, channels) interleaved
    private let mono: UnsafeMutablePointer<Float>    // (blockFrames): the channels' mean (several channels only)
    private let converted: UnsafeMutableBufferPointer<Float>  // resampler output for one block (resampling only)
    /// Source frames decoded; samples at `sampleRate` produced (the dropped ones before `start` included).
    private var decoded = 0, delivered = 0
    private var ended = false
    /// Damaged samples (NaN, ±∞, beyond ±1e10) met so far, replaced with 0 (nil: none); callers warn
    /// (`earshot detect`) or skip the clip (the trainer).
    public private(set) var damaged: DamagedSamples?
    /// Largest |sample| decoded so far from `start` on, at the source rate (the channels' mean, before libsoxr):
    /// the file's own loudest sample. A resampled signal can ripple past a clipped integer file's full scale
    /// (+0.1…+1.4 dB, Gibbs), which would read as a float file above full scale.
    public private(set) var peak: Float = 0
    /// `start` at the source rate: the first source frame `peak` counts.
    private let sourceStart: Int

    /// Opens `url` and checks its header (any format libsndfile reads). Throws `AudioFileError` naming the file.
    /// `start`: deliver the samples from this one on, exactly the samples `AudioFile.read` gives there: a file
    /// at `sampleRate` in PCM, float or FLAC seeks to it; any other is decoded from its start and the samples
    /// before `start` dropped (resampler state included). Damaged samples are only looked for in what is decoded.
    public init(_ url: URL, sampleRate: Int = 16_000, from start: Int = 0) throws {
        path = url.path
        self.start = max(0, start)
        reader = try SndfileReader(path: path)
        let channels = Int(reader.info.channels)
        declaredFrames = Int(reader.info.frames)
        guard reader.info.samplerate > 0, channels > 0 else { throw AudioFileError.notAudio(path: path, reason: "header gives \(reader.info.samplerate) Hz, \(channels) channels") }
        guard declaredFrames > 0 else { throw AudioFileError.zeroFrames(path: path) }
        if let problem = AudioFile.truncation(inLog: reader.log) { throw AudioFileError.truncated(path: path, reason: problem) }
        self.sampleRate = sampleRate
        sourceSampleRate = Int(reader.info.samplerate)
        sourceChannels = channels
        sourceFormat = reader.formatName
        resampler = sourceSampleRate == sampleRate ? nil : try Resampler(inputRate: Double(sourceSampleRate), outputRate: Double(sampleRate))
        sourceStart = Int((Double(self.start) * Double(sourceSampleRate) / Double(sampleRate)).rounded(.down))
        block = .allocate(capacity: AudioFile.blockFrames * channels)
        mono = .allocate(capacity: channels > 1 ? AudioFile.blockFrames : 0)
        converted = .allocate(capacity: resampler?.maxOutput(forInput: AudioFile.blockFrames) ?? 0)
        if resampler == nil, self.start > 0, self.start < declaredFrames, reader.seeksExactly {
            try reader.seek(to: self.start)
            decoded = self.start; delivered = self.start
        }
    }

    deinit { block.deallocate(); mono.deallocate(); converted.deallocate() }

    /// Appends the next decoded samples (up to `AudioFile.blockFrames` at the source rate) to `out`; returns
    /// false once the file is exhausted. At the end, throws `truncated` if fewer frames than the header
    /// declares could be decoded. Resampled output is trimmed to `fileSamples` (libsoxr's tail). While the
    /// samples before `start` are decoded it appends nothing and returns true.
    public func read(appendingTo out: inout [Float]) throws -> Bool {
        guard !ended else { return false }
        let n = try reader.read(into: block, frames: AudioFile.blockFrames)
        if n == 0 {
            ended = true
            guard decoded > 0 else {
                // libsndfile reports SF_COUNT_MAX frames when it cannot find a stream's end (a cut OGG/Vorbis)
                if declaredFrames >= Int(Int32.max) { throw AudioFileError.truncated(path: path, reason: "the stream's end is missing and nothing could be decoded") }
                throw AudioFileError.zeroFrames(path: path)
            }
            if decoded < declaredFrames {
                throw AudioFileError.truncated(path: path, reason: "header declares \(declaredFrames) frames but only \(decoded) could be decoded")
            }
            if let resampler {
                let k = try resampler.flush(into: converted)
                deliver(UnsafeBufferPointer(rebasing: converted[..<k]), to: &out)
            }
            return false
        }
        replaceDamaged(frames: n)
        decoded += n
        // one channel: the decoded block itself; several: their mean, in `mono`
        if sourceChannels > 1 {
            let channels = sourceChannels, scale = 1 / Float(channels)
            for f in 0..<n {
                var s: Float = 0
                for c in 0..<channels { s += block[f * channels + c] }
                mono[f] = s * scale
            }
        }
        let src = UnsafeBufferPointer(start: sourceChannels > 1 ? mono : block, count: n)
        let counted = min(n, max(0, sourceStart - (decoded - n)))
        peak = max(peak, PeakLevel.peak(UnsafeBufferPointer(rebasing: src[counted...])))
        guard let resampler else { deliver(src, to: &out); return true }
        let k = try resampler.process(src, into: converted)
        deliver(UnsafeBufferPointer(rebasing: converted[..<k]), to: &out)
        return true
    }

    /// Sets the block's damaged samples (NaN, ±∞, beyond ±1e10; n frames, all channels) to 0 and counts them
    /// in `damaged`.
    private func replaceDamaged(frames n: Int) {
        let channels = sourceChannels
        for i in 0..<(n * channels) where DamagedSamples.isDamaged(block[i]) {
            block[i] = 0
            if damaged == nil { damaged = DamagedSamples(count: 0, firstSeconds: Double(decoded + i / channels) / Double(sourceSampleRate)) }
            damaged!.count += 1
        }
    }

    /// Appends `x`, never past `fileSamples` when resampling, and none of the samples before `start`.
    private func deliver(_ x: UnsafeBufferPointer<Float>, to out: inout [Float]) {
        let room = resampler == nil ? x.count : max(0, min(x.count, fileSamples - delivered))
        let drop = min(room, max(0, start - delivered))
        out.append(contentsOf: x[drop..<room])
        delivered += room
    }
}
