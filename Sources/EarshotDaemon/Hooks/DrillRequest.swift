import Foundation

/// `earshot test-alert` asking the running earshotd for a drill: a file in earshotd's state directory, which the
/// detection loop looks for once a second, takes (removes) and answers by journalling a test alert and running
/// every configured hook for it itself — as its own user, in the unit's sandbox, with its environment — so the
/// drill checks the hooks as a real alert would run them (package QA 7, finding 1: run by the command, as root
/// outside the sandbox, a hook that could not write its log passed the drill and failed the real alert).
public struct DrillRequest: Codable, Sendable, Equatable {
    /// The test alert's event id ("test-…"): its journal entry's EARSHOT_EVENT_ID and its hooks'.
    public var id: String
    /// Who asked (SUDO_USER, LOGNAME or the uid), for earshotd's log line.
    public var by: String
    public var at: Date

    public init(id: String, by: String, at: Date = Date()) { self.id = id; self.by = by; self.at = at }

    public static let fileName = "test-alert"

    /// The request file in `stateDirectory`.
    public static func path(stateDirectory: String) -> String { (stateDirectory as NSString).appendingPathComponent(fileName) }

    private static let encoder: JSONEncoder = { let e = JSONEncoder(); e.dateEncodingStrategy = .iso8601; return e }()
    private static let decoder: JSONDecoder = { let d = JSONDecoder(); d.dateDecodingStrategy = .iso8601; return d }()

    /// Writes the request atomically (a temporary file renamed over it), readable by earshotd (0644).
    public func write(path: String) throws {
        let tmp = (path as NSString).deletingLastPathComponent + "/.\(Self.fileName).\(getpid()).tmp"
        let data = try Self.encoder.encode(self)
        guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: 0o644]) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: tmp])
        }
        guard rename(tmp, path) == 0 else {
            let e = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: e])
        }
    }

    /// How old a request may be and still be answered. The command waits 2.5 s for earshotd to take it and then
    /// withdraws it; one it could not withdraw (the command killed meanwhile, e.g. Ctrl-C) must not page every hook
    /// as a drill when an earshotd starts there hours later.
    public static let maxAge: TimeInterval = 60

    /// The request at `path`, removed so it is answered once; nil when there is none. A file that is not a
    /// request, or a request more than `maxAge` from `now` (either way: the wall clock may have been stepped), is
    /// removed too, and its problem returned for the log.
    public static func take(path: String, now: Date = Date()) -> Result<DrillRequest, DrillRequestError>? {
        guard access(path, F_OK) == 0 else { return nil }   // one call a second, mostly ENOENT
        let data = FileManager.default.contents(atPath: path)
        try? FileManager.default.removeItem(atPath: path)
        guard let data, let r = try? decoder.decode(DrillRequest.self, from: data) else {
            return .failure(DrillRequestError(path: path, stale: nil))
        }
        guard abs(now.timeIntervalSince(r.at)) <= maxAge else { return .failure(DrillRequestError(path: path, stale: r)) }
        return .success(r)
    }
}

/// A file where `earshot test-alert` puts its request that is not one, or a request left there too long ago to
/// answer (`stale`): ignored and removed.
public struct DrillRequestError: Error, CustomStringConvertible, Equatable {
    public var path: String
    /// The request, when the file was one but too old.
    public var stale: DrillRequest?
    public init(path: String, stale: DrillRequest?) { self.path = path; self.stale = stale }
    public var description: String {
        if let r = stale {
            return "\(path): a test-alert request by \(r.by) from \(r.at) was not answered within \(Int(DrillRequest.maxAge)) s (no earshotd ran then; removed, no drill): run earshot test-alert again"
        }
        return "\(path) is not a test-alert request earshot wrote (removed): run earshot test-alert again"
    }
}
