import Foundation
import Testing

/// One earshotd per config (`PlaceLocks`): a second one on the same places refuses to start, naming the first's
/// PID, while daemons with places of their own run side by side; and a clips directory that cannot be made is said
/// at start, in plain words naming the key.
@Suite(.serialized) struct DaemonPlaceLockTests {
    static let ready = DaemonNotifyTests.has("READY=1")

    /// earshotd on `live`'s config and recording, under a notify socket of its own.
    static func another(_ live: DaemonNotifyTests.Live, _ notify: NotifySocket) throws -> DaemonProcess {
        try DaemonProcess(args: ["--config", live.config.path, "--pace", "1"],
                          environment: ["NOTIFY_SOCKET": notify.path, "ALSA_CONFIG_PATH": live.run.dir.appendingPathComponent("asound-16000.conf").path],
                          dir: live.run.dir)
    }

    @Test func aSecondDaemonOnTheSamePlacesRefusesToStartAndTheLockDiesWithTheFirst() throws {
        let dir = TestPaths.tempDir("lock")
        defer { try? FileManager.default.removeItem(at: dir) }
        // the hook leaves a process behind (in the background, as the README suggests for a slow part): it must not
        // inherit the lock and keep it after earshotd is gone
        let leftover = dir.appendingPathComponent("leftover.txt")
        let hook = try HookFixture.script(dir, "hook.sh", "sleep 120 </dev/null >/dev/null 2>&1 &\necho $! >> '\(leftover.path)'")
        let live = try DaemonNotifyTests.Live(seconds: 30, shots: [1.0], extra: "hook:\n  path: \(hook)",
                                              scores: ["directory: \(dir.appendingPathComponent("scores").path)"],
                                              metrics: ["path: \(dir.appendingPathComponent("earshot.prom").path)"])
        defer { for p in DaemonStopTests.pids(leftover) { kill(p, SIGKILL) } }
        #expect(live.notify.wait(timeout: 15, for: Self.ready) != nil, "the first starts; stderr:\n\(live.daemon.stderr)")
        live.notify.wait(timeout: 15) { _ in !DaemonStopTests.pids(leftover).isEmpty }
        let kept = DaemonStopTests.pids(leftover)
        try #require(kept.count == 1, "the hook ran and left a process: \(kept); stderr:\n\(live.daemon.stderr)")

        let notify2 = try NotifySocket()
        let second = try Self.another(live, notify2)
        let status = second.waitExit(timeout: 30)
        #expect(status != nil && status != 0, "the second exits with an error: \(String(describing: status)); stderr:\n\(second.stderr)")
        #expect(second.stderr.contains("another earshotd (PID \(live.daemon.pid)) already runs with scores.directory \(dir.path)/scores"), "\(second.stderr)")
        #expect(second.stderr.contains("kill \(live.daemon.pid)") && second.stderr.contains("give this config its own"), "the message names the fix: \(second.stderr)")
        #expect(notify2.wait(timeout: 0.5, for: Self.ready) == nil, "the second never said READY=1")
        #expect(live.daemon.isRunning, "the first runs on")

        #expect(live.stop() == 0, "stderr:\n\(live.daemon.stderr)")
        #expect(DaemonStopTests.alive(kept[0]), "the hook's leftover process outlives the first earshotd (the lock must not)")
        let notify3 = try NotifySocket()
        let third = try Self.another(live, notify3)
        #expect(notify3.wait(timeout: 15, for: Self.ready) != nil, "once the first is gone another starts on its places; stderr:\n\(third.stderr)")
        third.signal(SIGTERM)
        #expect(third.waitExit(timeout: 25) == 0, "stderr:\n\(third.stderr)")
    }

    /// Two detectors with places of their own (instances, the tests' own daemons) never meet.
    @Test func daemonsWithTheirOwnPlacesRunSideBySide() throws {
        let a = TestPaths.tempDir("lock-a"), b = TestPaths.tempDir("lock-b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        func places(_ d: URL) -> (scores: [String], metrics: [String], clips: [String]) {
            (["directory: \(d.appendingPathComponent("scores").path)"], ["path: \(d.appendingPathComponent("earshot.prom").path)"],
             ["enabled: true", "directory: \(d.appendingPathComponent("clips").path)"])
        }
        let (sa, ma, ca) = places(a), (sb, mb, cb) = places(b)
        let one = try DaemonNotifyTests.Live(seconds: 10, clips: ca, scores: sa, metrics: ma)
        let two = try DaemonNotifyTests.Live(seconds: 10, clips: cb, scores: sb, metrics: mb)
        #expect(one.notify.wait(timeout: 15, for: Self.ready) != nil, "stderr:\n\(one.daemon.stderr)")
        #expect(two.notify.wait(timeout: 15, for: Self.ready) != nil, "stderr:\n\(two.daemon.stderr)")
        #expect(one.daemon.isRunning && two.daemon.isRunning)
        #expect(one.stop() == 0 && two.stop() == 0)
    }

    /// A reload (SIGHUP) that would move a daemon onto places another earshotd holds is rejected before anything
    /// changes (a black-box re-check found the lock taken at start only: the reloaded daemon wrote its score log
    /// beside the other's); a reload onto free places moves the claim, letting the old places go.
    @Test func aReloadOntoAnotherDaemonsPlacesIsRejected() throws {
        let a = TestPaths.tempDir("lock-ra"), b = TestPaths.tempDir("lock-rb")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        func scores(_ d: URL, _ name: String = "scores") -> [String] { ["directory: \(d.appendingPathComponent(name).path)"] }
        let one = try DaemonNotifyTests.Live(seconds: 20, scores: scores(a))
        let two = try DaemonNotifyTests.Live(seconds: 20, scores: scores(b))
        #expect(one.notify.wait(timeout: 15, for: Self.ready) != nil, "stderr:\n\(one.daemon.stderr)")
        #expect(two.notify.wait(timeout: 15, for: Self.ready) != nil, "stderr:\n\(two.daemon.stderr)")
        /// Whether another process holds `dir`'s lock file (flock from this process fails with EWOULDBLOCK).
        func held(_ dir: URL) -> Bool {
            let fd = open(dir.appendingPathComponent(".earshotd.lock").path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            return flock(fd, LOCK_EX | LOCK_NB) != 0
        }
        #expect(held(a.appendingPathComponent("scores")) && held(b.appendingPathComponent("scores")))

        let yaml = try String(contentsOf: two.config, encoding: .utf8)
        func reload(to dir: String) throws {
            try yaml.replacingOccurrences(of: b.appendingPathComponent("scores").path, with: dir).write(to: two.config, atomically: true, encoding: .utf8)
            let before = two.notify.count("READY=1")
            two.daemon.signal(SIGHUP)
            #expect(two.notify.wait(timeout: 10) { _ in two.notify.count("READY=1") > before } != nil, "the reload ends with READY=1; stderr:\n\(two.daemon.stderr)")
        }
        try reload(to: a.appendingPathComponent("scores").path)
        #expect(two.daemon.stderr.contains("reload rejected, keeping the running configuration: another earshotd (PID \(one.daemon.pid)) already runs with scores.directory \(a.path)/scores"),
                "\(two.daemon.stderr)")
        #expect(held(b.appendingPathComponent("scores")), "the rejected reload keeps its own places")
        #expect(!two.daemon.stderr.contains("configuration reloaded"))

        try reload(to: b.appendingPathComponent("scores2").path)
        #expect(two.daemon.stderr.contains("configuration reloaded"), "\(two.daemon.stderr)")
        #expect(held(b.appendingPathComponent("scores2")) && !held(b.appendingPathComponent("scores")), "the claim moved with the reload")
        #expect(one.stop() == 0 && two.stop() == 0)
    }

    /// A clips directory below a regular file: said at start, before READY, as the other places' problems are
    /// (the key, the failed call, the fix), and the failed clip of the alert in the same plain words.
    @Test func aClipsDirectoryThatCannotBeMadeIsSaidAtStartInPlainWords() throws {
        let dir = TestPaths.tempDir("lock-clips")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("afile")
        try Data("x".utf8).write(to: file)
        let clips = file.appendingPathComponent("clips").path
        let live = try DaemonNotifyTests.Live(seconds: 10, shots: [1.0], clips: ["enabled: true", "directory: \(clips)", "pre_roll: 1", "post_roll: 1"])
        #expect(live.notify.wait(timeout: 15, for: Self.ready) != nil, "a clips problem does not stop the start; stderr:\n\(live.daemon.stderr)")
        let atStart = "clips.directory: mkdir(\(clips)) failed: Not a directory; make clips.directory a directory the daemon can write"
        let err0 = live.daemon.stderr   // as READY=1 came: written before it was sent
        #expect(err0.contains(atStart), "said before READY=1:\n\(err0)")
        live.notify.wait(timeout: 15) { _ in live.daemon.stderr.contains("could not be written") }
        #expect(live.stop() == 0)
        let err = live.daemon.stderr
        #expect(err.contains("ALERT MESSAGE=Gunshot detected"), "alerts go on: \(err)")
        #expect(err.contains("could not be written: mkdir(\(clips)) failed: Not a directory; make clips.directory"), "\(err)")
        #expect(!err.contains("Error Domain") && !err.contains("NSCocoaErrorDomain"), "no Foundation dump: \(err)")
        let alert = err.split(separator: "\n").first { $0.contains("ALERT MESSAGE=Gunshot detected") } ?? ""
        #expect(!alert.contains("EARSHOT_CLIP="), "no clip path promised that will never exist: \(alert)")
    }
}
