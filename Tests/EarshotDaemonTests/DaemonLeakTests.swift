import EarshotDSP
import Foundation
import Testing

/// An always-on service must not grow with every alert: 120 planted shots through the real ALSA path (the
/// file plugin, unpaced), each one an alert with an evidence clip and a hook run; the daemon's open file
/// descriptors and resident memory are sampled from /proc while it runs. A descriptor leaked per alert (a
/// hook's pipe, a clip file) or a clip's buffer kept per alert (≥ 64 KB: 2 s of 16-bit audio, ≈ 4.5 MB over the
/// ≈ 70 alerts between the two windows) would show; measured growth is a few KB (47,192 → 47,200 KB).
/// (The 24-hour soak of docs/benchmarks/daemon.md is the long version.)
@Suite(.serialized) struct DaemonLeakTests {
    struct Sample { var hooks: Int; var fds: Int; var rssKB: Int }

    static func sample(pid: Int32, hooks: Int) -> Sample? {
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count,
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return Sample(hooks: hooks, fds: fds, rssKB: kb)
    }

    @Test func manyAlertsLeakNoDescriptorsAndNoMemory() throws {
        let run = try DaemonRun()
        let shots = (0..<120).map { 2.0 + 4.0 * Double($0) }
        let seconds = shots.last! + 3
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: seconds, shots: shots), rate: 16_000, dir: run.dir)
        let asound = try fx.writeConfigFile(in: run.dir)
        let hookLog = run.dir.appendingPathComponent("hook.log")
        let hook = run.dir.appendingPathComponent("hook.sh")
        try "#!/bin/sh\ncat > /dev/null\necho \"$EARSHOT_EVENT_ID\" >> \(hookLog.path)\n".write(to: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)
        let clips = run.dir.appendingPathComponent("clips")
        let cfg = run.dir.appendingPathComponent("leak.yaml")
        try """
        device: default
        model: \(run.model.path)
        cooldown: 1
        hook:
          path: \(hook.path)
        clips:
          directory: \(clips.path)
          pre_roll: 1
          post_roll: 1
          max_count: 10
        metrics:
          enabled: false
        scores:
          directory: \(run.dir.appendingPathComponent("scores").path)
        """.write(to: cfg, atomically: true, encoding: .utf8)

        let p = try DaemonProcess(args: ["--config", cfg.path, "--max-frames", String(fx.frames), "--exit-at-end"],
                                  environment: ["ALSA_CONFIG_PATH": asound.path, "OPENBLAS_NUM_THREADS": "1"], dir: run.dir)
        var samples: [Sample] = []
        let deadline = Date().addingTimeInterval(600)
        while p.isRunning && Date() < deadline {
            let hooks = ((try? String(contentsOf: hookLog, encoding: .utf8)) ?? "").split(separator: "\n").count
            if let s = Self.sample(pid: p.pid, hooks: hooks) { samples.append(s) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let status = p.waitExit(timeout: 30)
        #expect(status == 0, "stderr:\n\(p.stderr.suffix(2000))")
        let hooks = ((try? String(contentsOf: hookLog, encoding: .utf8)) ?? "").split(separator: "\n").count
        #expect(hooks == shots.count, "one hook run per planted shot")
        let kept = (try? FileManager.default.contentsOfDirectory(atPath: clips.path).filter { $0.hasSuffix(".wav") }.count) ?? 0
        #expect(kept == 10, "retention keeps the newest 10 clips")

        // early: alerts 10…30 (after warm-up); late: from alert 100 on — the least each window saw, so a hook
        // or clip in flight at one sample does not count
        let early = samples.filter { (10...30).contains($0.hooks) }, late = samples.filter { $0.hooks >= 100 }
        #expect(early.count >= 3 && late.count >= 3, "samples early \(early.count), late \(late.count)")
        guard let e = early.map(\.fds).min(), let l = late.map(\.fds).min(),
              let eRSS = early.map(\.rssKB).max(), let lRSS = late.map(\.rssKB).max() else { return }
        #expect(l <= e + 2, "open descriptors grew from \(e) to \(l) over ≈ 80 alerts")
        #expect(lRSS - eRSS < 2 * 1024, "resident memory grew from \(eRSS) KB to \(lRSS) KB over ≈ 80 alerts")
        print("leak test: \(samples.count) samples; fds \(e) → \(l); RSS \(eRSS) → \(lRSS) KB; \(hooks) hooks")
    }
}
