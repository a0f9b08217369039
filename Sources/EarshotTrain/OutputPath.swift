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

    /// `url` can be created or replaced as a file: not a folder, and its folder exists and is writable.
    public static func checkFile(_ url: URL, flag: String) throws {
        if isFolder(url.path) {
            throw TrainError.data("\(flag) \(url.path): is a folder; give a file name, e.g. \(url.appendingPathComponent("site.safetensors").path)")
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
}
