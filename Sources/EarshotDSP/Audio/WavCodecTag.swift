import Foundation

/// The codec tag (`wFormatTag`) of a RIFF/RF64 WAVE file's `fmt ` chunk, read from the header only.
///
/// libsndfile rejects a WAV whose codec it does not decode with "Malformed 'fmt ' chunk" or
/// "unimplemented format", never `SF_ERR_UNSUPPORTED_ENCODING`, so without this an operator with a
/// WMA- or AAC-in-WAV recording would be told the file is not audio. With the tag, the error can say
/// which codec it is and how to convert it.
/// ref: Microsoft, "WAVEFORMATEX" and "WAVEFORMATEXTENSIBLE"; RFC 2361 (WAVE and AVI codec registries).
struct WavCodecTag: Equatable, CustomStringConvertible {
    /// The tag; for `WAVE_FORMAT_EXTENSIBLE` (0xFFFE) the first two bytes of the sub-format GUID.
    let value: UInt16

    /// Codecs libsndfile decodes inside WAV (PCM, IEEE float, A-law, µ-law, MS/IMA ADPCM, GSM 6.10, G.721, MP3).
    static let decodable: Set<UInt16> = [0x0001, 0x0002, 0x0003, 0x0006, 0x0007, 0x0011, 0x0031, 0x0040, 0x0055]

    /// Names of codecs an operator is likely to meet, for the error message.
    static let names: [UInt16: String] = [
        0x0001: "PCM", 0x0002: "Microsoft ADPCM", 0x0003: "IEEE float", 0x0006: "A-law", 0x0007: "µ-law",
        0x0011: "IMA ADPCM", 0x0031: "GSM 6.10", 0x0040: "G.721 ADPCM", 0x0050: "MPEG", 0x0055: "MPEG Layer 3",
        0x0092: "Dolby AC-3", 0x00FF: "AAC", 0x0160: "Windows Media Audio 1", 0x0161: "Windows Media Audio 2",
        0x0162: "Windows Media Audio Pro", 0x0163: "Windows Media Audio Lossless", 0x1610: "AAC (HE)",
        0x2000: "Dolby AC-3", 0x2001: "DTS", 0x674F: "Ogg Vorbis (mode 1)", 0x6750: "Ogg Vorbis (mode 2)",
        0xF1AC: "FLAC",
    ]

    var isDecodable: Bool { Self.decodable.contains(value) }

    /// "WAV codec tag 0x0160 (Windows Media Audio 1)".
    var description: String {
        let hex = "0x" + String(value, radix: 16, uppercase: true).leftPadded(to: 4)
        return "WAV codec tag \(hex)" + (Self.names[value].map { " (\($0))" } ?? "")
    }

    /// Reads the tag from the first 64 KiB of `path`; nil if the file is not RIFF/RF64 WAVE or has no
    /// complete `fmt ` chunk there.
    init?(path: String) {
        guard let fh = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? fh.close() }
        guard let data = try? fh.read(upToCount: 65536) else { return nil }
        self.init(header: [UInt8](data))
    }

    /// Parses the tag from a file's first bytes.
    init?(header b: [UInt8]) {
        func le16(_ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
        func le32(_ i: Int) -> UInt32 { UInt32(le16(i)) | UInt32(le16(i + 2)) << 16 }
        func tag(_ i: Int) -> String { String(decoding: b[i..<i + 4], as: UTF8.self) }
        guard b.count >= 12, ["RIFF", "RF64"].contains(tag(0)), tag(8) == "WAVE" else { return nil }
        var i = 12
        while i + 8 <= b.count {
            let size = Int(le32(i + 4))
            if tag(i) == "fmt " {
                guard size >= 2, i + 8 + 2 <= b.count else { return nil }
                var v = le16(i + 8)
                // WAVEFORMATEXTENSIBLE: cbSize(2) at 16, then samples(2), channel mask(4), SubFormat GUID at 24.
                if v == 0xFFFE {
                    guard size >= 26, i + 8 + 26 <= b.count else { return nil }
                    v = le16(i + 8 + 24)
                }
                value = v
                return
            }
            i += 8 + size + (size & 1)  // chunks are word-aligned
        }
        return nil
    }
}

private extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
