import Foundation

/// A failed file system call of the daemon's own files (the metrics file, the score log, the clip directory, the
/// place locks): the call, the path,
/// `strerror(errno)` and what to do.
public struct FileCallError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var path: String
    public var code: Int32
    public var message: String
    /// What to do, naming the setting: "make the directory writable by the daemon or set metrics.path …".
    public var fix: String
    public var description: String { "\(call)(\(path)) failed: \(message); \(fix)" }
}

/// The one checker for those calls (`open`, `write`, `fsync`, `close`, `rename`, `mkdir`, `flock`, and `access` on a journal folder): `rc < 0` →
/// `FileCallError` with `strerror(errno)` and `fix`.
@discardableResult
func fileCheck(_ rc: Int32, _ call: String, path: String, fix: String) throws -> Int32 {
    guard rc < 0 else { return rc }
    let e = errno
    throw FileCallError(call: call, path: path, code: e, message: String(cString: strerror(e)), fix: fix)
}
