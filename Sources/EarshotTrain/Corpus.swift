import EarshotDSP
import Foundation

/// One clip of the corpus as listed in `manifest.tsv` (columns: file, class, source, group, seconds, licence, origin).
public struct ClipInfo: Sendable, Equatable {
    public var file: String
    public var label: String   // gunshot | negative | crowd | rir
    public var source: String
    public var group: String
    public var seconds: Double
    public var licence: String
}

/// A decoded clip.
public struct Clip: Sendable {
    public var info: ClipInfo
    public var samples: [Float]
}

public enum Split: String, Sendable, CaseIterable, Codable { case train, validation, test }

/// The labelled audio folders (`gunshot/`, `negative/`, `crowd/`, `rir/`) with their manifest.
public struct Corpus {
    public let root: URL
    public let clips: [ClipInfo]

    /// Reads `manifest.tsv`; without one, lists the class folders and takes the group from the file name
    /// (the prefix before `__`, else the whole name).
    public init(root: URL) throws {
        self.root = root
        let manifest = root.appendingPathComponent("manifest.tsv")
        if let text = try? String(contentsOf: manifest, encoding: .utf8) {
            var rows: [ClipInfo] = []
            for (i, line) in text.split(separator: "\n").enumerated() where i > 0 {
                let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard c.count >= 6, let secs = Double(c[4]) else { continue }
                rows.append(ClipInfo(file: c[0], label: c[1], source: c[2], group: c[3], seconds: secs, licence: c[5]))
            }
            clips = rows
        } else {
            var rows: [ClipInfo] = []
            for label in ["gunshot", "negative", "crowd", "rir"] {
                let dir = root.appendingPathComponent(label)
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
                for n in names.sorted() where !n.hasPrefix(".") {
                    let stem = (n as NSString).deletingPathExtension
                    let group = stem.components(separatedBy: "__").first ?? stem
                    rows.append(ClipInfo(file: "\(label)/\(n)", label: label, source: group.trimmingCharacters(in: .decimalDigits), group: group, seconds: 0, licence: "unknown"))
                }
            }
            clips = rows
        }
        guard clips.contains(where: { $0.label == "gunshot" }) else {
            throw TrainError.data("\(root.path): no gunshot clips found (expected gunshot/ with a manifest.tsv or audio files)")
        }
    }

    /// Decodes clips to 16 kHz mono. A clip that cannot be read, or holds damaged samples (NaN, ±∞ or
    /// beyond ±1e10 — a damaged float file, `AudioFileError.damaged`), is reported through `onError` and
    /// skipped.
    public func load(_ infos: [ClipInfo], progress: ProgressBar? = nil, onError: (ClipInfo, Error) -> Void) -> [Clip] {
        var out: [Clip] = []
        out.reserveCapacity(infos.count)
        for (i, info) in infos.enumerated() {
            do {
                let url = root.appendingPathComponent(info.file)
                let a = try AudioFile.read(url)
                if let bad = a.damaged { throw AudioFileError.damaged(path: url.path, bad) }
                out.append(Clip(info: info, samples: a.samples))
            } catch { onError(info, error) }
            progress?.update(i + 1)
        }
        progress?.finish()
        return out
    }
}

public enum TrainError: Error, CustomStringConvertible {
    case data(String)
    public var description: String { switch self { case let .data(s): return s } }
}
