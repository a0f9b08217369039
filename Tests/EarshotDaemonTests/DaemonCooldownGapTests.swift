import Foundation
import Testing

/// The cooldown is at most one page per `cooldown` seconds of real time, also across a stretch without audio:
/// a device that stalls after an alert and comes back must not hold back the next shot because too little
/// *audio* lies between them (a black-box test found a shot 25 s after the page, 20 s of them a stalled
/// capture, not paged).
@Suite(.serialized) struct DaemonCooldownGapTests {
    /// Two shots 2 s of audio apart, cooldown 3 s, through the ALSA `file` plugin reading a FIFO at real time:
    /// written in one piece, the second is held back by the cooldown (the signal does fire, and the cooldown
    /// holds); written with 4 s of silence from the device between the pieces, both page.
    @Test func aShotAfterTimeWithoutAudioPages() throws {
        for stall in [false, true] {
            let run = try DaemonRun()
            let fifo = try FifoCapture(dir: run.dir)
            let piece = DaemonTestSignals.recording(seconds: 2, shots: [0.5])      // 64 KB: the pipe's buffer
            let pages = run.dir.appendingPathComponent("pages.txt")
            let hook = try HookFixture.script(run.dir, "page.sh", "echo \"$EARSHOT_EVENT_ID\" >> '\(pages.path)'")
            let config = try run.writeConfig(extra: "hook:\n  path: \(hook)", cooldown: 3)
            try fifo.write(piece)
            let notify = try NotifySocket()
            let daemon = try DaemonProcess(args: ["--config", config.path, "--pace", "1"],
                                           environment: ["NOTIFY_SOCKET": notify.path, "ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
            #expect(notify.wait(timeout: 15) { $0.contains("READY=1") } != nil, "READY=1; stderr:\n\(daemon.stderr)")
            #expect(fifo.waitDrained(timeout: 15), "the first piece was read")
            if stall { Thread.sleep(forTimeInterval: 4) }                        // the device delivers nothing
            try fifo.write(piece)
            #expect(fifo.waitDrained(timeout: 15), "the second piece was read")
            func lines() -> [String] { ((try? String(contentsOf: pages, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
            let deadline = Date().addingTimeInterval(10)
            while lines().count < 2 && Date() < deadline && !(lines().count == 1 && daemon.stderr.contains("not paged")) { Thread.sleep(forTimeInterval: 0.1) }
            Thread.sleep(forTimeInterval: 0.5)
            try fifo.close()
            daemon.signal(SIGTERM)
            #expect(daemon.waitExit(timeout: 30) == 0, "stderr:\n\(daemon.stderr)")
            if stall {
                #expect(lines().count == 2, "4 s without audio ran the 3 s cooldown on: both shots paged: \(lines())\nstderr:\n\(daemon.stderr)")
            } else {
                #expect(lines().count == 1 && daemon.stderr.contains("not paged: one alert per cooldown (3 s)"),
                        "in one piece, the second shot falls in the cooldown: \(lines())\nstderr:\n\(daemon.stderr)")
            }
        }
    }
}
