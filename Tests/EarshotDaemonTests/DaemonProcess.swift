import Foundation

/// The BUILT `earshotd` (a sibling of the test bundle) as a child process, with stdout/stderr going to files
/// in the test's directory so a chatty child can never block on a pipe.
final class DaemonProcess {
    let process = Process()
    let stderrURL: URL

    static var binary: URL? { TestPaths.builtProduct("earshotd") }

    static func requireBinary() throws -> URL {
        guard let b = binary else { throw DaemonTestError("earshotd binary not found next to the test bundle — run `swift build --product earshotd` first") }
        return b
    }

    /// Starts `executable` (default: earshotd) with `args`; `environment` is added to a minimal environment
    /// (PATH, plus the model path) — JOURNAL_STREAM and NOTIFY_SOCKET from the test runner never leak in. The
    /// runner's sanitizer options (`sanitizerOptions`) do: under `swift test --sanitize=…` the daemon is a
    /// sanitizer build too, and its reports must go where the runner's go (`log_path=`), not into a stderr file
    /// the test deletes.
    ///
    /// Unless `environment` names one, each child gets a state directory of its own in `dir` (STATE_DIRECTORY,
    /// as systemd's `StateDirectory=` sets it), never the default /var/lib/earshot: earshotds of parallel tests
    /// on one state directory share its metrics file and clips folder (whose place locks make the second one
    /// refuse to start), its mute file and its drill requests (`earshot test-alert` of another test). An empty
    /// value keeps the default, for a test about the default.
    init(executable: URL? = nil, args: [String], environment: [String: String], dir: URL) throws {
        process.executableURL = try executable ?? Self.requireBinary()
        process.arguments = args
        var env = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        for k in Self.sanitizerOptions { env[k] = ProcessInfo.processInfo.environment[k] }
        env["STATE_DIRECTORY"] = try Self.ownStateDirectory(in: dir).path
        for (k, v) in environment { env[k] = v }
        process.environment = env
        stderrURL = dir.appendingPathComponent("stderr-\(UUID().uuidString.prefix(8)).txt")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// A new, empty state directory inside `dir`, for one child.
    static func ownStateDirectory(in dir: URL) throws -> URL {
        let d = dir.appendingPathComponent("state-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// The sanitizers' run-time options, passed on from the test runner when set.
    static let sanitizerOptions = ["TSAN_OPTIONS", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"]

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for exit; SIGKILLs and returns nil after `timeout`.
    func waitExit(timeout: Double) -> Int32? {
        let end = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit(); return nil }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() } }
}
