import Foundation

/// Checks, before minutes of decoding and training, that what a run will write can be written: a model
/// file (`--ship`, adapt's `--out`) or the report folder (train's `--out`). Each problem names the flag,
/// the path and the fix.
public enum OutputPath {
    /// `url` can be created or replaced as a file: not a folder, and its folder exists and is writable.
    public static func checkFile(_ url: URL, flag: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
            throw TrainError.data("\(flag) \(url.path): is a folder; give a file name, e.g. \(url.appendingPathComponent("site.safetensors").path)")
        }
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue,
              FileManager.default.isWritableFile(atPath: folder) else {
            throw TrainError.data("\(flag) \(url.path): cannot write into \(folder) (missing or not writable); choose a folder you can write to")
        }
    }

    /// `url` is a folder the run can write into, created (with its parents) if missing.
    public static func makeFolder(_ url: URL, flag: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw TrainError.data("\(flag) \(url.path): is a file, not a folder; give a folder for the models and the report") }
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
