import Foundation

/// The problems told to the health hook (`PROBLEM=1`) and not yet over, kept in earshotd's state directory, so an
/// earshotd that ended without a stop — killed, crashed, or restarted by systemd's watchdog after a stall — withdraws
/// them at its next start. Otherwise each stayed open for good in whatever the hook feeds (a stall's "NOT LISTENING
/// until systemd restarts it" above all: after the restart, earshotd listened and nobody said so). A graceful stop
/// withdraws them itself (`DetectionService.withdrawnAtStop`), which leaves the file empty.
///
/// One entry per condition; rewritten (atomically) when a notice starts or ends one — a few times a day.
struct HealthLedger {
    /// A problem told and not yet over.
    struct Entry: Codable, Equatable {
        var condition: String
        var device: String
        var location: String
        var since: Date
    }

    static let fileName = "health-told.json"
    let path: String
    /// Oldest first.
    private(set) var entries: [Entry] = []

    init(stateDirectory: String) { path = (stateDirectory as NSString).appendingPathComponent(Self.fileName) }

    private static let encoder: JSONEncoder = { let e = JSONEncoder(); e.dateEncodingStrategy = .iso8601; e.outputFormatting = .sortedKeys; return e }()
    private static let decoder: JSONDecoder = { let d = JSONDecoder(); d.dateDecodingStrategy = .iso8601; return d }()

    /// What the last earshotd left told and not over, then forgotten (the file removed); `problem`: why the file
    /// could not be read (it is removed all the same: a damaged ledger must not withdraw anything at every start).
    mutating func takeLeftovers() -> (entries: [Entry], problem: String?) {
        guard access(path, F_OK) == 0 else { return ([], nil) }
        defer { try? FileManager.default.removeItem(atPath: path); entries = [] }
        guard let data = FileManager.default.contents(atPath: path), let e = try? Self.decoder.decode([Entry].self, from: data) else {
            return ([], "\(path) is not a list of health problems told (removed; nothing withdrawn from it)")
        }
        return (e, nil)
    }

    /// Takes in notice `n` told to the health hook; writes the file when that changes it. Returns why it could not
    /// be written, if so (the ledger is kept in memory all the same).
    mutating func record(_ n: HealthNotice) -> String? {
        guard !n.test, n.condition != "heartbeat" else { return nil }
        let before = entries
        entries.removeAll { $0.condition == n.condition }
        if n.problem { entries.append(Entry(condition: n.condition, device: n.device, location: n.location, since: n.time)) }
        return entries == before ? nil : write()
    }

    private func write() -> String? {
        if entries.isEmpty {
            guard unlink(path) == 0 || errno == ENOENT else { return "cannot remove \(path): \(String(cString: strerror(errno)))" }
            return nil
        }
        let tmp = (path as NSString).deletingLastPathComponent + "/.\(Self.fileName).\(getpid()).tmp"
        guard let data = try? Self.encoder.encode(entries),
              FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: 0o640]) else {   // earshotd's own
            return "cannot write \(tmp) (\(String(cString: strerror(errno))))"
        }
        guard rename(tmp, path) == 0 else {
            let e = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)
            return "cannot rename \(tmp) to \(path): \(e)"
        }
        return nil
    }
}
