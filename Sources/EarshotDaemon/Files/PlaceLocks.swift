import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// earshotd's claim on the places it writes — `scores.directory`, `clips.directory`, `recording.directory` (when
/// on) and `metrics.path` — so that a second earshotd on the same config (a run by hand next to the service,
/// `earshot.service` next to an `earshot@NAME` whose file names the same places) refuses to start instead of
/// paging every shot twice and interleaving score logs, clips and metrics. Each place gets an exclusive `flock`
/// on a lock file holding the owner's PID: `.earshotd.lock` in a directory, `.NAME.lock` beside the metrics file
/// (node_exporter reads only `*.prom`; every reader of the directories skips dot files). The locks are held for the
/// process's life (the kernel drops them when it exits, even on SIGKILL) and are close-on-exec, so no hook
/// inherits them. Daemons with places of their own (instances, the tests' daemons) never meet.
///
/// A place whose lock file cannot be made (a read-only or missing place) is not claimed: its writer reports the
/// problem as it always did, and detection goes on. Only a lock held by another process stops the start.
public final class PlaceLocks {
    /// One place: the config key that names it, and its lock file.
    struct Place: Equatable { var key: String; var path: String; var lockFile: String }

    /// The places `config` writes, each with its lock file.
    static func places(_ config: DaemonConfig) -> [Place] {
        var out: [Place] = []
        func directory(_ key: String, _ dir: String, _ on: Bool) {
            if on { out.append(Place(key: key, path: dir, lockFile: (dir as NSString).appendingPathComponent(".earshotd.lock"))) }
        }
        directory("scores.directory", config.scores.directory, config.scores.enabled)
        directory("clips.directory", config.clips.directory, config.clips.enabled)
        directory("recording.directory", config.recording.directory, config.recording.enabled)
        if config.metrics.enabled {
            let p = config.metrics.path as NSString
            out.append(Place(key: "metrics.path", path: config.metrics.path,
                             lockFile: p.deletingLastPathComponent + "/." + p.lastPathComponent + ".lock"))
        }
        return out
    }

    /// A lock held: its descriptor and the lock file's (device, inode) — two keys naming one place share it.
    private struct Claim { var fd: Int32; var id: [UInt64] }
    /// The locks held, by lock file.
    private var claims: [String: Claim] = [:]

    /// Claims every place of `config`; the directories are made (as their writers would within a second) so the
    /// lock can sit in them. Problems that do not stop the start (a place that cannot be made) go to `logger`
    /// (as errors for `clips.directory`, whose writer only meets them at the first alert; at debug level for the
    /// others, whose writers report them at once).
    /// - Throws: `PlaceHeldError` when another process holds a place's lock.
    public init(config: DaemonConfig, logger: Logger) throws {
        try update(to: config, logger: logger)
    }

    deinit { for c in claims.values { close(c.fd) } }

    /// Moves the claim to `config`'s places (a reload): the new ones are claimed, those it no longer names let
    /// go. All or nothing: when another process holds a new place, nothing changes and `PlaceHeldError` is
    /// thrown — the reload is rejected, so a reload cannot make two earshotd write one place either.
    public func update(to config: DaemonConfig, logger: Logger) throws {
        var next: [String: Claim] = [:], fresh: [Claim] = []
        for place in Self.places(config) {
            if let c = claims[place.lockFile] { next[place.lockFile] = c; continue }
            do {
                if let c = try claim(place, holding: Array(claims.values) + fresh) { next[place.lockFile] = c; fresh.append(c) }
            } catch let e as PlaceHeldError {
                for c in fresh { close(c.fd) }
                throw e
            } catch {
                if place.key == "clips.directory" {
                    logger.error("clips.directory: \(error) — alerts go on without evidence clips until it is fixed")
                } else {
                    logger.debug("\(place.key): not locked against a second earshotd: \(error)")
                }
            }
        }
        for (file, c) in claims where next[file] == nil && !next.values.contains(where: { $0.fd == c.fd }) { close(c.fd) }
        claims = next
    }

    /// Locks `place`'s lock file; nil when one of `holding` is already that file (through another path).
    /// The corresponding C functions are `mkdir`, `open`, `fstat`, `flock`, `ftruncate` and `pwrite`.
    private func claim(_ place: Place, holding: [Claim]) throws -> Claim? {
        let fix = place.key == "clips.directory" ? ClipRecorder.directoryFix
            : "make \(place.key) a place the daemon can write (under its state directory, e.g. /var/lib/earshot), or turn it off"
        try Self.makeDirectories((place.lockFile as NSString).deletingLastPathComponent, fix: fix)
        var fd = Glibc.open(place.lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        var writable = true
        if fd < 0 && errno == EACCES {   // another user's lock file (a run by hand as root): a read-only one locks as well
            fd = Glibc.open(place.lockFile, O_RDONLY | O_CLOEXEC)
            writable = false
        }
        try fileCheck(fd, "open", path: place.lockFile, fix: fix)
        var st = stat()
        let id = fstat(fd, &st) == 0 ? [UInt64(st.st_dev), UInt64(st.st_ino)] : []
        if !id.isEmpty, holding.contains(where: { $0.id == id }) { close(fd); return nil }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            defer { close(fd) }
            guard e == EWOULDBLOCK else { try fileCheck(-1, "flock", path: place.lockFile, fix: fix); return nil }
            var buf = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buf, buf.count, 0)
            let pid = n > 0 ? Int32(String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) : nil
            throw PlaceHeldError(key: place.key, path: place.path, lockFile: place.lockFile, pid: pid)
        }
        if writable {
            let text = Array("\(getpid())\n".utf8)
            _ = ftruncate(fd, 0)
            _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        return Claim(fd: fd, id: id)
    }

    /// `mkdir` of `dir` and its missing parents (mode 0750), through `fileCheck`: "mkdir(/a/file/x) failed: Not a
    /// directory; FIX".
    static func makeDirectories(_ dir: String, fix: String) throws {
        var prefix = ""
        for part in dir.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o750) != 0 && errno != EEXIST { try fileCheck(-1, "mkdir", path: prefix, fix: fix) }
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
            errno = ENOTDIR
            try fileCheck(-1, "mkdir", path: dir, fix: fix)
        }
    }
}

/// Another process (another earshotd) holds the lock of a place this one would write.
public struct PlaceHeldError: Error, CustomStringConvertible, Sendable {
    public var key: String, path: String, lockFile: String
    public var pid: Int32?
    public var description: String {
        let who = pid.map { "another earshotd (PID \($0))" } ?? "another earshotd"
        let stop = pid.map { "`systemctl stop earshot` (or earshot@NAME), or `kill \($0)`" } ?? "`systemctl stop earshot` (or earshot@NAME)"
        return "\(who) already runs with \(key) \(path) (it holds \(lockFile)); two on one config page every shot twice. Stop it first — \(stop) — or, to run a second detector on purpose, give this config its own scores.directory, clips.directory, recording.directory and metrics.path (earshot@NAME instances get their own state directory)"
    }
}
