import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// OperatorHookRealToolsTests' tools, ports and processes: the servers it starts, the hooks it runs as earshotd runs them.
extension OperatorHookRealToolsTests {
    /// Fails (not skips) when a tool is missing: CI installs it with scripts/setup.sh.
    static func requireTool(_ path: String, package: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "\(path) is missing: apt-get install \(package) (scripts/setup.sh --tests installs it)")
    }

    static func requireAiosmtpd() throws {
        try requireTool("/usr/bin/python3", package: "python3")
        let r = try Operator.run("/usr/bin/python3", ["-c", "import aiosmtpd"])
        try #require(r.status == 0, "python3 cannot import aiosmtpd: apt-get install python3-aiosmtpd (scripts/setup.sh --tests installs it)\n\(r.output)")
    }

    /// A TCP socket on 127.0.0.1 (close-on-exec, so no concurrently spawned process inherits it).
    static func socket127(listening: Bool) -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, len)
                _ = getsockname(fd, $0, &len)
            }
        }
        if listening { _ = listen(fd, 16) }
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    /// A port nothing listens on right now (bound, then released).
    static func freePort() -> UInt16 {
        let (fd, port) = socket127(listening: false)
        close(fd)
        return port
    }

    /// A server that hangs: it listens — the kernel completes the connection — but never accepts or answers, like a
    /// broker or mail server that hung, or a half-open connection. Close the descriptor to end it.
    static func hungServer() -> (fd: Int32, port: UInt16) { socket127(listening: true) }

    static func accepts(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    static func wait(_ seconds: Double, until condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// The pids of `pid`'s descendants, read from /proc (to end a hook's children with it, by their ids).
    static func descendants(of pid: Int32) -> [Int32] {
        var parent: [Int32: Int32] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let p = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let pp = Int32(fields[1]) { parent[p] = pp }
        }
        var out: [Int32] = [], frontier = [pid]
        while let p = frontier.popLast() {
            let kids = parent.filter { $0.value == p }.map(\.key)
            out += kids; frontier += kids
        }
        return out
    }

    /// A process the test started (a server, a subscriber), its stdout and stderr in files; `stop()` ends it
    /// (SIGTERM, then SIGKILL) and is safe to call twice — call it in a `defer`, so it runs when an expectation fails.
    final class Proc {
        let process = Process()
        let out: URL, err: URL
        init(_ path: String, _ args: [String], dir: URL, tag: String, environment: [String: String]? = nil) throws {
            out = dir.appendingPathComponent("\(tag).out"); err = dir.appendingPathComponent("\(tag).err")
            FileManager.default.createFile(atPath: out.path, contents: nil)
            FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = args
            if let environment { process.environment = environment }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
        }
        var stdout: Data { (try? Data(contentsOf: out)) ?? Data() }
        var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
        /// Waits up to `seconds` for it to exit by itself.
        func exited(within seconds: Double) -> Bool { OperatorHookRealToolsTests.wait(seconds) { !process.isRunning } }
        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            if !exited(within: 3) { kill(process.processIdentifier, SIGKILL); _ = exited(within: 3) }
        }
    }

    /// A copy of `config/hooks/<name>` in `dir` with whole setting lines replaced, as the README tells an operator to
    /// edit it. Each `old` line must be in the example: a renamed setting fails here rather than testing the default.
    static func edited(_ name: String, in dir: URL, replacing lines: [(old: String, new: String)]) throws -> URL {
        var text = try String(contentsOf: TestPaths.repo.appendingPathComponent("config/hooks/\(name)"), encoding: .utf8)
        for (old, new) in lines {
            var found = false
            text = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                if line.hasPrefix(old) { found = true; return new }
                return String(line)
            }.joined(separator: "\n")
            try #require(found, "config/hooks/\(name) has no line starting with \(old)")
        }
        return try Operator.write(text, to: dir.appendingPathComponent(name), mode: 0o755)
    }

    struct HookRun { var status: Int32; var stderr: String; var seconds: Double; var killed: Bool }

    /// Runs the hook as earshotd does: argv the path alone, cwd /, only PATH and the EARSHOT_* variables (plus
    /// `extraEnv`), the JSON on stdin. One that runs past `limit` seconds is killed with its children (`killed`).
    static func runHook(_ script: URL, _ event: (env: [String: String], stdin: Data), pathPrefix: String? = nil,
                        extraEnv: [String: String] = [:], limit: Double = 25) throws -> HookRun {
        let p = Process()
        p.executableURL = script
        p.currentDirectoryURL = URL(fileURLWithPath: "/")
        var env = event.env.merging(extraEnv) { $1 }
        env["PATH"] = pathPrefix.map { "\($0):\(path)" } ?? path
        p.environment = env
        let errURL = TestPaths.tempDir("hook-stderr").appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL.deletingLastPathComponent()) }
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardOutput = FileHandle.nullDevice
        let input = Pipe()
        p.standardInput = input
        signal(SIGPIPE, SIG_IGN)   // a hook may exit without reading stdin
        let start = Date()
        try p.run()
        try? input.fileHandleForWriting.write(contentsOf: event.stdin)
        try? input.fileHandleForWriting.close()
        let done = wait(limit) { !p.isRunning }
        if !done {
            for pid in [p.processIdentifier] + descendants(of: p.processIdentifier) { kill(pid, SIGKILL) }
            p.waitUntilExit()
        }
        let seconds = Date().timeIntervalSince(start)
        return HookRun(status: p.terminationStatus, stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
                       seconds: seconds, killed: !done)
    }

    /// A value of encoded words (`=?UTF-8?B?…?=`) decoded (Operator.decodeEncodedWords); any other value as it is.
    static func rfc2047(_ value: String) -> String { Operator.decodeEncodedWords(value) ?? value }

    static func jsonObject(_ data: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
