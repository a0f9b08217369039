import EarshotDSP
import Foundation

/// Runs the BUILT `earshot` binary (a sibling of the test bundle) as a subprocess.
enum CLIRunner {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static var binary: URL? { TestPaths.builtProduct("earshot") }

    /// Runs `product` (default `earshot`; `earshot-train` for the trainer's commands) with this process's
    /// environment plus `environment`, minus the variables in `unsetting`. An earshotd gets a state directory of
    /// its own (STATE_DIRECTORY, in a new temporary folder) unless `environment` names one, so it never shares
    /// /var/lib/earshot with another test's earshotd (place locks, mute file, drill requests).
    static func run(_ args: [String], environment: [String: String] = [:], unsetting: [String] = [], product: String = "earshot") throws -> Result {
        guard let exe = TestPaths.builtProduct(product) else {
            throw CLITestError("\(product) binary not found next to the test bundle — run `swift build` first")
        }
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        var ownState: URL?
        if product == "earshotd" && environment["STATE_DIRECTORY"] == nil {
            let d = FileManager.default.temporaryDirectory.appendingPathComponent("earshotd-state-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            env["STATE_DIRECTORY"] = d.path
            ownState = d
        }
        defer { if let d = ownState { try? FileManager.default.removeItem(at: d) } }
        for (k, v) in environment { env[k] = v }
        for k in unsetting { env[k] = nil }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // read both pipes fully before waiting, so a chatty child cannot block on a full pipe
        let o = Collected()
        let g = DispatchGroup()
        g.enter(); DispatchQueue.global().async { o.data = out.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        let e = err.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o.data, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// stdout as read on another thread; `DispatchGroup.wait` orders the write before the read.
private final class Collected: @unchecked Sendable { var data = Data() }

struct CLITestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
