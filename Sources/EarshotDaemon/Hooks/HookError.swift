import Foundation

/// A system call needed to run the hook failed (`posix_spawn*`, `pipe2`, `fcntl`), with the `strerror` text
/// and what to do about it.
public struct HookError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var code: Int32
    public var message: String
    public var hookPath: String?
    public var description: String {
        var s = "\(call) failed: \(message)"
        if let hookPath { s += " (hook.path: \(hookPath))" }
        switch code {
        case ENOENT: s += "; the hook (or the interpreter on its #! line) does not exist — fix hook.path or the #! line"
        case EACCES: s += "; the hook is not executable by the daemon's user — chmod +x it and check its directory permissions"
        case ENOEXEC: s += "; the hook is not a valid executable — start a script with a #! line, e.g. #!/bin/sh"
        case EAGAIN, ENOMEM: s += "; the system is out of processes or memory — lower hook.max_concurrent"
        case EMFILE, ENFILE: s += "; out of file descriptors — raise LimitNOFILE or lower hook.max_concurrent"
        default: break
        }
        return s
    }
}

/// The one checker for the hook runner's C calls. `posix_spawn*` functions return the error number itself
/// (`errnoStyle: false`); `pipe2`/`fcntl` return -1 and set `errno` (`errnoStyle: true`).
@discardableResult
func hookCheck(_ rc: Int32, _ call: String, errnoStyle: Bool = false, hook: String? = nil) throws -> Int32 {
    if errnoStyle {
        guard rc == -1 else { return rc }
        let e = errno
        throw HookError(call: call, code: e, message: String(cString: strerror(e)), hookPath: hook)
    }
    guard rc == 0 else { throw HookError(call: call, code: rc, message: String(cString: strerror(rc)), hookPath: hook) }
    return rc
}
