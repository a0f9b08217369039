import Foundation
import Testing

/// The wall clock steps — NTP's first sync on a box without a battery-backed clock, an operator's `date -s` — but
/// the detection loop's intervals (watchdog pings, the once-a-second status) run on the monotonic clock, so a step
/// neither stops the pings (systemd would kill a listening earshotd) nor declares a stall. The step is real, in
/// the process: libfaketime (LD_PRELOAD) shifts CLOCK_REALTIME by the offset in a file re-read at every call, and
/// leaves CLOCK_MONOTONIC alone.
@Suite(.serialized) struct DaemonClockJumpTests {
    static let faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

    @Test func aWallClockStepBackOrForwardKeepsTheWatchdogPinged() throws {
        try #require(FileManager.default.fileExists(atPath: Self.faketime), "libfaketime is missing: apt-get install libfaketime (scripts/setup.sh installs it)")
        let run = try DaemonRun()
        let notify = try NotifySocket()
        let offset = run.dir.appendingPathComponent("faketime.offset")
        try "+0\n".write(to: offset, atomically: true, encoding: .utf8)
        let config = try run.writeConfig()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 30, shots: []), rate: 16_000, dir: run.dir)
        let asound = try fx.writeConfigFile(in: run.dir)
        let daemon = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--pace", "1"],
                                       environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000", "ALSA_CONFIG_PATH": asound.path,
                                                     "LD_PRELOAD": Self.faketime, "FAKETIME_TIMESTAMP_FILE": offset.path,
                                                     "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"],
                                       dir: run.dir)
        defer { daemon.signal(SIGTERM); _ = daemon.waitExit(timeout: 10) }
        #expect(notify.wait(timeout: 15, for: DaemonNotifyTests.has("READY=1")) != nil, "stderr:\n\(daemon.stderr)")
        func pings(over seconds: Double) -> Int {
            let before = notify.count("WATCHDOG=1")
            notify.wait(timeout: seconds) { _ in false }
            return notify.count("WATCHDOG=1") - before
        }
        #expect(pings(over: 1.5) >= 3, "pinged before any step")
        for step in ["-3600", "+7200"] {   // an hour back, then an hour past where it was
            try "\(step)\n".write(to: offset, atomically: true, encoding: .utf8)
            let n = pings(over: 2)
            #expect(n >= 4, "WATCHDOG=1 pings in the 2 s after a \(step) s step: \(n); stderr:\n\(daemon.stderr)")
        }
        #expect(!daemon.stderr.contains("capture stalled") && !daemon.stderr.contains("NOT LISTENING"), "\(daemon.stderr)")
        // the step really reached the process: its journal-form lines carry no time, but the status line's mute
        // check and the metrics use the wall clock; the alert times would show it. Here: it kept listening.
        #expect(notify.statuses.last?.contains("listening on default") == true, "\(notify.statuses.suffix(3))")
    }
}
