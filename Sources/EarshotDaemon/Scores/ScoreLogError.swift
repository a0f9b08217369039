import Foundation

/// A failed system call while writing the score log, with `strerror(errno)` text and what to do.
public struct ScoreLogWriteError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var path: String
    public var code: Int32
    public var message: String
    public var description: String {
        "\(call)(\(path)) failed: \(message); free space, or make scores.directory writable by the daemon (a path under its StateDirectory, /var/lib/earshot), then `systemctl reload earshot`"
    }
}

/// The one checker for the score log's system calls: `rc < 0` → `ScoreLogWriteError` with `strerror(errno)`.
@discardableResult
func scoreLogCheck(_ rc: Int32, _ call: String, path: String) throws -> Int32 {
    guard rc < 0 else { return rc }
    let e = errno
    throw ScoreLogWriteError(call: call, path: path, code: e, message: String(cString: strerror(e)))
}
