import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
@testable import EarshotDaemon

/// Collects log records in memory so tests can check what was logged (used by the Hook/Clip/Liveness tests).
final class LogCapture: Sendable {
    struct Record: Sendable { var level: Logger.Level; var message: String }
    private let records = Mutex<[Record]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }
    var all: [Record] { records.withLock { $0 } }
    func messages(_ level: Logger.Level) -> [String] { all.filter { $0.level == level }.map(\.message) }
    fileprivate func add(_ r: Record) { records.withLock { $0.append(r) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] } set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            capture.add(Record(level: event.level, message: event.message.description))
        }
    }
}

/// Thread-safe list of values delivered by callbacks.
final class Collected<T: Sendable>: Sendable {
    private let items = Mutex<[T]>([])
    func add(_ x: T) { items.withLock { $0.append(x) } }
    var all: [T] { items.withLock { $0 } }
    /// Polls until `count` items arrived or `timeout` seconds passed.
    func wait(count: Int, timeout: Double) -> [T] {
        let end = Date(timeIntervalSinceNow: timeout)
        while Date() < end {
            let a = all
            if a.count >= count { return a }
            usleep(5_000)
        }
        return all
    }
}

enum HookFixture {
    /// Writes an executable shell script into `dir`.
    static func script(_ dir: URL, _ name: String, _ body: String, mode: Int = 0o755) throws -> String {
        // Written through a close-on-exec descriptor: other tests fork and exec concurrently, and a child that
        // inherited a write descriptor on the script would make executing it fail with ETXTBSY.
        let u = dir.appendingPathComponent(name)
        let fd = open(u.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        let bytes = Array(("#!/bin/sh\n" + body + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: u.path)
        return u.path
    }

    static func alert(_ id: String, device: String = "default", location: String = "", clip: String? = nil, test: Bool = false) -> Alert {
        Alert(eventID: id, score: 0.9734, start: Date(timeIntervalSince1970: 1_764_059_000.125), device: device, location: location,
              model: "earshot-default.safetensors", clipPath: clip, test: test)
    }

    /// Direct children of this process whose command line contains `needle` (from /proc). Only direct
    /// children: a hook shell's own short-lived forks carry the same command line until they exec.
    static func processCount(containing needle: String) -> Int {
        let me = getpid()
        let procs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var n = 0
        for p in procs where Int(p) != nil {
            guard let d = FileManager.default.contents(atPath: "/proc/\(p)/cmdline"),
                  let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // stat: pid (comm) state ppid …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == me else { continue }
            let cmd = String(decoding: d.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            if cmd.contains(needle) { n += 1 }
        }
        return n
    }
}
