import Foundation
import Testing

/// The wall clock steps — NTP's first sync on a box without a battery-backed clock, an operator's `date -s` — but
/// the detection loop's intervals (watchdog pings, the once-a-second status) run on the monotonic clock, so a step
/// neither stops the pings (systemd would kill a listening earshotd) nor declares a stall. The step is real, in
/// the process: Scripts/clock-step.c (LD_PRELOAD) shifts CLOCK_REALTIME by the seconds in a file, and leaves
/// CLOCK_MONOTONIC alone. (Not libfaketime: its constructor's setenv hides argv from a Swift program.)
@Suite(.serialized) struct DaemonClockJumpTests {
    /// Scripts/clock-step.c built into `dir` with the toolchain's clang (as scripts/check-allocations.sh builds its shim).
    static func shim(in dir: URL) throws -> URL {
        let out = dir.appendingPathComponent("clock-step.so")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [ProcessInfo.processInfo.environment["CC"] ?? "clang", "-O2", "-shared", "-fPIC", "-o", out.path,
                       TestPaths.repo.appendingPathComponent("Tests/EarshotDaemonTests/Scripts/clock-step.c").path, "-ldl"]
        try p.run(); p.waitUntilExit()
        try #require(p.terminationStatus == 0, "building Scripts/clock-step.c with clang failed")
        return out
    }

    @Test func aWallClockStepBackOrForwardKeepsTheWatchdogPinged() throws {
        let run = try DaemonRun()
        let shim = try Self.shim(in: run.dir)
        let notify = try NotifySocket()
        let offset = run.dir.appendingPathComponent("clock-step")
        try "+0\n".write(to: offset, atomically: true, encoding: .utf8)
        let prom = run.dir.appendingPathComponent("m.prom")
        let config = try run.writeConfig(metrics: ["path: \(prom.path)", "interval_seconds: 1"])
        func uptime() -> Double? {
            ((try? String(contentsOf: prom, encoding: .utf8)) ?? "").split(separator: "\n")
                .first { $0.hasPrefix("earshot_uptime_seconds ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 30, shots: []), rate: 16_000, dir: run.dir)
        let asound = try fx.writeConfigFile(in: run.dir)
        let daemon = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--pace", "1"],
                                       environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000", "ALSA_CONFIG_PATH": asound.path,
                                                     "LD_PRELOAD": shim.path, "CLOCK_STEP_FILE": offset.path],
                                       dir: run.dir)
        defer { daemon.signal(SIGTERM); _ = daemon.waitExit(timeout: 10) }
        #expect(notify.wait(timeout: 15, for: DaemonNotifyTests.has("READY=1")) != nil, "stderr:\n\(daemon.stderr)")
        func pings(over seconds: Double) -> Int {
            let before = notify.count("WATCHDOG=1")
            notify.wait(timeout: seconds) { _ in false }
            return notify.count("WATCHDOG=1") - before
        }
        #expect(pings(over: 1.5) >= 3, "pinged before any step")
        var last = try #require(uptime(), "the metrics file")
        for step in ["-3600", "+7200"] {   // an hour back, then an hour past where it was
            try "\(step)\n".write(to: offset, atomically: true, encoding: .utf8)
            let n = pings(over: 2)
            #expect(n >= 4, "WATCHDOG=1 pings in the 2 s after a \(step) s step: \(n); stderr:\n\(daemon.stderr)")
            // the uptime goes on by the seconds that passed, not by the step
            let now = try #require(uptime())
            #expect(now > last && now < last + 30, "earshot_uptime_seconds \(last) → \(now) across a \(step) s step")
            last = now
        }
        #expect(!daemon.stderr.contains("capture stalled") && !daemon.stderr.contains("NOT LISTENING"), "\(daemon.stderr)")
        #expect(notify.statuses.last?.contains("listening on default") == true, "\(notify.statuses.suffix(3))")
    }
}
