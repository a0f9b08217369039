import Foundation
import Testing
@testable import EarshotDSP

/// Broken and hostile inputs beyond the basic cases in `AudioFileTests`: headers that over-promise, truncated
/// AIFF/OGG, a corrupted FLAC, unknown codecs, permissions, and `info` on bad files. Every error must be an
/// `AudioFileError` whose description names the file and says what to do.
@Suite struct AudioBadInputTests {
    typealias S = AudioTestSignals

    /// Reads `url` expecting an `AudioFileError` accepted by `check`; returns it (nil when none was thrown).
    @discardableResult
    static func expectError(_ url: URL, info: Bool = false, _ check: (AudioFileError) -> Bool,
                            sourceLocation: SourceLocation = #_sourceLocation) -> AudioFileError? {
        do {
            if info { _ = try AudioFile.info(url) } else { _ = try AudioFile.read(url) }
            Issue.record("\(url.lastPathComponent): expected an error", sourceLocation: sourceLocation)
        } catch let e as AudioFileError {
            #expect(check(e), "\(url.lastPathComponent): \(e)", sourceLocation: sourceLocation)
            #expect(e.path == url.path && e.description.contains(url.path), sourceLocation: sourceLocation)
            #expect(e.description.contains(" — "), "no fix given: \(e)", sourceLocation: sourceLocation)
            return e
        } catch {
            Issue.record("\(url.lastPathComponent): untyped error \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    static func goodWAV(in dir: URL, seconds: Double = 1) throws -> Data {
        let url = dir.appendingPathComponent("good.wav")
        try AudioFileWriter.writeWAV16(S.sine(500, rate: 16000, count: Int(16000 * seconds)), sampleRate: 16000, to: url)
        return try Data(contentsOf: url)
    }

    @Test func wavHeaderClaimingMoreFramesThanPresentIsTruncated() throws {
        let dir = TestPaths.tempDir("claims")
        defer { try? FileManager.default.removeItem(at: dir) }
        var b = try Self.goodWAV(in: dir)
        let d = try #require(S.chunkOffset(b, "data"))
        // All 16,000 frames are present, but the header promises 32,000.
        S.putLE32(&b, at: d + 4, 64000)
        S.putLE32(&b, at: 4, UInt32(b.count - 8 + 32000))
        let url = dir.appendingPathComponent("claims-more.wav")
        try b.write(to: url)
        Self.expectError(url) { if case .truncated = $0 { true } else { false } }
    }

    @Test func headerOnlyWavThatPromisesDataIsRejected() throws {
        let dir = TestPaths.tempDir("hdr")
        defer { try? FileManager.default.removeItem(at: dir) }
        let b = try Self.goodWAV(in: dir)
        let d = try #require(S.chunkOffset(b, "data"))
        let url = dir.appendingPathComponent("header-only.wav")
        try b.prefix(d + 8).write(to: url)
        // The header promises 16,000 frames and none follow: truncated, or at least zero frames.
        Self.expectError(url) {
            switch $0 { case .truncated, .zeroFrames: true; default: false }
        }
    }

    @Test func truncatedAIFFIsTruncated() throws {
        let dir = TestPaths.tempDir("aiff")
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.aiff")
        try AudioFileWriter.write(S.sine(500, rate: 16000, count: 16000), channels: 1, sampleRate: 16000, format: .aiff16, to: good)
        let b = try Data(contentsOf: good)
        let cut = dir.appendingPathComponent("cut.aiff")
        try b.prefix(b.count * 2 / 3).write(to: cut)
        Self.expectError(cut) { if case .truncated = $0 { true } else { false } }
    }

    @Test func corruptedFlacIsTruncatedOrCorrupt() throws {
        let dir = TestPaths.tempDir("flip")
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.flac")
        var rng = SplitMix(seed: 17)
        try AudioFileWriter.write((0..<32000).map { _ in Float(rng.uniform() - 0.5) }, channels: 1, sampleRate: 16000, format: .flac, to: good)
        var b = try Data(contentsOf: good)
        for k in (b.count / 3)..<(b.count / 3 + 400) { b[k] ^= 0x5A }  // scribble over audio frames, header intact
        let bad = dir.appendingPathComponent("scribbled.flac")
        try b.write(to: bad)
        Self.expectError(bad) { if case .truncated = $0 { true } else { false } }
    }

    @Test func truncatedOggIsTruncated() throws {
        let dir = TestPaths.tempDir("ogg")
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.ogg")
        try AudioFileWriter.write(S.sine(500, rate: 44100, count: 88200), channels: 1, sampleRate: 44100, format: .oggVorbis, to: good)
        let b = try Data(contentsOf: good)
        let cut = dir.appendingPathComponent("cut.ogg")
        try b.prefix(b.count * 2 / 3).write(to: cut)
        // libsndfile cannot find the last granule position: it reports SF_COUNT_MAX frames and decodes nothing.
        do {
            Self.expectError(cut) { if case .truncated = $0 { true } else { false } }
            #expect(((try? AudioFile.info(cut))?.frames ?? 0) < 88200, "info should not report Int.max frames")
        }
    }

    @Test func riffHeaderFollowedByJunkIsNotAudio() throws {
        let dir = TestPaths.tempDir("junk")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("junk.wav")
        try (Data("RIFF\u{0}\u{10}\u{0}\u{0}WAVE".utf8) + Data((0..<1024).map { UInt8($0 & 0xFF) })).write(to: url)
        Self.expectError(url) { if case .notAudio = $0 { true } else { false } }
    }

    @Test func unknownCodecIsAnUnsupportedEncoding() throws {
        let dir = TestPaths.tempDir("codec")
        defer { try? FileManager.default.removeItem(at: dir) }
        var b = try Self.goodWAV(in: dir)
        let f = try #require(S.chunkOffset(b, "fmt "))
        S.putLE16(&b, at: f + 8, 0x0160)  // WAVE_FORMAT_MSAUDIO1 (WMA v1): a real codec libsndfile does not decode
        let url = dir.appendingPathComponent("wma.wav")
        try b.write(to: url)
        // libsndfile itself answers "Malformed 'fmt ' chunk"; the reader reads the codec tag and says what it is.
        let e = Self.expectError(url) { if case .unsupportedEncoding = $0 { true } else { false } }
        let text = try #require(e?.description)
        #expect(text.contains("0x0160") && text.contains("Windows Media Audio"), "\(text)")
        #expect(text.contains("ffmpeg -i \(url.path)"), "\(text)")
        // `info` (used by `earshot detect` before decoding) gives the same answer.
        Self.expectError(url, info: true) { if case .unsupportedEncoding = $0 { true } else { false } }
    }

    @Test func wavCodecTagReadsPlainAndExtensibleHeaders() throws {
        let dir = TestPaths.tempDir("tag")
        defer { try? FileManager.default.removeItem(at: dir) }
        let b = try Self.goodWAV(in: dir)
        let pcm = try #require(WavCodecTag(header: [UInt8](b)))
        #expect(pcm.value == 0x0001 && pcm.isDecodable)
        // WAVE_FORMAT_EXTENSIBLE with an AAC sub-format GUID (00FF0000-0000-0010-8000-00AA00389B71).
        var ext = [UInt8]("RIFF".utf8) + [0, 0, 0, 0] + [UInt8]("WAVE".utf8)
        ext += [UInt8]("LIST".utf8) + [3, 0, 0, 0] + [1, 2, 3, 0]  // odd-sized chunk with its pad byte
        ext += [UInt8]("fmt ".utf8) + [40, 0, 0, 0] + [0xFE, 0xFF] + [UInt8](repeating: 0, count: 22)
        ext += [0xFF, 0x00] + [UInt8](repeating: 0, count: 14)
        let aac = try #require(WavCodecTag(header: ext))
        #expect(aac.value == 0x00FF && !aac.isDecodable && aac.description == "WAV codec tag 0x00FF (AAC)")
        // Not WAVE, or the fmt chunk cut short: no tag (the reader then keeps libsndfile's own answer).
        #expect(WavCodecTag(header: [UInt8]("fLaC".utf8) + [UInt8](repeating: 0, count: 60)) == nil)
        #expect(WavCodecTag(header: Array(ext.prefix(ext.count - 16))) == nil)
    }

    @Test func streamingWavHeaderWithUnknownLengthDecodes() throws {
        let dir = TestPaths.tempDir("stream")
        defer { try? FileManager.default.removeItem(at: dir) }
        var b = try Self.goodWAV(in: dir)
        let d = try #require(S.chunkOffset(b, "data"))
        // Writers that cannot seek back (arecord or ffmpeg writing to a pipe) leave 0xFFFFFFFF sizes; every
        // frame is present and libsndfile decodes them all.
        S.putLE32(&b, at: 4, 0xFFFF_FFFF)
        S.putLE32(&b, at: d + 4, 0xFFFF_FFFF)
        let url = dir.appendingPathComponent("piped.wav")
        try b.write(to: url)
        do {
            let clip = try AudioFile.read(url)
            #expect(clip.samples.count == 16000)
        }
    }

    /// The placeholders real pipe writers leave (checked with `arecord -t wav - | head -c N` and `sox … -t wav -`):
    /// arecord 1.2 writes data 0x80000000 and RIFF 0x80000024, older alsa-utils 0x7FFFFFFF, sox 0x7FFFF000 and
    /// 0x7FFFF024. The audio that is there is read; a smaller over-promise is still truncation.
    @Test(arguments: [(UInt32(0x8000_0000), UInt32(0x8000_0024)), (0x7FFF_FFFF, 0x7FFF_FFFF), (0x7FFF_F000, 0x7FFF_F024)])
    func pipeWritersUnknownLengthDecodes(data: UInt32, riff: UInt32) throws {
        let dir = TestPaths.tempDir("pipe-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        var b = try Self.goodWAV(in: dir)
        let d = try #require(S.chunkOffset(b, "data"))
        S.putLE32(&b, at: 4, riff)
        S.putLE32(&b, at: d + 4, data)
        let url = dir.appendingPathComponent(String(format: "piped-%08x.wav", data))
        try b.prefix(b.count - 1000).write(to: url)   // cut mid-stream, as `head -c` does
        let clip = try AudioFile.read(url)
        #expect(clip.samples.count == 15_500, "\(url.lastPathComponent): \(clip.samples.count) samples")
        // just below the smallest placeholder: the header promises more than the file has
        S.putLE32(&b, at: d + 4, 0x7FFF_EFFF)
        S.putLE32(&b, at: 4, 0x7FFF_F023)
        let short = dir.appendingPathComponent("claims-2gib.wav")
        try b.write(to: short)
        Self.expectError(short) { if case .truncated = $0 { true } else { false } }
    }

    @Test func trailingBytesAfterTheDataChunkAreAccepted() throws {
        let dir = TestPaths.tempDir("trail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let b = try Self.goodWAV(in: dir)
        let url = dir.appendingPathComponent("trailing.wav")
        try (b + Data("LIST\u{4}\u{0}\u{0}\u{0}INFO".utf8) + Data(count: 100)).write(to: url)
        let clip = try AudioFile.read(url)
        #expect(clip.samples.count == 16000)
    }

    @Test func infoReportsTheSameTypedErrors() throws {
        let dir = TestPaths.tempDir("info-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        Self.expectError(dir.appendingPathComponent("absent.flac"), info: true) { if case .missing = $0 { true } else { false } }
        let empty = dir.appendingPathComponent("empty.ogg")
        #expect(FileManager.default.createFile(atPath: empty.path, contents: Data()))
        Self.expectError(empty, info: true) { if case .empty = $0 { true } else { false } }
        let text = dir.appendingPathComponent("readme.aiff")
        try "not a sound".write(to: text, atomically: true, encoding: .utf8)
        Self.expectError(text, info: true) { if case .notAudio = $0 { true } else { false } }
    }

    @Test(.enabled(if: geteuid() != 0, "root reads files whatever their mode bits, so the denial cannot be provoked"))
    func unreadableFileNamesThePermissionFix() throws {
        let dir = TestPaths.tempDir("perm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("locked.wav")
        try AudioFileWriter.writeWAV16(S.sine(500, rate: 16000, count: 1600), sampleRate: 16000, to: url)
        #expect(chmod(url.path, 0) == 0)
        defer { chmod(url.path, 0o644) }
        let e = Self.expectError(url) { if case .unreadable = $0 { true } else { false } }
        #expect(e?.description.contains("permission") == true)
    }

    /// A device or a FIFO given as a recording (`earshot detect /dev/snd/…`, a pipe) is said to be one, with what
    /// to give instead — not "check the file's permissions". The FIFO is not opened: reading it would block.
    @Test func aDeviceOrFifoIsNamedAsSuch() throws {
        let dir = TestPaths.tempDir("special")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe.wav")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        for (url, kind) in [(URL(fileURLWithPath: "/dev/null"), "a character device"), (fifo, "a FIFO (named pipe)")] {
            let e = Self.expectError(url) { if case let .notAFile(_, k) = $0 { k == kind } else { false } }
            #expect(e?.description.contains("not a recording — give an audio file") == true, "\(String(describing: e))")
        }
    }

    /// A damaged float file's NaN, ±∞ and absurdly large samples decode as 0 and are counted, with the first one's time;
    /// before mixing and resampling, so none spreads to its neighbours. The rest of the file is untouched.
    @Test func damagedSamplesOfAFloatFileDecodeAsSilenceAndAreCounted() throws {
        let dir = TestPaths.tempDir("nan")
        defer { try? FileManager.default.removeItem(at: dir) }
        var x = S.sine(500, rate: 16000, count: 16000).map { $0 * 0.5 }
        x[8000] = .nan; x[12000] = .infinity; x[12001] = -.infinity; x[13000] = -1e20
        x[14000] = 2e9   // a float written on a 32-bit integer scale: loud, but sound
        let mono = dir.appendingPathComponent("mono.wav")
        try AudioFileWriter.write(x, channels: 1, sampleRate: 16000, format: .wavFloat, to: mono)
        let a = try AudioFile.read(mono)
        #expect(a.damaged == DamagedSamples(count: 4, firstSeconds: 0.5))
        #expect(a.samples[8000] == 0 && a.samples[12000] == 0 && a.samples[12001] == 0 && a.samples[13000] == 0)
        #expect(a.samples[7999] == x[7999] && a.samples[12002] == x[12002] && a.samples[14000] == 2e9)
        // stereo at 44.1 kHz: one bad sample in the right channel, mixed down and resampled
        var st = [Float](repeating: 0, count: 2 * 44_100)
        for f in 0..<44_100 { st[2 * f] = 0.3 * sinf(Float(f) * 0.05); st[2 * f + 1] = st[2 * f] }
        st[2 * 11_025 + 1] = .nan
        let stereo = dir.appendingPathComponent("stereo.wav")
        try AudioFileWriter.write(st, channels: 2, sampleRate: 44_100, format: .wavFloat, to: stereo)
        let b = try AudioFile.read(stereo)
        #expect(b.damaged == DamagedSamples(count: 1, firstSeconds: 0.25))
        #expect(b.samples.allSatisfy(\.isFinite) && b.samples.count == 16000)
        #expect(try AudioFile.read(dir.appendingPathComponent("mono.wav"), sampleRate: 8000).damaged?.count == 4)
        let clean = dir.appendingPathComponent("clean.wav")
        try AudioFileWriter.write(S.sine(500, rate: 16000, count: 1600), channels: 1, sampleRate: 16000, format: .wavFloat, to: clean)
        #expect(try AudioFile.read(clean).damaged == nil)
        #expect(DamagedSamples(count: 3, firstSeconds: 0.5).description == "3 samples are NaN, infinite or beyond ±1e10 (the first at 0.500 s)")
        #expect(DamagedSamples(count: 1, firstSeconds: 2).warning(program: "earshotd", file: "x.wav", handled: "replayed as silence")
                == "earshotd: warning: x.wav: 1 sample is NaN, infinite or beyond ±1e10 (the first at 2.000 s); replayed as silence: the file is damaged — re-export or re-record it")
    }

    @Test func everyErrorDescriptionNamesTheFileAndAFix() {
        let p = "/data/rec/2026-11-25.wav"
        let all: [AudioFileError] = [.missing(path: p), .unreadable(path: p, reason: "Permission denied"), .empty(path: p),
                                     .notAudio(path: p, reason: "x"), .notAFile(path: p, kind: "a character device"), .truncated(path: p, reason: "x"), .zeroFrames(path: p),
                                     .unsupportedEncoding(path: p, reason: "x"), .cannotWrite(path: p, reason: "x"),
                                     .damaged(path: p, DamagedSamples(count: 2, firstSeconds: 1))]
        for e in all {
            #expect(e.path == p)
            #expect(e.description.hasPrefix(p), "\(e)")
            let fix = e.description.components(separatedBy: " — ").dropFirst().joined()
            #expect(fix.count >= 10, "no fix in: \(e)")
        }
        #expect(Set(all.map(\.description)).count == all.count, "cases must be distinguishable")
    }
}
