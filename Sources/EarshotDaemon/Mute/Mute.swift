import Foundation

/// A planned pause of paging: a fireworks show, a theatre's blank-firing scene, a starter pistol, a memorial's
/// salute. Set by `earshot mute`, ended by `earshot unmute` or by its expiry. While muted, earshotd goes on
/// listening: every event is still a journal alert (EARSHOT_MUTED=1, priority warning instead of the alert's
/// own) with its evidence clip, but the hook is not run. It lives in the file `mute` in earshotd's state
/// directory (JSON), so it outlives a restart, and it never lasts longer than `maxDuration`: a forgotten mute
/// cannot silence a venue for good. A file that cannot be read or makes no sense mutes nothing.
public struct Mute: Sendable, Equatable, Codable {
    /// When paging starts again.
    public var until: Date
    /// Why, in the operator's words (one line, at most `maxReasonLength` characters): in every muted alert.
    public var reason: String
    /// Who muted (the sudo user, else the login name).
    public var by: String
    /// When it was set.
    public var since: Date

    /// The longest mute: 24 hours. A longer event is muted again the next day (a timer can do it).
    public static let maxDuration: Double = 24 * 3600
    public static let maxReasonLength = 200
    /// The file's name inside earshotd's state directory.
    public static let fileName = "mute"

    public init(until: Date, reason: String, by: String, since: Date = Date()) {
        self.until = until; self.reason = reason; self.by = by; self.since = since
    }

    /// `mute` in `stateDirectory` (/var/lib/earshot, or /var/lib/earshot-NAME for `earshot@NAME`).
    public static func path(stateDirectory: String) -> String { stateDirectory + "/" + fileName }

    /// Muted at `now`.
    public func isActive(at now: Date) -> Bool { now < until }

    /// Why this mute cannot be obeyed, nil when it can: no reason, a reason over one line, an end before its
    /// start, or an end more than `maxDuration` after its start or after `now` (a clock that jumped, a file
    /// written by hand).
    public func problem(now: Date) -> String? {
        let r = reason.trimmingCharacters(in: .whitespaces)
        if r.isEmpty { return "it gives no reason" }
        if reason.count > Self.maxReasonLength { return "its reason is longer than \(Self.maxReasonLength) characters" }
        if reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "its reason contains a line break or another control character"
        }
        if until <= since { return "it ends (\(Self.describe(until))) before it starts (\(Self.describe(since)))" }
        let slack = 60.0
        if until.timeIntervalSince(since) > Self.maxDuration + slack || until.timeIntervalSince(now) > Self.maxDuration + slack {
            return "it lasts until \(Self.describe(until)), longer than the \(Int(Self.maxDuration / 3600)) hours a mute may last"
        }
        return nil
    }

    /// One line for logs, the journal and `earshot mute`: "until 2026-12-03 23:00 CET by alice: fireworks show".
    public var summary: String { "until \(Self.describe(until)) by \(by): \(reason)" }

    /// Local wall-clock time with its zone, to the minute ("2026-12-03 23:00 CET"); seconds when not on a minute.
    /// A time past the year 9999 or before the year 1 (a huge `--for`, a damaged metrics file) is said so in
    /// words: the formatter would give an empty string.
    public static func describe(_ d: Date) -> String {
        let t = d.timeIntervalSince1970
        guard t.isFinite else { return t.isNaN ? "an unknown time" : t > 0 ? "the end of time" : "the beginning of time" }
        if t >= latest { return "after the year 9999" }
        if t < earliest { return "before the year 1" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone.current
        f.dateFormat = t.rounded(.towardZero).truncatingRemainder(dividingBy: 60) == 0 ? "yyyy-MM-dd HH:mm zzz" : "yyyy-MM-dd HH:mm:ss zzz"
        return f.string(from: d)
    }

    /// 10000-01-01 and 0001-01-01 UTC, in seconds since 1970: the years `describe` writes as dates.
    static let latest: Double = 253_402_300_800, earliest: Double = -62_135_596_800

    // MARK: - The file

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder(); e.dateEncodingStrategy = .iso8601; e.outputFormatting = [.sortedKeys]; return e
    }()
    private static let decoder: JSONDecoder = { let d = JSONDecoder(); d.dateDecodingStrategy = .iso8601; return d }()

    /// Reads the mute file; nil when there is none.
    /// - Throws: `MuteFileError` naming the file when it cannot be read or is not a mute; `permissionDenied` when
    ///   this user may not look (a folder above it is private), which is not "no mute".
    public static func read(path: String) throws -> Mute? {
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            if errno == EACCES {
                throw MuteFileError(path: path, problem: "cannot be looked at by uid \(getuid()): permission denied (earshotd's state directory is private to its user)",
                                    fix: "ask as root: sudo earshot mute", permissionDenied: true)
            }
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            if !FileManager.default.fileExists(atPath: path) { return nil }
            throw MuteFileError(path: path, problem: "cannot be read (\(error.localizedDescription))",
                                fix: "earshotd must be able to read it: `earshot mute` writes it readable (mode 0644)")
        }
        do { return try decoder.decode(Mute.self, from: data) } catch {
            throw MuteFileError(path: path, problem: "is not a mute earshot wrote (expected JSON with until, reason, by, since)",
                                fix: "remove it with `earshot unmute`, then mute again with `earshot mute --for 2h --reason …`")
        }
    }

    /// Writes `self` to `path` atomically (a temporary file renamed over it), readable by earshotd (0644).
    /// `instance`: the earshot@NAME whose state directory it is (nil: earshot.service's), for the fix when that
    /// directory is missing.
    /// - Throws: `MuteFileError` naming the path and the fix.
    public func write(path: String, instance: String? = nil) throws {
        let dir = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw MuteFileError(path: path, problem: "cannot be written: \(dir) does not exist",
                                fix: instance.map { "earshotd makes its state directory when it starts (systemctl start earshot@\($0)); is \($0) the name of an instance this box runs (systemctl list-units 'earshot@*')?" }
                                    ?? "earshotd makes its state directory when it starts (systemctl start earshot); with several microphones name one with --instance NAME")
        }
        let tmp = dir + "/.\(Self.fileName).\(getpid()).tmp"
        do {
            let data = try Self.encoder.encode(self) + Data("\n".utf8)
            guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: 0o644]) else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EACCES)
            }
            guard rename(tmp, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            unlink(tmp)
            throw MuteFileError(path: path, problem: "cannot be written (\(error.localizedDescription))",
                                fix: "earshotd's state directory belongs to root and the service: run it as root (sudo earshot mute …)")
        }
    }

    /// Removes the mute file; false when there was none.
    /// - Throws: `MuteFileError` when it exists and cannot be removed.
    @discardableResult
    public static func remove(path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        let e = String(cString: strerror(errno))
        throw MuteFileError(path: path, problem: "cannot be removed (\(e))", fix: "run it as root (sudo earshot unmute)")
    }
}
