import Foundation

/// Checks, before minutes of decoding and training, that what a run will write can be written: a model
/// file (`--ship`, adapt's `--out`) or the report folder (train's `--out`). Each problem names the flag,
/// the path and the fix.
public enum OutputPath {
    /// `path` names an existing folder (not a file).
    public static func isFolder(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// `url` can be created or replaced as a file: not a folder, its folder exists and is writable, and a file
    /// already there is an Earshot model (`isModelFile`) — the shipped model is replaced by a new run as a
    /// matter of course, but a text file named by mistake was replaced without a word (trainer QA re-check N1).
    /// `anyFile`: any existing file may be replaced (adapt's `--force`).
    public static func checkFile(_ url: URL, flag: String, anyFile: Bool = false) throws {
        if isFolder(url.path) {
            throw TrainError.data("\(flag) \(url.path): is a folder; give a file name, e.g. \(url.appendingPathComponent(flag == "--out" ? "site.safetensors" : "model.safetensors").path)")
        }
        if !anyFile, FileManager.default.fileExists(atPath: url.path), !isModelFile(url) {
            throw TrainError.data("\(flag) \(url.path): the file exists and is no Earshot model, so it is not replaced; remove it, or choose another name (e.g. a .safetensors file)")
        }
        let folder = url.deletingLastPathComponent().path
        guard isFolder(folder), FileManager.default.isWritableFile(atPath: folder) else {
            throw TrainError.data("\(flag) \(url.path): cannot write into \(folder) (missing or not writable); choose a folder you can write to")
        }
    }

    /// `url` is a folder the run can write into, created (with its parents) if missing.
    public static func makeFolder(_ url: URL, flag: String) throws {
        if FileManager.default.fileExists(atPath: url.path) {
            guard isFolder(url.path) else { throw TrainError.data("\(flag) \(url.path): is a file, not a folder; give a folder for the models and the report") }
        } else {
            do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                throw TrainError.data("\(flag) \(url.path): cannot create the folder (\(error.localizedDescription)); choose a place you can write to")
            }
        }
        guard FileManager.default.isWritableFile(atPath: url.path) else {
            throw TrainError.data("\(flag) \(url.path): the folder is not writable; choose a place you can write to")
        }
    }

    /// What a `train` run writes into `--out`, with room to spare: ten model files of ≈ 350 KB, the report,
    /// its JSON and plots (reports/latest: 4.1 MB).
    public static let runBytes: Int64 = 16 << 20

    /// The file system holding `url` has `needed` bytes free, so a run does not find a full disk only when it
    /// writes its first model, minutes or hours in (trainer QA D18). Free space that cannot be read is not an
    /// error (the writes still report a full disk).
    public static func checkFreeSpace(_ url: URL, needed: Int64, flag: String) throws {
        guard let free = (try? FileManager.default.attributesOfFileSystem(forPath: url.path))?[.systemFreeSize] as? NSNumber else { return }
        guard free.int64Value >= needed else {
            throw TrainError.data(String(format: "%@ %@: its disk has %.1f MB free, and the run writes up to %.0f MB (models, report, plots); free some space or choose another folder",
                                         flag, url.path, Double(free.int64Value) / 1e6, Double(needed) / 1e6))
        }
    }

    /// The file starts as an Earshot model does: a safetensors header (8-byte length, then JSON) whose
    /// metadata says `"format":"earshot-model"` — damaged weights or thresholds still count (a new model may
    /// replace a damaged one), another file does not.
    static func isModelFile(_ url: URL) -> Bool {
        guard let h = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 1 << 20), head.count > 8 else { return false }
        let n = head.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard n > 0, n <= 100_000_000, head[head.startIndex + 8] == UInt8(ascii: "{") else { return false }
        return String(decoding: head.dropFirst(8).prefix(n), as: UTF8.self).contains("\"format\":\"earshot-model\"")
    }
}
