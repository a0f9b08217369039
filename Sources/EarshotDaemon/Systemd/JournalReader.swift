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
