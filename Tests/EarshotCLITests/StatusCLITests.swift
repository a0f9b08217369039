import Foundation
import Testing

/// `earshot status` over a directory of configs, each with a metrics file as earshotd writes it: one block per
/// unit, the exit status the worst unit's. Real earshotd runs are judged in DaemonMetricsTests.
struct StatusCLITests {
    /// A metrics file of a running earshotd, just written; `extra` samples are appended.
    static func metrics(_ extra: String = "") -> String {
        let now = Date().timeIntervalSince1970
        return """
        # HELP earshot_running x
        earshot_running 1
        earshot_loop_timestamp_seconds \(now)
        earshot_device_up 1
        earshot_start_time_seconds \(now - 100)
        earshot_uptime_seconds 100
        \(extra)
        """
    }

    @Test func everyConfiguredUnitIsJudgedAndTheWorstSetsTheExit() throws {
        let dir = TestPaths.tempDir("status-cli")
        func site(_ name: String, device: String, metrics: String?) throws {
            let prom = dir.appendingPathComponent("\(name).prom")
            if let metrics { try metrics.write(to: prom, atomically: true, encoding: .utf8) }
            try "device: \(device)\nmetrics:\n  path: \(prom.path)\n".write(to: dir.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        try site("earshot", device: "hw:1", metrics: Self.metrics())
        try site("hall", device: "hw:2", metrics: Self.metrics("earshot_muted 1\nearshot_muted_until_timestamp_seconds \(Int(Date().timeIntervalSince1970) + 3600)"))
        let args = ["status", "--config-directory", dir.path]
        let two = try CLIRunner.run(args)
        #expect(two.status == 1, "the worst is hall's WARNING: \(two.stdout)\(two.stderr)")
        #expect(two.stdout.hasPrefix("earshot.service: OK — listening on hw:1 and paging\n"), "\(two.stdout)")
        #expect(two.stdout.contains("\nearshot@hall.service: WARNING — listening on hw:2 at hall, paging MUTED\n  - paging is muted until "), "\(two.stdout)")
        let hall = try CLIRunner.run(args + ["--instance", "hall", "--json"])
        let o = try JSONSerialization.jsonObject(with: Data(hall.stdout.utf8)) as? [String: Any]
        #expect(hall.status == 1 && o?["unit"] as? String == "earshot@hall.service" && o?["state"] as? String == "WARNING", "\(hall.stdout)")
        // a third config that does not load, and one whose earshotd never ran
        try "device: hw:3\nthreshold: loud\n".write(to: dir.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let broken = try CLIRunner.run(args)
        #expect(broken.status == 3 && broken.stdout.contains("earshot@broken.service: UNKNOWN — cannot tell: its config does not load\n"), "\(broken.stdout)")
        try site("yard", device: "hw:4", metrics: nil)
        let never = try CLIRunner.run(args)
        #expect(never.status == 2 && never.stdout.contains("earshot@yard.service: CRITICAL — not running (no metrics file)\n  ! "), "\(never.stdout)")
        #expect(never.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("earshot") }.count == 4)
    }

    @Test func badInputsAreRefused() throws {
        let name = try CLIRunner.run(["status", "--instance", "North Entrance"])
        #expect(name.status == 64 && name.stderr.contains("'North Entrance' cannot name an instance"), "\(name.stderr)")
        let both = try CLIRunner.run(["status", "--instance", "hall", "--config", "/etc/earshot/hall.yaml"])
        #expect(both.status == 64 && both.stderr.contains("give --instance or --config, not both"), "\(both.stderr)")
        let help = try CLIRunner.run(["status", "--help"])
        #expect(help.status == 0 && help.stdout.contains("sudo earshot status --instance north-entrance") && help.stdout.contains("CRITICAL  not running (stopped, never started, killed, hung)"), "\(help.stdout)")
    }

    /// `--instance NAME` whose config is missing says to create it (no --config was given to check), and a
    /// damaged metrics file is UNKNOWN with the line, in --json too (a NaN made the line `{}`, with exit 0).
    @Test func aMissingConfigOrADamagedFileIsUnknown() throws {
        let dir = TestPaths.tempDir("status-unknown")
        let missing = try CLIRunner.run(["status", "--config-directory", dir.path, "--instance", "qa-hall"])
        #expect(missing.status == 3 && missing.stdout.contains("\(dir.path)/qa-hall.yaml: config file not found for instance 'qa-hall' — create it from the shipped default")
                && !missing.stdout.contains("--config"), "\(missing.stdout)")
        let prom = dir.appendingPathComponent("earshot.prom")
        try "metrics:\n  path: \(prom.path)\n".write(to: dir.appendingPathComponent("earshot.yaml"), atomically: true, encoding: .utf8)
        try Self.metrics("earshot_threshold NaN").write(to: prom, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["status", "--config-directory", dir.path, "--json"])
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(r.status == 3 && o?["state"] as? String == "UNKNOWN" && (o?["problems"] as? [String])?.first?.contains("line 7: earshot_threshold NaN") == true, "\(r.stdout)")
    }

    /// earshotd's state directory is 0750 and the service's: a user who may not read the file is told to use sudo,
    /// and is not told that earshotd is not running.
    @Test func aFileItMayNotReadIsUnknownNotStopped() throws {
        let dir = TestPaths.tempDir("status-private")
        let state = dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try Self.metrics().write(to: state.appendingPathComponent("earshot.prom"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("earshot.yaml")
        try "metrics:\n  path: \(state.path)/earshot.prom\n".write(to: config, atomically: true, encoding: .utf8)
        // as root, run it as nobody from a copy of the binary it may execute; the directory is closed to all but root
        let exe = dir.appendingPathComponent("earshot")
        try FileManager.default.copyItem(at: try #require(CLIRunner.binary), to: exe)
        for (path, mode) in [(dir.path, 0o755), (config.path, 0o644), (state.path, 0o000)] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: state.path) }
        let asNobody = getuid() == 0
        let p = Process()
        p.executableURL = URL(fileURLWithPath: asNobody ? "/usr/sbin/runuser" : exe.path)
        p.arguments = (asNobody ? ["-u", "nobody", "--", exe.path] : []) + ["status", "--config", config.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 3 && text.contains("UNKNOWN — cannot tell: the metrics file cannot be read\n")
                && text.contains("failed: Permission denied; run earshot status with sudo"), "\(text)")
    }
}
