import Foundation
import Testing
@testable import EarshotDaemon

// Serialized: HookRunner sets SIGPIPE to ignored (process-wide state), and the timing checks are steadier alone.
@Suite("HookRunner: real hook processes", .serialized)
struct HookRunnerTests {
    @Test("hook gets the event in its environment and as JSON on stdin, in its own process group, with no shell interpolation")
    func envAndStdin() throws {
        let dir = TestPaths.tempDir("hook-env")
        let out = dir.appendingPathComponent("out")
        let hook = try HookFixture.script(dir, "hook.sh", """
            env > '\(out.path).env'
            cat > '\(out.path).json'
            echo "$$ $(cut -d' ' -f5 /proc/$$/stat)" > '\(out.path).pgid'
            """)
        let log = LogCapture()
        let results = Collected<HookResult>()
        let runner = HookRunner(settings: HookSettings(path: hook), host: "venue-box", logger: log.logger,
                                onFinish: { results.add($0) })
        let evil = "hw:0; touch \(dir.path)/pwned $(id) `id`"
        let place = "Hall \"B\" $(id); level 1"
        #expect(runner.submit(HookFixture.alert("ev-1", device: evil, location: place, clip: "/var/lib/earshot/clips/x.wav")))
        #expect(runner.waitIdle(timeout: 10))
        let r = try #require(results.all.first)
        #expect(r.succeeded, "\(r.summary)")

        let env = try String(contentsOf: URL(fileURLWithPath: out.path + ".env"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(env.contains("EARSHOT_EVENT_ID=ev-1"))
        #expect(env.contains("EARSHOT_SCORE=0.973"))
        #expect(env.contains("EARSHOT_START=2025-11-25T08:23:20.125Z"))
        #expect(env.contains("EARSHOT_DEVICE=\(evil)"))
        #expect(env.contains("EARSHOT_LOCATION=\(place)"))
        #expect(env.contains("EARSHOT_CLIP=/var/lib/earshot/clips/x.wav") && env.contains("EARSHOT_CLIP_READY=0"), "the alert's hook runs before the clip is written")
        #expect(env.contains("EARSHOT_HOST=venue-box"))
        #expect(env.contains("EARSHOT_TEST=0"))
        #expect(env.contains { $0.hasPrefix("PATH=") })
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("pwned").path))

        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out.path + ".json"))) as? [String: Any])
        #expect(json["event_id"] as? String == "ev-1")
        #expect(abs((json["score"] as? Double ?? 0) - 0.973) < 1e-9)
        #expect(json["start"] as? String == "2025-11-25T08:23:20.125Z")
        #expect(json["device"] as? String == evil)
        #expect(json["location"] as? String == place)
        #expect(json["clip"] as? String == "/var/lib/earshot/clips/x.wav" && json["clip_ready"] as? Bool == false)
        #expect(json["host"] as? String == "venue-box")
        #expect(json["test"] as? Bool == false)

        let pg = try String(contentsOf: URL(fileURLWithPath: out.path + ".pgid"), encoding: .utf8).split(separator: " ")
        #expect(pg.count == 2 && pg[0] == pg[1].trimmingCharacters(in: .whitespacesAndNewlines), "hook must lead its own process group: \(pg)")
        #expect(r.exitCode == 0 && r.pid != nil)
        #expect(log.messages(.info).contains { $0.contains("ev-1") && $0.contains("status 0") })
    }

    @Test("clip_hook's runs say the clip is written: EARSHOT_CLIP_READY=1 and clip_ready:true, the alert's data alike")
    func clipReady() throws {
        let payload = HookPayload(alert: HookFixture.alert("ev-2", clip: "/var/lib/earshot/clips/y.wav"), host: "h", clipReady: true)
        let env = payload.environment()
        #expect(env.contains("EARSHOT_CLIP_READY=1") && env.contains("EARSHOT_CLIP=/var/lib/earshot/clips/y.wav") && env.contains("EARSHOT_EVENT_ID=ev-2"))
        let json = try #require(JSONSerialization.jsonObject(with: payload.json()) as? [String: Any])
        #expect(json["clip_ready"] as? Bool == true && json["event_id"] as? String == "ev-2")
        // a final failure loses no page, only the clip's delivery: said so
        var r = HookResult(eventID: "ev-2")
        r.section = "clip_hook"; r.exitCode = 1; r.lostWhenGivenUp = DaemonConfig().clipHook.lostWhenGivenUp
        #expect(r.gaveUp && r.summary.contains("giving up — the clip is on the box only"), "\(r.summary)")
    }

    @Test("test alerts are marked EARSHOT_TEST=1 and test:true")
    func testMarker() throws {
        let dir = TestPaths.tempDir("hook-test")
        let out = dir.appendingPathComponent("t")
        let hook = try HookFixture.script(dir, "hook.sh", "echo \"$EARSHOT_TEST\" > '\(out.path)'; cat >> '\(out.path)'")
        let runner = HookRunner(settings: HookSettings(path: hook), logger: LogCapture().logger)
        runner.submit(HookFixture.alert("drill", test: true))
        #expect(runner.waitIdle(timeout: 10))
        let text = try String(contentsOf: out, encoding: .utf8)
        #expect(text.hasPrefix("1\n"))
        #expect(text.contains("\"test\":true"))
    }

    @Test("a hook that hangs is killed at the timeout (with its children) while the next event's hook runs on time")
    func timeout() throws {
        let dir = TestPaths.tempDir("hook-timeout")
        let hook = try HookFixture.script(dir, "hook.sh", """
            if [ "$EARSHOT_EVENT_ID" = hang ]; then
              sleep 1000 & echo $! > '\(dir.path)/child.pid'
              echo "hanging" >&2
              wait
            fi
            date +%s.%N > '\(dir.path)/second.done'
            """)
        let results = Collected<HookResult>()
        let runner = HookRunner(settings: HookSettings(path: hook, timeout: 1.5, killAfter: 0.5, retries: 0),
                                logger: LogCapture().logger, onFinish: { results.add($0) })
        let t0 = Date()
        runner.submit(HookFixture.alert("hang"))
        usleep(100_000)
        runner.submit(HookFixture.alert("second"))
        #expect(Date().timeIntervalSince(t0) < 0.5, "submit must not wait for hooks")
        let first = results.wait(count: 1, timeout: 5)
        #expect(first.first?.eventID == "second", "second event's hook must finish while the first still hangs")
        print(String(format: "second hook done %.3f s after the first (hanging) was submitted; its run took %.3f s", Date().timeIntervalSince(t0), first.first?.seconds ?? -1))
        #expect(Date().timeIntervalSince(t0) < 1.4)
        let all = results.wait(count: 2, timeout: 10)
        let hung = try #require(all.first { $0.eventID == "hang" })
        #expect(hung.timedOut)
        #expect(hung.signal == SIGTERM)
        #expect(hung.seconds >= 1.4 && hung.seconds < 4, "killed at the timeout, took \(hung.seconds) s")
        #expect(hung.stderrTail == "hanging")
        // The hook's own child went down with its process group.
        let childPID = try Int32(#require(Int32(String(contentsOfFile: dir.path + "/child.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))))
        usleep(200_000)
        let stat = (try? String(contentsOfFile: "/proc/\(childPID)/stat", encoding: .utf8)) ?? ""
        #expect(stat.isEmpty || stat.contains(") Z "), "grandchild \(childPID) still alive: \(stat)")
    }

    @Test("a hook that ignores SIGTERM gets SIGKILL after kill_after")
    func sigkill() throws {
        let dir = TestPaths.tempDir("hook-kill")
        let hook = try HookFixture.script(dir, "hook.sh", "trap '' TERM\nsleep 1000")
        let results = Collected<HookResult>()
        let runner = HookRunner(settings: HookSettings(path: hook, timeout: 0.5, killAfter: 0.5, retries: 0),
                                logger: LogCapture().logger, onFinish: { results.add($0) })
        runner.submit(HookFixture.alert("stubborn"))
        let r = try #require(results.wait(count: 1, timeout: 5).first)
        #expect(r.timedOut && r.signal == SIGKILL)
        #expect(r.seconds >= 0.9 && r.seconds < 3)
    }

    @Test("a missing, non-executable or broken hook is logged with the fix and the next alert still runs")
    func missingHook() throws {
        let dir = TestPaths.tempDir("hook-missing")
        let log = LogCapture()
        let results = Collected<HookResult>()
        let missing = HookRunner(settings: HookSettings(path: dir.path + "/nope.sh", retries: 0), logger: log.logger, onFinish: { results.add($0) })
        missing.submit(HookFixture.alert("a1"))
        missing.submit(HookFixture.alert("a2"))
        #expect(missing.waitIdle(timeout: 5))
        #expect(results.all.count == 2)
        #expect(results.all.allSatisfy { $0.spawnError?.contains("does not exist") == true })
        #expect(log.messages(.error).filter { $0.contains("hook.path") && $0.contains("nope.sh") }.count == 2)

        let plain = try HookFixture.script(dir, "plain.sh", "exit 0", mode: 0o644)
        let notExec = HookRunner(settings: HookSettings(path: plain, retries: 0), logger: log.logger, onFinish: { results.add($0) })
        notExec.submit(HookFixture.alert("a3"))
        #expect(notExec.waitIdle(timeout: 5))
        #expect(results.all.last?.spawnError?.contains("chmod +x") == true)

        let badInterp = dir.appendingPathComponent("bad.sh")
        try "#!/nonexistent/interpreter\n".write(to: badInterp, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: badInterp.path)
        let broken = HookRunner(settings: HookSettings(path: badInterp.path, retries: 0), logger: log.logger, onFinish: { results.add($0) })
        broken.submit(HookFixture.alert("a4"))
        #expect(broken.waitIdle(timeout: 5))
        let r4 = try #require(results.all.last)
        #expect(r4.eventID == "a4" && r4.spawnError?.contains("posix_spawn") == true, "\(r4.summary)")
        #expect(broken.stats.failed == 1)

        // The runner is still usable: a good hook after the failures succeeds.
        let good = try HookFixture.script(dir, "good.sh", "exit 0")
        let ok = HookRunner(settings: HookSettings(path: good), logger: log.logger, onFinish: { results.add($0) })
        ok.submit(HookFixture.alert("a5"))
        #expect(ok.waitIdle(timeout: 5))
        #expect(results.all.last?.succeeded == true)
    }

    @Test("more events than the cap never pile up processes: the excess queues, then is dropped and logged")
    func cap() throws {
        let dir = TestPaths.tempDir("hook-cap")
        let hook = try HookFixture.script(dir, "capped-hook.sh", "sleep 1")
        let log = LogCapture()
        let runner = HookRunner(settings: HookSettings(path: hook, maxConcurrent: 2, maxQueued: 3), logger: log.logger)
        let t0 = Date()
        let accepted = (0..<10).map { runner.submit(HookFixture.alert("c\($0)")) }
        let submitTime = Date().timeIntervalSince(t0)
        print(String(format: "10 submits (2 started, 3 queued, 5 dropped) took %.1f µs in total", submitTime * 1e6))
        #expect(submitTime < 0.5)
        #expect(accepted.filter { $0 }.count == 5)
        #expect(runner.stats.dropped == 5)
        var peak = 0
        let end = Date(timeIntervalSinceNow: 2.5)
        while Date() < end {
            peak = max(peak, HookFixture.processCount(containing: "capped-hook.sh"))
            usleep(20_000)
        }
        #expect(peak >= 1 && peak <= 2, "peak hook processes \(peak)")
        #expect(runner.waitIdle(timeout: 10))
        #expect(runner.stats.started == 5 && runner.stats.succeeded == 5)
        #expect(log.messages(.error).filter { $0.contains("dropped") }.count == 5)
    }

    @Test("a hook flooding stderr neither blocks nor grows memory: the tail is kept and the status logged")
    func flood() throws {
        let dir = TestPaths.tempDir("hook-flood")
        let hook = try HookFixture.script(dir, "hook.sh", "head -c 30000000 /dev/zero | tr '\\0' x >&2\necho ' END' >&2\nexit 3")
        let log = LogCapture()
        let results = Collected<HookResult>()
        let runner = HookRunner(settings: HookSettings(path: hook, stderrTailBytes: 1024, retries: 0), logger: log.logger,
                                onFinish: { results.add($0) })
        runner.submit(HookFixture.alert("flood"))
        let r = try #require(results.wait(count: 1, timeout: 20).first)
        print(String(format: "flood hook: %d bytes of stderr drained in %.2f s", r.stderrBytes, r.seconds))
        #expect(r.exitCode == 3 && !r.timedOut)
        #expect(r.stderrBytes == 30_000_005)
        #expect(r.stderrTail.utf8.count <= 1024 && r.stderrTail.hasSuffix("x END"))
        #expect(log.messages(.error).contains { $0.contains("status 3") && $0.hasSuffix("x END") })
    }

    @Test("a hook that floods stderr forever is still killed at the timeout")
    func endlessFlood() throws {
        let dir = TestPaths.tempDir("hook-endless")
        let hook = try HookFixture.script(dir, "hook.sh", "yes 'spam spam spam' >&2")
        let results = Collected<HookResult>()
        let runner = HookRunner(settings: HookSettings(path: hook, timeout: 1, killAfter: 0.5, stderrTailBytes: 64, retries: 0),
                                logger: LogCapture().logger, onFinish: { results.add($0) })
        runner.submit(HookFixture.alert("endless"))
        let r = try #require(results.wait(count: 1, timeout: 10).first)
        print(String(format: "endless flood: %d bytes drained, killed after %.2f s", r.stderrBytes, r.seconds))
        #expect(r.timedOut && r.seconds < 3)
        #expect(r.stderrBytes > 100_000 && r.stderrTail.utf8.count <= 64 && r.stderrTail.contains("spam spam"))
    }

    @Test("a failed hook is retried with EARSHOT_ATTEMPT counting up and doubling delays, until it succeeds")
    func retriesUntilSuccess() throws {
        let dir = TestPaths.tempDir("hook-retry")
        let count = dir.appendingPathComponent("attempts")
        // Fails twice (as curl does while the network is down), then succeeds.
        let hook = try HookFixture.script(dir, "hook.sh", """
            echo "$EARSHOT_ATTEMPT $(date +%s.%N)" >> '\(count.path)'
            [ "$EARSHOT_ATTEMPT" -ge 3 ] || { echo 'curl: (7) Failed to connect' >&2; exit 7; }
            """)
        let log = LogCapture()
        let results = Collected<HookResult>()
        let metrics = MetricsFile(settings: MetricsSettings(path: dir.path + "/m.prom"))
        let runner = HookRunner(settings: HookSettings(path: hook, retries: 3, retryDelay: 0.2), logger: log.logger,
                                metrics: metrics, onFinish: { results.add($0) })
        runner.submit(HookFixture.alert("r1"))
        #expect(runner.waitIdle(timeout: 10), "waitIdle waits for the retries too")
        let runs = results.all
        #expect(runs.map(\.attempt) == [1, 2, 3] && runs.map(\.succeeded) == [false, false, true], "\(runs.map(\.summary))")
        #expect(runs[0].retryIn == 0.2 && runs[1].retryIn == 0.4 && runs[2].retryIn == nil, "doubling delays")
        let lines = try String(contentsOf: count, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ") }
        #expect(lines.map { String($0[0]) } == ["1", "2", "3"])
        let t = lines.map { Double($0[1]) ?? 0 }
        #expect(t.count == 3 && t[1] - t[0] >= 0.2 && t[2] - t[1] >= 0.4, "retried after 0.2 s, then 0.4 s: \(t)")
        #expect(log.messages(.error).first { $0.contains("status 7") }?.contains("attempt 1 of 4; retrying in 0.2 s") == true, "\(log.messages(.error))")
        #expect(log.messages(.info).contains { $0.contains("status 0") && $0.contains("(attempt 3 of 4)") })
        let c = metrics.snapshot
        #expect(c.hookRetriesTotal == 2 && c.hookGivenUpTotal == 0 && c.hookFailuresTotal == 2 && c.hookRunsTotal == 3)
    }

    @Test("a hook failing every attempt gives up with an error naming the journal; a waiting retry holds no slot")
    func givesUpAndNeverBlocksAFreshAlert() throws {
        let dir = TestPaths.tempDir("hook-giveup")
        let order = dir.appendingPathComponent("order")
        let hook = try HookFixture.script(dir, "hook.sh", """
            echo "$EARSHOT_EVENT_ID $EARSHOT_ATTEMPT" >> '\(order.path)'
            [ "$EARSHOT_EVENT_ID" = fresh ] || exit 1
            """)
        let log = LogCapture()
        let results = Collected<HookResult>()
        let metrics = MetricsFile(settings: MetricsSettings(path: dir.path + "/m.prom"))
        // One slot: a retry that held it while waiting 1 s would make the fresh alert wait too.
        let runner = HookRunner(settings: HookSettings(path: hook, maxConcurrent: 1, retries: 1, retryDelay: 1), logger: log.logger,
                                metrics: metrics, onFinish: { results.add($0) })
        runner.submit(HookFixture.alert("broken"))
        _ = results.wait(count: 1, timeout: 5)
        let t0 = Date()
        runner.submit(HookFixture.alert("fresh"))
        let fresh = results.wait(count: 2, timeout: 5).last
        #expect(fresh?.eventID == "fresh" && fresh?.succeeded == true && Date().timeIntervalSince(t0) < 0.9,
                "the fresh alert's hook ran while the failed one waited for its retry")
        #expect(runner.waitIdle(timeout: 10))
        let lines = try String(contentsOf: order, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == ["broken 1", "fresh 1", "broken 2"], "\(lines)")
        #expect(log.messages(.error).contains { $0.contains("attempt 2 of 2; giving up") && $0.contains("the alert is in the journal only") },
                "\(log.messages(.error))")
        #expect(metrics.snapshot.hookGivenUpTotal == 1 && metrics.snapshot.hookRetriesTotal == 1)
        #expect(metrics.render().contains("earshot_hook_given_up_total 1\n"))

        // A failed heartbeat loses no page: no give-up note or count (the next beat is the retry).
        let beat = HookRunner(settings: HeartbeatSettings().hook, logger: log.logger, metrics: metrics, onFinish: { results.add($0) })
        #expect(beat.settings.path == nil && !beat.submit(health: HealthNotice(condition: "heartbeat", problem: false, message: "m", device: "d")), "no path: nothing runs")
        var settings = HeartbeatSettings().hook
        settings.path = hook
        let beating = HookRunner(settings: settings, logger: log.logger, metrics: metrics, onFinish: { results.add($0) })
        beating.submit(health: HealthNotice(condition: "heartbeat", problem: false, message: "m", device: "d"))
        #expect(beating.waitIdle(timeout: 10))
        let last = try #require(results.all.last)
        #expect(!last.succeeded && !last.gaveUp && !last.summary.contains("giving up") && last.summary.hasPrefix("heartbeat for health: heartbeat ok"), "\(last.summary)")
        #expect(metrics.snapshot.hookGivenUpTotal == 1, "still only the alert")

        // A health notice that never gets through is lost as a page: given up, said so, counted.
        var health = DaemonConfig().healthHook
        health.path = hook; health.retries = 0
        let healthRunner = HookRunner(settings: health, logger: log.logger, metrics: metrics, onFinish: { results.add($0) })
        healthRunner.submit(health: HealthNotice(condition: "device", problem: true, message: "m", device: "d"))
        #expect(healthRunner.waitIdle(timeout: 10))
        let notice = try #require(results.all.last)
        #expect(notice.gaveUp && notice.summary.contains("giving up — the notice is in the journal only)")
                && notice.summary.hasPrefix("health_hook for "), "\(notice.summary)")
        #expect(metrics.snapshot.hookGivenUpTotal == 2)
    }

    /// `health_hook:` by default runs one notice at a time, so a problem's notice reaches the hook before its end's,
    /// even when the first run is slow: with four at once (the old default) a microphone warned about and recovered
    /// within a hook's run time was told "recovered" first, and a dashboard kept showing the problem.
    @Test func healthNoticesArriveInOrderByDefault() throws {
        let dir = TestPaths.tempDir("health-order")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("order.txt")
        let hook = try HookFixture.script(dir, "health.sh", "[ \"$EARSHOT_PROBLEM\" = 1 ] && sleep 0.5; echo \"$EARSHOT_HEALTH $EARSHOT_PROBLEM\" >> '\(out.path)'")
        var settings = DaemonConfig().healthHook
        settings.path = hook
        let runner = HookRunner(settings: settings, logger: LogCapture().logger)
        runner.submit(health: HealthNotice(condition: "silence", problem: true, message: "m", device: "d"))
        runner.submit(health: HealthNotice(condition: "silence", problem: false, message: "m", device: "d"))
        #expect(runner.waitIdle(timeout: 10))
        let lines = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines == ["silence 1", "silence 0"], "\(lines)")
    }

    /// `incident_hook:` and `health_hook:` (one run at a time) deliver in order even when a run fails: the retry
    /// keeps the slot, so a step is never overtaken by a later one. mqtt.sh publishes each step to a retained topic,
    /// and a retried `alert` after the `over` left every dashboard that connected later showing a shooting going on.
    /// A stop during the wait starts no further attempt, and lets what is queued behind it run.
    @Test func aRetriedStepKeepsItsPlaceInTheOrder() throws {
        let dir = TestPaths.tempDir("incident-order")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("order.txt")
        // the broker is unreachable for the first attempt of the first step only
        let hook = try HookFixture.script(dir, "incident.sh", """
            echo "$EARSHOT_INCIDENT_UPDATE $EARSHOT_ATTEMPT" >> '\(out.path)'
            [ "$EARSHOT_INCIDENT_UPDATE$EARSHOT_ATTEMPT" != alert1 ] || { echo 'Error: Connection refused' >&2; exit 1; }
            """)
        let incident = Incident(id: "i1", start: Date(), events: 1, alerts: 1, last: Date())
        let steps = zip([IncidentUpdate.Kind.alert, .heard, .over], 1...).map {
            IncidentUpdate(kind: $0, incident: incident, event: $0 == .over ? nil : HookFixture.alert("e\($1)"), seq: $1,
                           message: "m", device: "default", location: "")
        }
        var settings = DaemonConfig().incidentHook
        settings.path = hook; settings.retryDelay = 0.3
        #expect(settings.deliversInOrder && DaemonConfig().healthHook.deliversInOrder)
        let runner = HookRunner(settings: settings, logger: LogCapture().logger)
        for step in steps { runner.submit(incident: step) }
        #expect(runner.waitIdle(timeout: 10))
        let lines = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines == ["alert 1", "alert 2", "heard 1", "over 1"], "\(lines)")

        // the alert hook's retry waits without its slot, so a fresh alert is not held up (givesUpAndNeverBlocksAFreshAlert)
        #expect(!HookSettings(maxConcurrent: 1).deliversInOrder && !DaemonConfig().clipHook.deliversInOrder)
        // several at once are in no order anyway: the retry gives its slot up there too
        var four = DaemonConfig().incidentHook
        four.maxConcurrent = 4
        #expect(!four.deliversInOrder)

        // earshotd stops while the first step waits for its retry: no second attempt; the steps behind it still run
        try? FileManager.default.removeItem(at: out)
        settings.retryDelay = 5
        let log = LogCapture()
        let stopping = HookRunner(settings: settings, logger: log.logger)
        for step in steps { stopping.submit(incident: step) }
        // the first attempt has failed and its retry waits
        let begun = Date()
        while !(((try? String(contentsOf: out, encoding: .utf8)) ?? "").contains("alert 1")) && Date().timeIntervalSince(begun) < 5 {
            Thread.sleep(forTimeInterval: 0.02)
        }
        Thread.sleep(forTimeInterval: 0.3)
        let t0 = Date()
        stopping.beginStop()
        #expect(stopping.waitIdle(timeout: 10))
        #expect(Date().timeIntervalSince(t0) < 3, "the stop ends the 5 s wait: \(Date().timeIntervalSince(t0)) s")
        let after = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(after == ["alert 1", "heard 1", "over 1"], "\(after)")
        #expect(log.messages(.error).contains { $0.contains("attempt 2 for") && $0.contains("not started: earshotd is stopping — the step is in the journal only") },
                "\(log.messages(.error))")
    }

    /// A long outage fills the queue of a section of states (a shooting's steps keep coming while the broker is
    /// down): the newest step was dropped, so the `over` was lost and a retained topic showed the shooting going
    /// on for good. Now the oldest queued step that a later one supersedes is dropped instead — a later step of
    /// the same incident, never its `over` — and with none, the newest, as before (and always for `hook:`).
    @Test func aFullQueueOfStatesDropsTheOldestSupersededNotTheNewest() throws {
        let dir = TestPaths.tempDir("incident-full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (out, go) = (dir.appendingPathComponent("steps.txt"), dir.appendingPathComponent("go"))
        // the first run waits until the test lets it go: everything after it queues
        let hook = try HookFixture.script(dir, "incident.sh", """
            while [ ! -e '\(go.path)' ]; do sleep 0.02; done
            echo "$EARSHOT_INCIDENT_ID $EARSHOT_INCIDENT_UPDATE $EARSHOT_INCIDENT_SEQ" >> '\(out.path)'
            """)
        func step(_ id: String, _ kind: IncidentUpdate.Kind, _ seq: Int) -> IncidentUpdate {
            IncidentUpdate(kind: kind, incident: Incident(id: id, start: Date(), events: seq, alerts: 1, last: Date()),
                           event: kind == .over ? nil : HookFixture.alert("\(id)-e\(seq)"), seq: seq, message: "m", device: "default", location: "")
        }
        var settings = DaemonConfig().incidentHook
        settings.path = hook; settings.maxQueued = 2
        let log = LogCapture()
        let runner = HookRunner(settings: settings, logger: log.logger)
        let submitted = [step("A", .alert, 1), step("A", .heard, 2), step("A", .heard, 3), step("A", .over, 4), step("B", .alert, 1), step("B", .heard, 2)]
            .map { runner.submit(incident: $0) }
        #expect(submitted == [true, true, true, true, true, true], "each step queued, an older one dropped for it")
        try Data().write(to: go)
        #expect(runner.waitIdle(timeout: 10))
        let lines = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines == ["A alert 1", "A over 4", "B heard 2"], "the first, then the latest state of each incident: \(lines)")
        #expect(runner.stats.dropped == 3 && log.messages(.error).contains { $0.contains("incident_hook dropped for incident A: heard 2:") && $0.contains("the oldest a later one supersedes (incident A: over 4 queued in its place)") },
                "\(log.messages(.error))")
        // one at a time, in order: more at once would break the order (check-config warns of it), so it is not the fix
        #expect(log.messages(.error).allSatisfy { $0.contains("check the receiver") && !$0.contains("max_concurrent /") }, "\(log.messages(.error))")

        // health notices: a condition told again supersedes; another condition does not
        let silence = HookPayload(health: HealthNotice(condition: "silence", problem: true, message: "m", device: "d"), host: "h")
        let back = HookPayload(health: HealthNotice(condition: "silence", problem: false, message: "m", device: "d"), host: "h")
        let clipping = HookPayload(health: HealthNotice(condition: "clipping", problem: true, message: "m", device: "d"), host: "h")
        #expect(silence.isSuperseded(by: back) && !silence.isSuperseded(by: clipping) && !clipping.isSuperseded(by: back))
        #expect(!HookPayload(incident: step("A", .over, 4), host: "h").isSuperseded(by: HookPayload(incident: step("A", .heard, 5), host: "h")))

        // hook: (alerts, each a page) keeps the newest-dropped rule: nothing supersedes a page
        try? FileManager.default.removeItem(at: go)
        let pages = HookRunner(settings: HookSettings(path: hook, maxConcurrent: 1, maxQueued: 1), logger: LogCapture().logger)
        let sent = (1...3).map { pages.submit(HookFixture.alert("e\($0)")) }
        #expect(sent == [true, true, false])
        try Data().write(to: go)
        #expect(pages.waitIdle(timeout: 10))
    }
}
