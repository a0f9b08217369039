import Foundation

/// A failing libsystemd call: negative errno → `strerror` text, with the call's name.
public struct SystemdError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32
    public var description: String { "\(call) failed: \(String(cString: strerror(-code))) (\(code))" }
}

/// The one checker for libsystemd calls (they return a negative errno on failure).
@discardableResult
public func systemdCheck(_ rc: Int32, _ call: String) throws -> Int32 {
    if rc < 0 { throw SystemdError(call: call, code: rc) }
    return rc
}
