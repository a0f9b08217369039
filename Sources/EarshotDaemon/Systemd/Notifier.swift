import CSystemd
import Foundation

/// sd_notify protocol messages to the service manager (READY, STATUS, WATCHDOG, STOPPING, RELOADING).
/// Outside systemd (`NOTIFY_SOCKET` unset) every call is a no-op.
public final class Notifier: @unchecked Sendable {
    public static let shared = Notifier()
    private let lock = NSLock()

    /// Sends `state` (newline-separated assignments). The corresponding C function is `sd_notify`.
    public func notify(_ state: String) {
        lock.lock(); defer { lock.unlock() }
        _ = sd_notify(0, state)
    }

    public func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    public func status(_ s: String) { notify("STATUS=\(s)") }
    public func watchdog() { notify("WATCHDOG=1") }
    public func stopping() { notify("STOPPING=1") }
    public func reloading() { notify("RELOADING=1") }

    /// The watchdog interval systemd expects (`WATCHDOG_USEC`), or nil when the watchdog is off.
    /// The corresponding C function is `sd_watchdog_enabled`.
    public var watchdogInterval: Double? {
        var usec: UInt64 = 0
        let r = sd_watchdog_enabled(0, &usec)
        return r > 0 ? Double(usec) / 1e6 : nil
    }
}
