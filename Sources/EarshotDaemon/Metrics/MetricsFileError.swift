import Foundation

/// A failed system call while writing the metrics file, with `strerror(errno)` text and what to do.
public struct MetricsFileError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var path: String
    public var code: Int32
    public var message: String
    public var description: String {
        "\(call)(\(path)) failed: \(message); make the directory writable by the daemon or set metrics.path to a path under its StateDirectory (/var/lib/earshot)"
    }
}

/// The one checker for the metrics file's system calls: `rc < 0` → `MetricsFileError` with `strerror(errno)`.
@discardableResult
func metricsCheck(_ rc: Int32, _ call: String, path: String) throws -> Int32 {
    guard rc < 0 else { return rc }
    let e = errno
    throw MetricsFileError(call: call, path: path, code: e, message: String(cString: strerror(e)))
}
