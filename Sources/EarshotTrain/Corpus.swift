import EarshotDetect
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
    /// Manifest lines left out, each "PATH/manifest.tsv:LINE: why" — the caller reports them with the clips
    /// it cannot decode (a training run goes on without them).
    public let skipped: [String]
    /// What the run should know about the corpus but that skips no clip, each one line (no manifest, files it does
    /// not list, file names without a group): `loadSkipping` says them first, "warning: …".
    public let warnings: [String]
    /// The clips come from `manifest.tsv` (their `seconds` are the manifest's), not from listing the folders.
    public let hasManifest: Bool
    public static let labels = ["gunshot", "negative", "crowd", "rir"]

    /// Reads `manifest.tsv`; without one, lists the class folders and takes the group from the file name
    /// (the prefix before `__`, else the whole name). A manifest that exists but cannot be read as UTF-8
    /// text is an error (listing the folders instead would silently change the groups and so the split).
    public init(root: URL) throws {
        self.root = root
        guard OutputPath.isFolder(root.path) else {
            throw TrainError.data("\(root.path): no such folder; give --data the corpus folder (gunshot/, negative/, crowd/ and manifest.tsv)")
        }
        let manifest = root.appendingPathComponent("manifest.tsv")
        var rows: [ClipInfo] = [], skipped: [String] = [], warnings: [String] = []
        let hasManifest = FileManager.default.fileExists(atPath: manifest.path)
        if hasManifest {
            let text: String
            do { text = try String(contentsOf: manifest, encoding: .utf8) } catch {
                throw TrainError.data("\(manifest.path): cannot be read as UTF-8 text (\(error.localizedDescription)); save it as UTF-8 (tab-separated: file, class, source, group, seconds, licence, origin)")
            }
            // each file once (by its path, `a/../b` and `./b` alike): a row repeated is counted once, and one file in
            // two groups or classes would put one recording on two sides of the split
            var seen: [String: (line: Int, label: String, group: String)] = [:], repeats: [String] = []
            // lines end in \n or \r\n (one Character in Swift, and a newline)
            let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            // line 1 is the header: a first line that reads as a clip would be lost without a word
            if let first = lines.first.map({ $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }),
               first.count >= 2, first[0].lowercased() != "file", Self.labels.contains(first[1]) {
                throw TrainError.data("\(manifest.path):1 is a clip (\(first[0])), not the header line: the first line of a manifest is its header — add \"file\tclass\tsource\tgroup\tseconds\tlicence\torigin\" (tab-separated) above it")
            }
            for (i, line) in lines.enumerated() where i > 0 && !line.isEmpty {
                let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                let at = "\(manifest.path):\(i + 1)"
                guard c.count >= 6 else { skipped.append("\(at): \(c.count) columns, expected at least 6 (file, class, source, group, seconds, licence)"); continue }
                guard Self.labels.contains(c[1]) else { skipped.append("\(at): class '\(c[1])' is none of \(Self.labels.joined(separator: ", "))"); continue }
                guard let secs = Double(c[4]), secs.isFinite, secs >= 0 else { skipped.append("\(at): seconds '\(c[4])' is not a number (write e.g. 2.5)"); continue }
                let key = root.appendingPathComponent(c[0]).standardizedFileURL.path
                if let first = seen[key] {
                    guard first.label == c[1], first.group == c[3] else {
                        throw TrainError.data("\(manifest.path): \(c[0]) is listed on line \(first.line) (class \(first.label), group \(first.group)) and on line \(i + 1) (class \(c[1]), group \(c[3])): one file is one clip of one recording group, else it lands on two sides of the split — keep one of the rows")
                    }
                    // a warning, not a skipped clip: the file itself is used (once), and nothing is unreadable
                    repeats.append("line \(i + 1) (\(c[0]), first on line \(first.line))")
                    continue
                }
                seen[key] = (i + 1, c[1], c[3])
                rows.append(ClipInfo(file: c[0], label: c[1], source: c[2], group: c[3], seconds: secs, licence: c[5]))
            }
            if !repeats.isEmpty {
                warnings.append("\(manifest.path): \(repeats.count) row(s) list a file again and are left out (each file is one clip): \(Self.some(repeats)) — remove them")
            }
            // audio files in the class folders that the manifest does not list are not used: say so
            let listed = Set(rows.map { root.appendingPathComponent($0.file).standardizedFileURL.path })
            let unlisted = Self.audioFiles(root).filter { !listed.contains(root.appendingPathComponent($0).standardizedFileURL.path) }
            if !unlisted.isEmpty {
                warnings.append("\(unlisted.count) audio file(s) in the class folders are not in \(manifest.path), so they are not used: \(Self.some(unlisted)) — add a row for each, or move them out")
            }
            if !rows.contains(where: { $0.label == "gunshot" }) {
                let onDisk = unlisted.filter { $0.hasPrefix("gunshot/") }.count
                throw TrainError.data("\(manifest.path) lists no gunshot clips\(onDisk > 0 ? " (\(onDisk) audio file(s) in gunshot/ are not in it)" : ""): add a row for each clip (file, class, source, group, seconds, licence, origin)")
            }
        } else {
            var names: [String] = []
            for label in Self.labels {
                let dir = root.appendingPathComponent(label)
                guard let files = Self.names(in: dir) else { continue }
                for n in files.sorted() where !n.hasPrefix(".") {
                    let stem = (n as NSString).deletingPathExtension
                    let group = stem.components(separatedBy: "__").first ?? stem
                    if label != "rir", !stem.contains("__") { names.append("\(label)/\(n)") }
                    // the seconds from the file's header (the split table's minutes), 0 if it cannot be read
                    let seconds = (try? AudioFile.info(dir.appendingPathComponent(n))).map { $0.sampleRate > 0 ? Double($0.frames) / Double($0.sampleRate) : 0 } ?? 0
                    rows.append(ClipInfo(file: "\(label)/\(n)", label: label, source: group.trimmingCharacters(in: .decimalDigits), group: group, seconds: seconds, licence: "unknown"))
                }
            }
            if !rows.isEmpty {
                warnings.append("no manifest.tsv in \(root.path): the clips are the files of the class folders, grouped by their name's prefix before `__` (a recording's chunks share it)")
            }
            if !names.isEmpty {
                warnings.append("\(names.count) file(s) have no `__` in their name, so each is a recording group of its own (chunks of one recording could then land in train and test): \(Self.some(names)) — name them RECORDING__part, or write a manifest.tsv with a group column")
            }
        }
        clips = rows
        self.skipped = skipped
        self.warnings = warnings
        self.hasManifest = hasManifest
        guard clips.contains(where: { $0.label == "gunshot" }) else {
            throw TrainError.data("\(root.path): no gunshot clips found (expected gunshot/ with a manifest.tsv or audio files)")
        }
    }

    /// The names in folder `dir`, those that are not UTF-8 with their bytes escaped and readable (`BytePaths`);
    /// nil if it cannot be listed.
    static func names(in dir: URL) -> [String]? {
        BytePaths.listing(dir.path)?.map { (BytePaths.child(of: dir.path, $0) as NSString).lastPathComponent }
    }

    /// The audio files in the class folders, as "class/name".
    static func audioFiles(_ root: URL) -> [String] {
        labels.flatMap { label in
            (names(in: root.appendingPathComponent(label)) ?? [])
                .filter { !$0.hasPrefix(".") && AudioPaths.extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted().map { "\(label)/\($0)" }
        }
    }

    /// The first few of `names`, and how many more: a warning stays one line.
    static func some(_ names: [String], _ k: Int = 3) -> String {
        names.prefix(k).joined(separator: ", ") + (names.count > k ? " and \(names.count - k) more" : "")
    }

    /// "FILE: why" for a file a run skips, naming the file once (decoding errors already name the path).
    public static func skipped(_ file: String, _ error: Error) -> String {
        let e = "\(error)"
        return e.contains(file) ? e : "\(file): \(e)"
    }

    /// `load`, for a run that goes on without what it cannot use: the manifest lines `init` left out, then
    /// every clip that cannot be decoded, each said through `log` as "skipping FILE: why" and returned in
    /// `skipped` (for the run's report).
    public func loadSkipping(_ infos: [ClipInfo], progress: ProgressBar? = nil, log: (String) -> Void) -> (clips: [Clip], skipped: [String]) {
        for w in warnings { log("warning: \(w)") }
        var skipped = self.skipped
        for s in skipped { log("skipping \(s)") }
        var suspicious: [String] = []
        let clips = load(infos, progress: progress, onWarning: { info, w in suspicious.append("\(root.appendingPathComponent(info.file).path): \(w)") }) { info, e in
            skipped.append(Self.skipped(info.file, e))
            log("skipping \(skipped.last!)")
        }
        // used, but probably not what the manifest means: one line each, the first `maxSuspicious`
        for w in suspicious.prefix(Self.maxSuspicious) { log("warning: \(w)") }
        if suspicious.count > Self.maxSuspicious { log("warning: \(suspicious.count - Self.maxSuspicious) more clip(s) like these (\(suspicious.count) in all)") }
        return (clips, skipped)
    }

    static let maxSuspicious = 10

    /// No sample above −80 dBFS: zeros, or the ±1 LSB dither of a 16-bit writer over nothing (a dead or muted input).
    static func isDigitalSilence(_ x: [Float]) -> Bool { !x.contains { abs($0) > 1e-4 } }

    /// What is odd about a clip that decodes (nil: nothing): digital silence (every sample 0), a clip too short to
    /// hold a sound (under 0.1 s), a length far from the manifest's, a rate below the model's. Used anyway.
    static func suspicion(_ info: ClipInfo, samples: [Float], sourceRate: Int, manifestSeconds: Double?, sampleRate: Int = 16_000) -> String? {
        var notes: [String] = []
        let seconds = Double(samples.count) / Double(sampleRate)
        if Self.isDigitalSilence(samples) {
            notes.append(info.label == "gunshot" ? "labelled gunshot but digital silence (no sample above −80 dBFS)" : "digital silence (no sample above −80 dBFS)")
        }
        if let m = manifestSeconds, m > 0, abs(seconds - m) > max(0.5, 0.1 * m) {
            notes.append(String(format: "%.2f s long, the manifest says %.2f s", seconds, m))
        } else if seconds < 0.1 {
            notes.append(String(format: "%.3f s long (too short to hold a sound)", seconds))
        }
        if let p = LowSampleRate.problem(rate: sourceRate, modelRate: sampleRate) { notes.append("recorded at \(sourceRate) Hz, \(p)") }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// Decodes clips to 16 kHz mono. A clip that cannot be read, or holds damaged samples (NaN, ±∞ or
    /// beyond ±1e10 — a damaged float file, `AudioFileError.damaged`), is reported through `onError` and
    /// skipped.
    public func load(_ infos: [ClipInfo], progress: ProgressBar? = nil, onWarning: ((ClipInfo, String) -> Void)? = nil, onError: (ClipInfo, Error) -> Void) -> [Clip] {
        var out: [Clip] = []
        out.reserveCapacity(infos.count)
        for (i, info) in infos.enumerated() {
            do {
                let url = root.appendingPathComponent(info.file)
                let a = try AudioFile.read(url)
                if let bad = a.damaged { throw AudioFileError.damaged(path: url.path, bad) }
                if let onWarning, let w = Self.suspicion(info, samples: a.samples, sourceRate: a.sourceSampleRate, manifestSeconds: hasManifest ? info.seconds : nil) { onWarning(info, w) }
                out.append(Clip(info: info, samples: a.samples))
            } catch {
                progress?.clear() // the message on a line of its own, not after the bar
                onError(info, error)
            }
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
