import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Follows the mute file for the detection loop: `poll` costs one `stat` and reads the file again only when it
/// changed (another inode, size or modification time), then says what changed. A file that cannot be read or
/// is not a valid mute mutes nothing (fail safe: a broken file must never silence the pager) and is reported
/// once per version of the file.
public final class MuteWatch {
    public enum Change: Equatable, Sendable {
        /// Muted from now on, or muted again with other terms (`earshot mute` while muted).
        case started(Mute)
        /// Paging again: the mute expired (`expired`), or was lifted early (`earshot unmute`, a broken file).
        case ended(Mute, expired: Bool)
        /// The file is there but mutes nothing: what is wrong with it and the fix.
        case invalid(String)
    }

    public let path: String
    /// The mute in force at the last `poll`, nil when paging.
    public private(set) var active: Mute?
    private var stamp: FileStamp?
    private var fileMute: Mute?
    private var fileProblem: String?

    public init(stateDirectory: String) { path = Mute.path(stateDirectory: stateDirectory) }

    /// Muted at `now` by the mute seen at the last poll (exact at its expiry, between polls too).
    public func mute(at now: Date) -> Mute? { active.flatMap { $0.isActive(at: now) ? $0 : nil } }

    /// Looks at the file (one `stat`: `FileStamp`) and the clock; returns what changed since the last call, in order.
    public func poll(now: Date = Date()) -> [Change] {
        var changes: [Change] = []
        let current = FileStamp(path: path)
        if current != stamp {
            stamp = current
            fileMute = nil; fileProblem = nil
            if current != nil {
                do {
                    fileMute = try Mute.read(path: path)
                    if let m = fileMute, let p = m.problem(now: now) {
                        fileMute = nil
                        fileProblem = "mute file \(path) is ignored: \(p) — earshotd is NOT muted; mute again with `earshot mute --for 2h --reason …`, or remove it with `earshot unmute`"
                    }
                } catch { fileProblem = "\(error) (earshotd is NOT muted)" }
                if let p = fileProblem { changes.append(.invalid(p)) }
            }
        }
        let inForce = fileMute.flatMap { $0.isActive(at: now) ? $0 : nil }
        if inForce != active {
            if let old = active, inForce == nil { changes.append(.ended(old, expired: fileMute == old)) }
            if let new = inForce { changes.append(.started(new)) }
            active = inForce
        }
        return changes
    }
}
