import EarshotDSP
import Foundation
import Testing

/// earshotd's threads as the kernel sees them (/proc/PID/task/TID/stat and comm), under `nice -n -5` as the unit's
/// `Nice=-5`: the detection loop — features, CNN, decision rule — runs on a thread of its own, `earshot-detect`, at
/// the process's nice, and not on libdispatch's pool threads (`…root.default-qos`), which libdispatch renices to 0.
/// Before `DetectionThread`, the loop ran on those, so the unit's nice never reached the detector.
@Suite struct DaemonThreadsTests {
    struct Task { var name: String; var nice: Int; var ticks: Int }

    /// Every thread of `pid` now: name, nice and CPU ticks (utime + stime; fields 14, 15 and 19 of stat(5)).
    static func threads(_ pid: Int32) -> [Int32: Task] {
        let dir = "/proc/\(pid)/task"
        var out: [Int32: Task] = [:]
        for tid in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            guard let stat = try? String(contentsOfFile: "\(dir)/\(tid)/stat", encoding: .utf8),
                  let comm = try? String(contentsOfFile: "\(dir)/\(tid)/comm", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"), let id = Int32(tid) else { continue }
            let f = stat[stat.index(after: close)...].split(separator: " ")   // f[0] is the state, field 3
            guard f.count > 16, let u = Int(f[11]), let s = Int(f[12]), let n = Int(f[16]) else { continue }
            out[id] = Task(name: comm.trimmingCharacters(in: .newlines), nice: n, ticks: u + s)
        }
        return out
    }

    @Test func detectionRunsOnItsOwnThreadAtTheProcessNice() throws {
        var run = try DaemonRun()
        run.model = TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors")   // the real CNN's work
        let wav = run.dir.appendingPathComponent("replay.wav")
        try AudioFileWriter.writeWAV16(DaemonTestSignals.recording(seconds: 20, shots: [5, 14]), sampleRate: 16_000, to: wav)
        let config = try run.writeConfig()
        let p = try DaemonProcess(executable: URL(fileURLWithPath: "/usr/bin/nice"),
                                  args: ["-n", "-5", try DaemonProcess.requireBinary().path, "--config", config.path, "--replay", wav.path, "--pace", "4"],
                                  environment: [:], dir: run.dir)
        // each thread's last look before the process ends (threads come and go; ticks only grow)
        var seen: [Int32: Task] = [:]
        let giveUp = Date().addingTimeInterval(300)   // a hung earshotd is killed by waitExit below, not waited on
        while p.isRunning && Date() < giveUp {
            for (tid, t) in Self.threads(p.pid) { seen[tid] = t }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(p.waitExit(timeout: 1) == 0, "stderr:\n\(p.stderr)")
        let process = try #require(seen[p.pid], "the main thread was never seen")
        let root = geteuid() == 0
        if root { #expect(process.nice == -5, "nice -n -5 did not take: \(process)") }
        let capture = seen.values.filter { $0.name == "earshot-capture" }
        #expect(capture.count == 1 && capture.allSatisfy { $0.nice == process.nice }, "capture: \(capture)")
        // a thread starts with its creator's name: one the detection thread starts (the capture thread, a pool
        // thread libdispatch adds) can be seen as "earshot-detect" before it names itself, so the busiest of them
        guard let d = seen.values.filter({ $0.name == "earshot-detect" }).max(by: { $0.ticks < $1.ticks }) else {
            Issue.record("no earshot-detect thread: \(seen.values.map(\.name).sorted())")
            return
        }
        #expect(d.nice == process.nice, "the detection thread runs at nice \(d.nice), the process at \(process.nice)")
        // the loop's work is there: more CPU than all of libdispatch's pool threads together
        let pool = seen.values.filter { $0.name.contains("qos") }
        let poolTicks = pool.map(\.ticks).reduce(0, +)
        #expect(d.ticks > 0 && d.ticks > poolTicks, "earshot-detect \(d.ticks) ticks, the pool's \(pool.count) threads \(poolTicks)")
        // and the pool's threads are what the loop avoids: libdispatch renices them (to 0 from -5, as root)
        if root { #expect(pool.contains { $0.nice != process.nice }, "pool threads: \(pool)") }
    }
}
