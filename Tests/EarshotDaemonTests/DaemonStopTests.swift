import Foundation
import Testing

/// A graceful stop (SIGTERM) with hooks that hang: earshotd says STOPPING=1 at once, starts no retry once stopping,
/// gives hooks one deadline (`StopBudget`, 15 s) well inside the unit's TimeoutStopSec=30s, kills the process group
/// of every hook run still going on then — nothing it started outlives earshotd — and names those runs in the log.
@Suite(.serialized) struct DaemonStopTests {
    /// systemd/earshot.service's TimeoutStopSec= (in seconds): systemd SIGKILLs a stop that takes longer.
    static var timeoutStopSec: Double {
        let unit = (try? String(contentsOf: TestPaths.repo.appendingPathComponent("systemd/earshot.service"), encoding: .utf8)) ?? ""
        let line = unit.split(separator: "\n").first { $0.hasPrefix("TimeoutStopSec=") }
        return line.flatMap { Double($0.dropFirst("TimeoutStopSec=".count).replacingOccurrences(of: "s", with: "")) } ?? 0
    }

    /// Whether `pid` is a live process (a zombie left to an init that does not reap is not).
    static func alive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    static func pids(_ u: URL) -> [Int32] {
        ((try? String(contentsOf: u, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    @Test func aStopWithHangingHooksEndsWithinTheUnitsTimeoutAndLeavesNoHookBehind() throws {
        let dir = TestPaths.tempDir("stop-hooks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pidFile = dir.appendingPathComponent("pids.txt"), attempts = dir.appendingPathComponent("attempts.txt")
        // fails at once: its retry would come 4 s later, inside the stop
        let failing = try HookFixture.script(dir, "fail.sh", "echo \"$EARSHOT_ATTEMPT\" >> '\(attempts.path)'\nexit 1")
        // ignores SIGTERM, as does its child: only SIGKILL of the process group ends them
        let hang = try HookFixture.script(dir, "hang.sh", "trap '' TERM\necho $$ >> '\(pidFile.path)'\nsleep 1000 &\necho $! >> '\(pidFile.path)'\nwait")
        // dies on SIGTERM, but leaves a child that ignores it in its process group
        let leaves = try HookFixture.script(dir, "leaves.sh", "(trap '' TERM; exec sleep 1000) &\necho $! >> '\(pidFile.path)'\necho $$ >> '\(pidFile.path)'\nsleep 1000")
        let prom = dir.appendingPathComponent("earshot.prom")
        let live = try DaemonNotifyTests.Live(seconds: 40, shots: [1.0], extra: """
            hook:
              path: \(failing)
              retries: 3
              retry_delay: 4
            incident_hook:
              path: \(hang)
              timeout: 60
            clip_hook:
              path: \(leaves)
              timeout: 60
            """, clips: ["enabled: true", "directory: \(dir.appendingPathComponent("clips").path)", "pre_roll: 1", "post_roll: 1"],
            metrics: ["path: \(prom.path)"])
        #expect(live.notify.wait(timeout: 15, for: DaemonNotifyTests.has("READY=1")) != nil, "READY=1; stderr:\n\(live.daemon.stderr)")
        // the alert's hook failed once; the incident hook and the clip hook run (2 pids each)
        let started = live.notify.wait(timeout: 20) { _ in Self.pids(pidFile).count >= 4 && live.daemon.stderr.contains("retrying in 4 s") }
        try #require(started != nil || (Self.pids(pidFile).count >= 4 && live.daemon.stderr.contains("retrying in 4 s")),
                     "hooks running: \(Self.pids(pidFile)); stderr:\n\(live.daemon.stderr)")
        let hookPids = Self.pids(pidFile)

        let limit = Self.timeoutStopSec
        try #require(limit > 0, "TimeoutStopSec= in systemd/earshot.service")
        let sent = Date()
        live.daemon.signal(SIGTERM)
        // STOPPING=1 while the hooks still run: at the stop's start, not after waiting for them
        #expect(live.notify.wait(timeout: 10, for: DaemonNotifyTests.has("STOPPING=1")) != nil, "STOPPING=1; stderr:\n\(live.daemon.stderr)")
        #expect(hookPids.allSatisfy(Self.alive) && live.daemon.isRunning, "STOPPING=1 came before the hooks were ended: \(hookPids.map { ($0, Self.alive($0)) })")
        let code = live.daemon.waitExit(timeout: limit + 10)
        let took = Date().timeIntervalSince(sent)
        let err = live.daemon.stderr
        #expect(code == 0, "graceful exit; stderr:\n\(err)")
        #expect(took < limit, "the stop took \(took) s, past the unit's TimeoutStopSec=30s; stderr:\n\(err)")
        // nothing the hooks started outlives earshotd (the pids of runs begun during the stop included)
        let all = Self.pids(pidFile)
        let left = all.filter(Self.alive)
        for p in left { kill(p, SIGKILL) }
        #expect(left.isEmpty, "hook processes left running after earshotd exited: \(left) of \(all); stderr:\n\(err)")
        // no retry started after SIGTERM
        let tried = ((try? String(contentsOf: attempts, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(tried == ["1"], "attempts of the failing hook: \(tried); stderr:\n\(err)")
        #expect(!err.contains("attempt 2 of 4"), "\(err)")
        // the journal says which runs were cut short, and what was not retried
        #expect(err.contains("incident_hook for incident ") && err.contains("was cut short after"), "\(err)")
        #expect(err.contains("clip_hook for event ") && err.contains("hook run(s) still going on after 15 s were cut short"), "\(err)")
        #expect(err.contains("stopping with 1 hook run(s) still waiting to retry") || err.contains("hook attempt 2 for "), "\(err)")
        // the writers' last flush ran before the exit
        #expect(((try? String(contentsOf: prom, encoding: .utf8)) ?? "").contains("\nearshot_running 0\n"), "the metrics file says it stopped")
    }
}
