import CSystemd
import Foundation

/// Structured journal entries. `sd_journal_send` is variadic (unavailable in Swift), so this builds the
/// iovec array for `sd_journal_sendv` directly.
public enum Journal {
    /// Sends one entry made of `FIELD=value` pairs (field names: A–Z, 0–9, _; MESSAGE is required by
    /// convention). The corresponding C function is `sd_journal_sendv`.
    public static func send(_ fields: [(String, String)]) throws {
        let strings = fields.map { "\($0.0)=\($0.1)" }
        var buffers = strings.map { Array($0.utf8) }
        var iov = [iovec]()
        iov.reserveCapacity(buffers.count)
        for i in buffers.indices {
            buffers[i].withUnsafeMutableBytes { iov.append(iovec(iov_base: $0.baseAddress, iov_len: $0.count)) }
        }
        // The buffers stay alive (and unmoved) until after the call.
        let rc = withExtendedLifetime(buffers) { iov.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) } }
        try systemdCheck(rc, "sd_journal_sendv")
    }

    /// True when journald's socket exists (it does under systemd, and in the tests' private journald).
    public static var isAvailable: Bool { FileManager.default.fileExists(atPath: "/run/systemd/journal/socket") }
}

/// Fixed journal MESSAGE_IDs (made once with `journalctl --new-id128`); `systemd/earshot.catalog` explains them.
public enum EarshotMessageID {
    /// A gunshot alert.
    public static let alert = "88a049a25a974a828bee9f70b35c0a93"
    /// Microphone liveness warnings (silence, near silence, stuck, clipping) and their recovery.
    public static let liveness = "3b7b7ce1b865428c8096e55142d23ae6"
    /// Capture device lost or missing.
    public static let device = "1ec62e607d75436dbd410aa93ed3cd2a"
    /// Paging muted (`earshot mute`), and paging again (`earshot unmute`, expiry).
    public static let mute = "68a7276e7762434f8df353d20ea75f3b"
    /// More alerts paged than the threshold's calibrated false-alarm rate allows (`alert_rate:`), and back within it.
    public static let alertRate = "3022ce97eaf54fe2b9410190fb12b068"
    /// A gunshot event heard during the cooldown after an alert: counted into its incident, not paged.
    public static let heardInCooldown = "38d11a4f81d242e1a0129b09bf9e23ad"
    /// A gunshot incident is over (no gunshot event for `incident_gap`): how many events it held.
    public static let incidentOver = "c0644ce669e5430c8ecb70867d74eef4"
    /// A hook run ended (HOOK_SECTION, HOOK_OUTCOME delivered / retrying / failed; EARSHOT_EVENT_ID for an alert's):
    /// `earshot incidents` says from these whether each alert's page went out.
    public static let hookOutcome = "27557ac6c1c04b759db6066643f50669"
    /// Every id above (systemd/earshot.catalog has an entry for each: SystemdUnitTests).
    public static let all = [alert, liveness, device, mute, alertRate, heardInCooldown, incidentOver, hookOutcome]
}
