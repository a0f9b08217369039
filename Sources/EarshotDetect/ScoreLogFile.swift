import Foundation

/// One file of earshotd's score log: every window the detector scored, without any sound — for `earshot
/// calibrate --scores`, which recomputes the events of any threshold and rule from it, so a site can be
/// calibrated without recording it.
///
/// Layout (little-endian): the magic `ESCORLOG` (8 bytes), the format version (UInt32, 1), the header's length
/// (UInt32), the header (`ScoreLogHeader`, UTF-8 JSON), then one 6-byte record per window in stream order:
/// the score (Float32 bits), the onset's frame within the window (UInt8, 0…windowFrames − 1), and a byte of
/// flags (bit 0: paging was muted, `earshot mute`; readers ignore the other bits). A file cut short by a crash
/// loses only its last, partial record.
public struct ScoreLogFile: Sendable {
    public static let magic = Array("ESCORLOG".utf8)
    public static let version: UInt32 = 1
    public static let recordBytes = 6
    /// The log's file names: `scores-<UTC time of its first window>Z.esl`.
    public static let fileExtension = "esl"
    /// Flag bit: paging was muted (`earshot mute`) when the window was heard — a planned noisy event.
    public static let mutedFlag: UInt8 = 1

    public var header: ScoreLogHeader
    /// Per window, in order.
    public var scores: [Float]
    public var onsets: [UInt8]
    /// Per window, its flags byte (`mutedFlag`).
    public var flags: [UInt8]
    /// Bytes after the last whole record (a write cut short): ignored.
    public var trailingBytes = 0

    public init(header: ScoreLogHeader, scores: [Float] = [], onsets: [UInt8] = [], flags: [UInt8]? = nil) {
        self.header = header; self.scores = scores; self.onsets = onsets; self.flags = flags ?? [UInt8](repeating: 0, count: scores.count)
    }

    /// Whether paging was muted when window `i` was heard.
    public func isMuted(_ i: Int) -> Bool { i < flags.count && flags[i] & Self.mutedFlag != 0 }

    public var count: Int { scores.count }

    /// Seconds of audio the windows cover (one hop each).
    public var seconds: Double { Double(count) * header.grid.hopSeconds }

    /// The first frame of the window after this file's last: where a following file of the same stream starts.
    public var nextFrame: Int { header.firstFrame + count * header.grid.hopFrames }

    /// Window `i` as the detector scored it.
    public func window(_ i: Int) -> ScoredWindow {
        let first = header.firstFrame + i * header.grid.hopFrames
        return header.grid.window(first: first, onset: first + Int(onsets[i]), score: scores[i])
    }

    /// The bytes a file starts with: magic, version, header length, header.
    public static func headerBytes(_ h: ScoreLogHeader) -> [UInt8] {
        let json = (try? ScoreLogHeader.encoder.encode(h)) ?? Data()
        var out = magic
        withUnsafeBytes(of: version.littleEndian) { out += $0 }
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { out += $0 }
        return out + json
    }

    /// Appends one window's record to `bytes` (no allocation when `bytes` has room).
    @inline(__always)
    public static func appendRecord(score: Float, onset: UInt8, flags: UInt8 = 0, to bytes: inout [UInt8]) {
        let b = score.bitPattern.littleEndian
        bytes.append(UInt8(truncatingIfNeeded: b)); bytes.append(UInt8(truncatingIfNeeded: b >> 8))
        bytes.append(UInt8(truncatingIfNeeded: b >> 16)); bytes.append(UInt8(truncatingIfNeeded: b >> 24))
        bytes.append(onset); bytes.append(flags)
    }

    /// Reads one file. Throws `ScoreLogError` naming the file and the fix.
    public static func read(_ url: URL) throws -> ScoreLogFile {
        let path = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ScoreLogError.unreadable(path: path, reason: (error as NSError).localizedDescription) }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> ScoreLogFile in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count >= 16, Array(bytes[0..<8]) == magic else { throw ScoreLogError.notAScoreLog(path: path) }
            func u32(_ at: Int) -> UInt32 { UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24 }
            let v = u32(8)
            guard v == version else { throw ScoreLogError.version(path: path, found: Int(v)) }
            let n = Int(u32(12))
            guard 16 + n <= bytes.count else { throw ScoreLogError.badHeader(path: path, reason: "the header is cut short (\(bytes.count - 16) of \(n) bytes)") }
            let header: ScoreLogHeader
            do { header = try ScoreLogHeader.decoder.decode(ScoreLogHeader.self, from: Data(bytes[16..<(16 + n)])) } catch {
                throw ScoreLogError.badHeader(path: path, reason: "\(error)")
            }
            let g = header.grid
            guard g.hopFrames > 0, g.windowFrames > 0, g.windowFrames <= 256, g.secondsPerFrame > 0, g.secondsPerFrame.isFinite, header.sampleRate > 0 else {
                throw ScoreLogError.badHeader(path: path, reason: "impossible window grid \(g)")
            }
            let body = bytes.count - 16 - n
            let count = body / recordBytes
            var f = ScoreLogFile(header: header)
            f.scores.reserveCapacity(count); f.onsets.reserveCapacity(count); f.flags.reserveCapacity(count)
            var at = 16 + n
            for _ in 0..<count {
                let s = Float(bitPattern: u32(at))
                let o = bytes[at + 4]
                guard s.isFinite, s >= 0, s <= 1, Int(o) < g.windowFrames else {
                    throw ScoreLogError.badRecord(path: path, index: f.count, reason: "score \(s), onset frame \(o)")
                }
                f.scores.append(s); f.onsets.append(o); f.flags.append(bytes[at + 5])
                at += recordBytes
            }
            f.trailingBytes = body - count * recordBytes
            return f
        }
    }
}

/// A score log file that cannot be used, with what to do.
public enum ScoreLogError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case notAScoreLog(path: String)
    case version(path: String, found: Int)
    case badHeader(path: String, reason: String)
    case badRecord(path: String, index: Int, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): return "\(p): cannot be read (\(r)) — check the path and that you may read earshotd's state directory (sudo)"
        case let .notAScoreLog(p): return "\(p): not an earshotd score log (no ESCORLOG magic) — pass earshotd's scores.directory (e.g. /var/lib/earshot/scores) or its .esl files; for recordings, leave out --scores"
        case let .version(p, v): return "\(p): score log format version \(v), this earshot reads version \(ScoreLogFile.version) — use the earshot that came with the earshotd that wrote it"
        case let .badHeader(p, r): return "\(p): damaged score log header (\(r)) — the file is skipped; delete it if it stays"
        case let .badRecord(p, i, r): return "\(p): damaged score log record \(i) (\(r)) — the file is skipped; delete it if it stays"
        }
    }
}
