import CSystemd
import Foundation

/// Reads journal entries back: the system journal of this machine, or the journal files of a directory (a copy
/// taken from a box, `journalctl --directory`'s files). Each entry comes as its fields (`FIELD` → value) and its
/// realtime timestamp.
public final class JournalReader {
    public struct Entry: Sendable, Equatable {
        public var time: Date
        public var fields: [String: String]
        public subscript(_ key: String) -> String? { fields[key] }
    }

    private var j: OpaquePointer?

    /// Opens the local system journal (`sd_journal_open` with `SD_JOURNAL_LOCAL_ONLY`) or, with `directory`, the
    /// journal files in it (`sd_journal_open_directory`).
    public init(directory: String? = nil) throws {
        if let directory {
            try systemdCheck(sd_journal_open_directory(&j, directory, 0), "sd_journal_open_directory(\(directory))")
        } else {
            try systemdCheck(sd_journal_open(&j, Int32(SD_JOURNAL_LOCAL_ONLY)), "sd_journal_open")
        }
        // whole values, however long (the default cuts them at 64 KiB)
        try systemdCheck(sd_journal_set_data_threshold(j, 0), "sd_journal_set_data_threshold")
    }

    deinit { sd_journal_close(j) }

    /// A journal file, or a folder of them, that cannot be read: `sd_journal_open` and `sd_journal_open_directory`
    /// skip it without a word, so an unreadable journal would look like an empty one.
    public struct Unreadable: Sendable, Equatable {
        public var path: String
        /// The failing call, its error text and errno, e.g. "sd_journal_open_files failed: Permission denied (-13)".
        public var reason: String
        /// Positive errno: EACCES or EPERM when the user may not read it, another for a damaged or foreign file.
        public var code: Int32
        public var denied: Bool { code == EACCES || code == EPERM }
    }

    /// The journal files `init(directory:)` reads — `*.journal` and `*.journal~` in `directory` and its folders,
    /// or for the system journal those in /run/log/journal and /var/log/journal and in this machine's folder
    /// there (`sd_id128_get_machine`: `SD_JOURNAL_LOCAL_ONLY`) — and those of them it cannot read: each file
    /// opened alone (`sd_journal_open_files`), which fails where opening them all skips it; a folder that cannot
    /// be listed (`access`) counts as unreadable too.
    public static func files(directory: String? = nil) -> (files: [String], unreadable: [Unreadable]) {
        var files: [String] = [], unreadable: [Unreadable] = []
        var folders: [(path: String, recurse: Bool)]
        if let directory {
            folders = [(directory, true)]
        } else {
            folders = ["/run/log/journal", "/var/log/journal"].map { ($0, false) }
            if let id = try? machineID() { folders += folders.map { ("\($0.path)/\(id)", false) } }
        }
        let fm = FileManager.default
        for folder in folders {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else { continue }
            do {
                try fileCheck(access(folder.path, R_OK | X_OK), "access", path: folder.path, fix: "")
            } catch let e as FileCallError {
                unreadable.append(Unreadable(path: folder.path, reason: "the folder cannot be listed (\(e.call): \(e.message))", code: e.code))
                continue
            } catch {}
            let names = folder.recurse ? (fm.enumerator(atPath: folder.path)?.allObjects as? [String] ?? [])
                                       : ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? [])
            for name in names.sorted() where name.hasSuffix(".journal") || name.hasSuffix(".journal~") {
                files.append("\(folder.path)/\(name)")
            }
        }
        for path in files {
            if let e = unreadableReason(path) { unreadable.append(Unreadable(path: path, reason: e.description, code: -e.code)) }
        }
        return (files, unreadable)
    }

    /// Why the journal file at `path` cannot be read on its own (`sd_journal_open_files`), nil when it can.
    static func unreadableReason(_ path: String) -> SystemdError? {
        var one: OpaquePointer?
        defer { sd_journal_close(one) }
        return path.withCString { p in
            var paths: [UnsafePointer<CChar>?] = [p, nil]
            do { try systemdCheck(sd_journal_open_files(&one, &paths, 0), "sd_journal_open_files") } catch let e as SystemdError { return e } catch { return nil }
            return nil
        }
    }

    /// This machine's ID as journald names its folder (`sd_id128_get_machine`): 32 lowercase hex digits.
    static func machineID() throws -> String {
        var id = sd_id128_t()
        try systemdCheck(sd_id128_get_machine(&id), "sd_id128_get_machine")
        return withUnsafeBytes(of: id) { $0.map { String(format: "%02x", $0) }.joined() }
    }

    /// Entries that have, for every field of `matching`, one of its values (`sd_journal_add_match`: values of
    /// one field are or-ed, fields and-ed), from `since` on (`sd_journal_seek_realtime_usec`) to `until`,
    /// oldest first (`sd_journal_next`, `sd_journal_get_realtime_usec`, `sd_journal_enumerate_data`).
    public func entries(matching: [(field: String, values: [String])], since: Date? = nil, until: Date? = nil) throws -> [Entry] {
        for (field, values) in matching {
            for v in values {
                let match = Array("\(field)=\(v)".utf8)
                try match.withUnsafeBytes { try systemdCheck(sd_journal_add_match(j, $0.baseAddress, $0.count), "sd_journal_add_match(\(field)=\(v))") }
            }
        }
        if let since {
            try systemdCheck(sd_journal_seek_realtime_usec(j, UInt64(max(0, since.timeIntervalSince1970) * 1e6)), "sd_journal_seek_realtime_usec")
        }
        var out: [Entry] = []
        while try systemdCheck(sd_journal_next(j), "sd_journal_next") > 0 {
            var usec: UInt64 = 0
            try systemdCheck(sd_journal_get_realtime_usec(j, &usec), "sd_journal_get_realtime_usec")
            let time = Date(timeIntervalSince1970: Double(usec) / 1e6)
            if let until, time > until { break }
            if let since, time < since { continue }
            var fields: [String: String] = [:]
            var data: UnsafeRawPointer?
            var length = 0
            sd_journal_restart_data(j)
            while try systemdCheck(sd_journal_enumerate_data(j, &data, &length), "sd_journal_enumerate_data") > 0 {
                guard let data else { continue }
                let text = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                guard let eq = text.firstIndex(of: "=") else { continue }
                fields[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            out.append(Entry(time: time, fields: fields))
        }
        return out
    }
}
