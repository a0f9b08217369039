import Foundation
import Testing

@Suite("Operator commands: earshot devices / check-config / test-alert, run as subprocesses", .serialized)
struct OperatorCLITests {
    @Test("check-config accepts a good file (exit 0) and rejects bad ones naming file, line and key (exit 1)")
    func checkConfig() throws {
        let dir = TestPaths.tempDir("op-check")
        let good = try Operator.write("""
            device: "plughw:CARD=Mic,DEV=0"
            hook:
              path: /bin/true
              timeout: 5
            clips:
              pre_roll: 3
            metrics:
              path: /var/lib/earshot/earshot.prom
            """, to: dir.appendingPathComponent("good.yaml"))
        let r = try CLIRunner.run(["check-config", good.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("OK") && r.stdout.contains("plughw:CARD=Mic,DEV=0"))

        let cases: [(String, String, [String])] = [
            ("range", "device: default\nhook:\n  timeout: -1\n", [":3", "hook.timeout"]),
            ("unknown", "device: default\nclips:\n  pre_rol: 3\n", [":3", "pre_rol"]),
            ("type", "device: default\nliveness:\n  silence_seconds: loud\n", [":3", "liveness.silence_seconds"]),
            ("metrics", "metrics:\n  path: /var/lib/earshot/metrics.txt\n", ["metrics.path", ".prom"]),
        ]
        for (name, text, needles) in cases {
            let f = try Operator.write(text, to: dir.appendingPathComponent("\(name).yaml"))
            let b = try CLIRunner.run(["check-config", f.path])
            #expect(b.status == 1, "\(name): \(b.stdout)\(b.stderr)")
            for n in needles + [f.path] { #expect(b.stderr.contains(n), "\(name): '\(n)' not in: \(b.stderr)") }
        }
        let missing = try CLIRunner.run(["check-config", dir.path + "/nope.yaml"])
        #expect(missing.status == 1 && missing.stderr.contains("\(dir.path)/nope.yaml: config file not found — check the path"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("--config"), "check-config takes the file as an argument, not --config (docs QA finding 8): \(missing.stderr)")

        // As an instance (earshot@hall): its location, and a warning for a place the instance cannot write.
        let inst = try CLIRunner.run(["check-config", "--instance", "hall", good.path])
        #expect(inst.status == 0 && inst.stdout.contains("at \"hall\""), "\(inst.stdout)\(inst.stderr)")
        #expect(inst.stderr.contains("warning: metrics.path: /var/lib/earshot/earshot.prom is outside /var/lib/earshot-hall"), "\(inst.stderr)")
        #expect(inst.stdout.contains("clips /var/lib/earshot-hall/clips"), "clips default into the instance's state: \(inst.stdout)")
        let badName = try CLIRunner.run(["check-config", "--instance", "Hall B", good.path])
        #expect(badName.status == 1 && badName.stderr.contains("cannot name an instance"), "\(badName.stderr)")

        // A missing hook is a warning (the daemon runs without it), not an error.
        let warn = try Operator.write("hook:\n  path: /nonexistent/hook.sh\n", to: dir.appendingPathComponent("warn.yaml"))
        let w = try CLIRunner.run(["check-config", warn.path])
        #expect(w.status == 0 && w.stderr.contains("warning") && w.stderr.contains("/nonexistent/hook.sh"))
        let hw = try Operator.write("health_hook:\n  path: /nonexistent/health.sh\n", to: dir.appendingPathComponent("health.yaml"))
        let h = try CLIRunner.run(["check-config", hw.path])
        #expect(h.status == 0 && h.stderr.contains("health_hook.path: /nonexistent/health.sh does not exist"), "\(h.stderr)")
        #expect(h.stdout.contains("health hook /nonexistent/health.sh"), "\(h.stdout)")
        // a health_hook run several at once (a config from before in-order delivery, kept by an upgrade): a warning
        let many = try Operator.write("health_hook:\n  path: /bin/true\n  max_concurrent: 4\n", to: dir.appendingPathComponent("many.yaml"))
        let m = try CLIRunner.run(["check-config", many.path])
        #expect(m.status == 0 && m.stderr.contains("warning: health_hook.max_concurrent: 4 runs several at once, so a receiver can get them out of order")
                && m.stderr.contains("set max_concurrent: 1"), "\(m.stderr)")
        #expect(!h.stderr.contains("max_concurrent"), "one at a time by default: \(h.stderr)")
        // a clips directory that cannot be made: a warning naming the key and the fix (earshotd runs, without clips);
        // a directory still to be made is no problem
        let aFile = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: aFile)
        let cw = try Operator.write("clips:\n  directory: \(aFile.path)/clips\n", to: dir.appendingPathComponent("clips.yaml"))
        let c = try CLIRunner.run(["check-config", cw.path])
        #expect(c.status == 0 && c.stderr.contains("warning: clips.directory: \(aFile.path) is a file, not a directory"), "\(c.stderr)")
        let later = try Operator.write("clips:\n  directory: \(dir.path)/not/yet/clips\n", to: dir.appendingPathComponent("later.yaml"))
        let l2 = try CLIRunner.run(["check-config", later.path])
        #expect(l2.status == 0 && !l2.stderr.contains("clips.directory"), "\(l2.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/not"), "check-config makes no directory")
        // capturing below the model's 16 kHz is allowed (a device may offer no more) but costs shots: a warning
        let slow = try Operator.write("sample_rate: 8000\n", to: dir.appendingPathComponent("slow.yaml"))
        let s8 = try CLIRunner.run(["check-config", slow.path], environment: ["EARSHOT_MODEL": ""])
        #expect(s8.status == 0 && s8.stderr.contains("warning: sample_rate: 8000 is below the model's 16000 Hz") && s8.stderr.contains("no sound above 4000 Hz"), "\(s8.stderr)")
        #expect(!r.stderr.contains("sample_rate"), "16 kHz (the default) is no problem: \(r.stderr)")
        // the rate alert_rate: holds the alerts against, and a threshold with none (a warning naming the fix)
        let shipped = try CLIRunner.run(["check-config", good.path], environment: ["EARSHOT_MODEL": ""])
        #expect(shipped.stdout.contains("alert-rate watch 1 false alarm(s)/hour (the model's calibration)") && !shipped.stderr.contains("alert_rate"), "\(shipped.stdout)\(shipped.stderr)")
        #expect(shipped.stdout.contains("Threshold 0.98013705 finds 71.5 % (176 of 246) of the model's held-out test shots, 92.8 % of its 3-shot incidents\n"), "\(shipped.stdout)")
        let site = try Operator.write("threshold: 0.99987\n", to: dir.appendingPathComponent("site.yaml"))
        let s = try CLIRunner.run(["check-config", site.path], environment: ["EARSHOT_MODEL": ""])
        #expect(s.stdout.contains("Threshold 0.99987 finds 10.6 % (26 of 246) of the model's held-out test shots (71.5 % (176 of 246) at its own 0.9801), 27.7 % of its 3-shot incidents (92.8 % at its own)"), "\(s.stdout)")
        let loose = try Operator.write("threshold: 0.5\n", to: dir.appendingPathComponent("loose.yaml"))
        let l = try CLIRunner.run(["check-config", loose.path], environment: ["EARSHOT_MODEL": ""])
        #expect(l.status == 0 && l.stdout.contains("alert-rate watch off") && l.stderr.contains("warning: alert_rate: threshold 0.5000 has no calibrated false-alarm rate")
                && l.stderr.contains("set alert_rate.expected_per_hour"), "\(l.stdout)\(l.stderr)")
        let set = try Operator.write("threshold: 0.5\nalert_rate:\n  expected_per_hour: 3\n", to: dir.appendingPathComponent("set.yaml"))
        let e = try CLIRunner.run(["check-config", set.path], environment: ["EARSHOT_MODEL": ""])
        #expect(e.stdout.contains("alert-rate watch 3 false alarm(s)/hour (alert_rate.expected_per_hour)") && !e.stderr.contains("alert_rate"), "\(e.stdout)\(e.stderr)")
    }

    @Test("check-config refuses (exit 1, the loader's message) the model settings earshotd refuses to start with")
    func checkConfigLoadsTheModel() throws {
        let dir = TestPaths.tempDir("op-check-model")
        let text = try Operator.write("not a model\n", to: dir.appendingPathComponent("text.safetensors"))
        let cases: [(String, String, String)] = [
            ("text", "model: \(text.path)\n", "\(text.path): not a readable model file"),
            ("missing", "model: \(dir.path)/nonexistent.safetensors\n", "\(dir.path)/nonexistent.safetensors: cannot load model: no such file"),
            ("rate", "false_alarms_per_hour: 3\n", "no threshold calibrated for 3 false alarm(s)/hour (this model has: 1, 2, 5, 10)"),
        ]
        for (name, yaml, message) in cases {
            let f = try Operator.write(yaml, to: dir.appendingPathComponent("\(name).yaml"))
            let r = try CLIRunner.run(["check-config", f.path], environment: ["EARSHOT_MODEL": ""])
            #expect(r.status == 1 && r.stderr.contains("error: \(f.path): ") && r.stderr.contains(message) && !r.stdout.contains("OK"), "\(name): \(r.stdout)\(r.stderr)")
            // earshotd stops at start with the same message
            let d = try CLIRunner.run(["--config", f.path, "--exit-at-end", "--max-frames", "1"], environment: ["EARSHOT_MODEL": ""], product: "earshotd")
            #expect(d.status == 1 && d.stderr.contains(message), "earshotd, \(name): \(d.stderr)")
        }
        let ok = try Operator.write("false_alarms_per_hour: 5\n", to: dir.appendingPathComponent("ok.yaml"))
        let r = try CLIRunner.run(["check-config", ok.path], environment: ["EARSHOT_MODEL": ""])
        #expect(r.status == 0 && r.stdout.contains("alert-rate watch 5 false alarm(s)/hour (false_alarms_per_hour)"), "\(r.stdout)\(r.stderr)")
        let help = try CLIRunner.run(["check-config", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("a false_alarms_per_hour the model has no threshold for, is an error too") && !help.contains("only logs at run time (a hook that does not exist or is not executable, a model file"), "\(help)")
    }

    @Test("check-config names the OpenBLAS kernels: never a pre-AVX2 fallback on a CPU with AVX2 and FMA, and an operator's OPENBLAS_CORETYPE is kept")
    func openBLASKernel() throws {
        func kernelLine(_ r: CLIRunner.Result) -> String {
            r.stdout.split(separator: "\n").first { $0.hasPrefix("OpenBLAS: ") }.map(String.init) ?? "(no OpenBLAS line in: \(r.stdout))"
        }
        let own = try CLIRunner.run(["check-config"], unsetting: ["OPENBLAS_CORETYPE"])
        #expect(own.status == 0, "\(own.stdout)\(own.stderr)")
        let line = kernelLine(own)
        if TestCPU.hasAVX2AndFMA {
            for slow in TestCPU.preAVX2Kernels { #expect(!line.hasPrefix("OpenBLAS: \(slow) "), "\(line)") }
        }
        if line.contains("restarted with OPENBLAS_CORETYPE=") {
            let forced = try #require(line.split(separator: "=").last?.split(separator: " ").first.map(String.init))
            #expect(line.hasPrefix("OpenBLAS: \(forced) kernels"), "the restarted process runs the kernels it asked for: \(line)")
        }

        let operatorChoice = try CLIRunner.run(["check-config"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        #expect(kernelLine(operatorChoice) == "OpenBLAS: Prescott kernels", "\(operatorChoice.stdout)")
    }

    @Test("check-config names the convolution kernel: the fastest the CPU runs (AVX-512, AVX2, else OpenBLAS), a slower one with EARSHOT_CONV_KERNEL, a warning for a value that is no kernel")
    func convolutionKernel() throws {
        func line(_ r: CLIRunner.Result) -> String {
            r.stdout.split(separator: "\n").first { $0.hasPrefix("Convolutions: ") }.map(String.init) ?? "(no Convolutions line in: \(r.stdout))"
        }
        let own = try CLIRunner.run(["check-config"], unsetting: ["EARSHOT_CONV_KERNEL"])
        let best = TestCPU.hasAVX512 ? "Earshot's AVX-512 kernel" : TestCPU.hasAVX2AndFMA ? "Earshot's AVX2 kernel" : "im2col + OpenBLAS"
        #expect(line(own).hasPrefix("Convolutions: \(best)"), "\(line(own))")
        #expect(!own.stderr.contains("EARSHOT_CONV_KERNEL"), "\(own.stderr)")
        let blas = try CLIRunner.run(["check-config"], environment: ["EARSHOT_CONV_KERNEL": "blas"])
        #expect(line(blas) == "Convolutions: im2col + OpenBLAS", "\(blas.stdout)")
        let avx2 = try CLIRunner.run(["check-config"], environment: ["EARSHOT_CONV_KERNEL": "avx2"])
        #expect(line(avx2).hasPrefix(TestCPU.hasAVX2AndFMA ? "Convolutions: Earshot's AVX2 kernel" : "Convolutions: im2col + OpenBLAS"), "\(avx2.stdout)")
        let typo = try CLIRunner.run(["check-config"], environment: ["EARSHOT_CONV_KERNEL": "avx-2"])
        #expect(line(typo).hasPrefix("Convolutions: \(best)"), "an unknown value changes nothing: \(line(typo))")
        #expect(typo.stderr.contains("EARSHOT_CONV_KERNEL=avx-2 is not a kernel (blas, avx2 or avx512)"), "\(typo.stderr)")
    }

    @Test("devices lists the file-plugin capture device of a test ALSA configuration (ALSA_CONFIG_PATH)")
    func devices() throws {
        let dir = TestPaths.tempDir("op-devices")
        let conf = try Operator.testMicrophone(in: dir)
        let r = try CLIRunner.run(["devices"], environment: ["ALSA_CONFIG_PATH": conf.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("earshot_test_mic  [opens for capture]"), "\(r.stdout)")
        #expect(r.stdout.contains("Earshot test microphone (file plugin)"))
        // Which earshotd uses it, from the configs (earshot.yaml: earshot.service, NAME.yaml: earshot@NAME), and a
        // warning when two name the same device; a config that does not parse is left to check-config.
        let etc = dir.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        _ = try Operator.write("device: earshot_test_mic\n", to: etc.appendingPathComponent("hall.yaml"))
        _ = try Operator.write("device: earshot_test_mic\n", to: etc.appendingPathComponent("entrance.yaml"))
        _ = try Operator.write("device: default\n", to: etc.appendingPathComponent("earshot.yaml"))
        _ = try Operator.write("device: [\n", to: etc.appendingPathComponent("broken.yaml"))
        let used = try CLIRunner.run(["devices", "--config-directory", etc.path], environment: ["ALSA_CONFIG_PATH": conf.path])
        #expect(used.stdout.contains("used by earshot@entrance (\(etc.path)/entrance.yaml), earshot@hall (\(etc.path)/hall.yaml)"), "\(used.stdout)")
        #expect(used.stdout.contains("warning: earshot_test_mic is named by earshot@entrance and earshot@hall"), "\(used.stdout)")
        let alone = try CLIRunner.run(["check-config", "--instance", "hall", "--config-directory", etc.path, etc.appendingPathComponent("hall.yaml").path])
        #expect(alone.status == 0 && alone.stderr.contains("warning: device: earshot_test_mic is also earshot@entrance's (\(etc.path)/entrance.yaml)")
                && !alone.stderr.contains("earshot@hall's"), "not about itself: \(alone.stderr)")
        // Without the test configuration the device is not there.
        let plain = try CLIRunner.run(["devices", "--no-probe"])
        #expect(!plain.stdout.contains("earshot_test_mic"))

        let help = try CLIRunner.run(["devices", "--help"])
        #expect(help.stdout.contains("Example:") && help.stdout.contains("device:"))
    }

    @Test("test-alert writes a [TEST] alert to a private journald and runs the hook and the health hook with EARSHOT_TEST=1")
    func testAlert() throws {
        guard FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd-journald") else {
            Issue.record("systemd-journald not installed: run scripts/setup.sh"); return
        }
        let dir = TestPaths.tempDir("op-alert")
        let out = dir.appendingPathComponent("hook.out")
        let hook = try Operator.write("#!/bin/sh\nenv | grep '^EARSHOT_' > '\(out.path)'\necho '--' >> '\(out.path)'\ncat >> '\(out.path)'\n",
                                      to: dir.appendingPathComponent("hook.sh"), mode: 0o755)
        let healthOut = dir.appendingPathComponent("health.out")
        let health = try Operator.write("#!/bin/sh\nenv | grep '^EARSHOT_' > '\(healthOut.path)'\necho '--' >> '\(healthOut.path)'\ncat >> '\(healthOut.path)'\n",
                                        to: dir.appendingPathComponent("health.sh"), mode: 0o755)
        let clipOut = dir.appendingPathComponent("clip.out")
        let clipHook = try Operator.write("#!/bin/sh\necho \"$EARSHOT_EVENT_ID $EARSHOT_CLIP_READY $EARSHOT_TEST $(wc -c < \"$EARSHOT_CLIP\") $EARSHOT_CLIP\" > '\(clipOut.path)'\n",
                                          to: dir.appendingPathComponent("clip.sh"), mode: 0o755)
        let incidentOut = dir.appendingPathComponent("incident.out")
        let incidentHook = try Operator.write("#!/bin/sh\necho \"$EARSHOT_INCIDENT_UPDATE $EARSHOT_INCIDENT_SEQ $EARSHOT_TEST $EARSHOT_INCIDENT_ID $EARSHOT_EVENT_ID\" >> '\(incidentOut.path)'\n",
                                              to: dir.appendingPathComponent("incident.sh"), mode: 0o755)
        let cfg = try Operator.write("device: test_mic\nlocation: Gate 3\npriority: 3\nhook:\n  path: \(hook.path)\n  timeout: 5\nclip_hook:\n  path: \(clipHook.path)\nhealth_hook:\n  path: \(health.path)\n"
                                     + "incident_hook:\n  path: \(incidentHook.path)\n", to: dir.appendingPathComponent("earshot.yaml"))
        let exe = try #require(CLIRunner.binary).path
        let r = try Operator.withPrivateJournal([exe, "test-alert", "--config", cfg.path], dir: dir)
        #expect(r.status == 0, "\(r.output)")
        let alerts = r.entries.filter { $0["MESSAGE_ID"] as? String == "88a049a25a974a828bee9f70b35c0a93" }
        #expect(alerts.count == 1, "journal: \(r.entries)")
        let a = try #require(alerts.first)
        #expect((a["MESSAGE"] as? String)?.hasPrefix("[TEST] Gunshot detected at Gate 3 (test_mic)") == true, "\(a)")
        #expect(a["EARSHOT_TEST"] as? String == "1" && a["EARSHOT_LOCATION"] as? String == "Gate 3")
        #expect(a["EARSHOT_DEVICE"] as? String == "test_mic")
        let eventID = try #require(a["EARSHOT_EVENT_ID"] as? String)

        let hookOut = try String(contentsOf: out, encoding: .utf8)
        #expect(hookOut.contains("EARSHOT_TEST=1\n"))
        #expect(hookOut.contains("EARSHOT_EVENT_ID=\(eventID)\n"), "hook and journal must describe the same event")
        #expect(hookOut.contains("EARSHOT_DEVICE=test_mic\n") && hookOut.contains("EARSHOT_LOCATION=Gate 3\n"))
        let json = try #require(hookOut.components(separatedBy: "--\n").last)
        let obj = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(obj["test"] as? Bool == true && obj["event_id"] as? String == eventID && obj["location"] as? String == "Gate 3")

        // The clip hook got the same test alert with a 1 s test clip (16 kHz, 16 bit: 32,044 bytes), removed after.
        #expect(r.output.contains("clip hook: OK"), "\(r.output)")
        let clipRun = ((try? String(contentsOf: clipOut, encoding: .utf8)) ?? "").split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(clipRun.count == 5 && clipRun[0] == eventID && clipRun[1] == "1" && clipRun[2] == "1" && clipRun[3] == "32044", "\(clipRun)")
        #expect(clipRun.count == 5 && !FileManager.default.fileExists(atPath: clipRun[4]), "the test clip is removed")

        // The health hook got a drill: a device problem marked as a test, so its page can be checked too.
        #expect(r.output.contains("health hook: OK"), "\(r.output)")
        let healthText = (try? String(contentsOf: healthOut, encoding: .utf8)) ?? ""
        for line in ["EARSHOT_HEALTH=device", "EARSHOT_PROBLEM=1", "EARSHOT_TEST=1", "EARSHOT_LOCATION=Gate 3", "EARSHOT_DEVICE=test_mic"] {
            #expect(healthText.contains(line + "\n"), "health hook environment lacks \(line): \(healthText)")
        }
        let hobj = try #require(JSONSerialization.jsonObject(with: Data((healthText.components(separatedBy: "--\n").last ?? "").utf8)) as? [String: Any])
        #expect(hobj["test"] as? Bool == true && hobj["health"] as? String == "device" && (hobj["message"] as? String)?.hasPrefix("[TEST]") == true)

        // The incident hook got the test alert's incident: its alert, then its end, in order.
        #expect(r.output.contains("incident hook (alert): OK") && r.output.contains("incident hook (over): OK"), "\(r.output)")
        let steps = ((try? String(contentsOf: incidentOut, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(steps == ["alert 1 1 \(eventID) \(eventID)", "over 2 1 \(eventID) "], "\(steps)")

        // A failing hook makes test-alert fail, with the hook's stderr in the report.
        let bad = try Operator.write("#!/bin/sh\necho 'curl: (6) Could not resolve host' >&2\nexit 6\n",
                                     to: dir.appendingPathComponent("bad.sh"), mode: 0o755)
        let cfg2 = try Operator.write("hook:\n  path: \(bad.path)\n", to: dir.appendingPathComponent("bad.yaml"))
        let r2 = try Operator.withPrivateJournal([exe, "test-alert", "--config", cfg2.path], dir: dir)
        #expect(r2.status == 1)
        #expect(r2.output.contains("status 6") && r2.output.contains("Could not resolve host"), "\(r2.output)")
        #expect(r2.output.contains("health hook: none configured"), "\(r2.output)")

        // So does a failing health hook, even when the alert hook works.
        let cfg3 = try Operator.write("hook:\n  path: \(hook.path)\nhealth_hook:\n  path: \(bad.path)\n", to: dir.appendingPathComponent("bad-health.yaml"))
        let r3 = try Operator.withPrivateJournal([exe, "test-alert", "--config", cfg3.path], dir: dir)
        #expect(r3.status == 1)
        #expect(r3.output.contains("hook: OK") && r3.output.contains("health hook: FAILED") && r3.output.contains("Could not resolve host"), "\(r3.output)")
    }

    @Test("test-alert without journald: a failing hook does not say the alert is in the journal")
    func testAlertWithoutJournal() throws {
        let dir = TestPaths.tempDir("op-alert-nojournal")
        let bad = try Operator.write("#!/bin/sh\nexit 6\n", to: dir.appendingPathComponent("bad.sh"), mode: 0o755)
        let cfg = try Operator.write("hook:\n  path: \(bad.path)\nhealth_hook:\n  path: \(bad.path)\n", to: dir.appendingPathComponent("earshot.yaml"))
        let exe = try #require(CLIRunner.binary).path
        // an empty /run/systemd in a private mount namespace: no journald socket, whatever the machine runs
        let r = try Operator.run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", "mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd && exec \"$0\" test-alert --config \"$1\"", exe, cfg.path],
                                 environment: ["STATE_DIRECTORY": dir.appendingPathComponent("no-earshotd").path])   // no test's earshotd takes the drill
        #expect(r.status == 1 && r.output.contains("journal: FAILED: journald socket /run/systemd/journal/socket not found"), "\(r.output)")
        #expect(r.output.contains("hook: FAILED") && r.output.contains("health hook: FAILED"), "\(r.output)")
        #expect(!r.output.contains("in the journal only") && r.output.components(separatedBy: "giving up — it is not in the journal either (journal: FAILED above): page by hand").count == 3,
                "\(r.output)")
    }

    /// earshotd's state directory is there but no earshotd takes the request (stopped): after the wait, the request is
    /// withdrawn (none is left for a later start to answer) and the hooks run from the command, which says that this
    /// is not how the service would run them (package QA 7, finding 1).
    @Test("test-alert with no earshotd to take the drill: withdrawn, run here, said")
    func testAlertWithNoEarshotdRunning() throws {
        let dir = TestPaths.tempDir("op-alert-nodaemon")
        let state = dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("ran.txt")
        let hook = try Operator.write("#!/bin/sh\necho \"$(cat /proc/$PPID/comm)\" >> '\(out.path)'\n", to: dir.appendingPathComponent("hook.sh"), mode: 0o755)
        let cfg = try Operator.write("hook:\n  path: \(hook.path)\n", to: dir.appendingPathComponent("earshot.yaml"))
        let exe = try #require(CLIRunner.binary).path
        let r = try Operator.withPrivateJournal([exe, "test-alert", "--config", cfg.path], dir: dir, environment: ["STATE_DIRECTORY": state.path])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("note: no earshotd took the test alert within 2.5 s (\(state.path);") && r.output.contains("the hooks run from this command instead, as uid 0")
                && r.output.contains("hook: OK"), "\(r.output)")
        #expect(try String(contentsOf: out, encoding: .utf8) == "earshot\n", "the command ran the hook")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.path).isEmpty, "the request was withdrawn")
    }

    @Test("--help of each operator command shows an example")
    func help() throws {
        for c in ["devices", "check-config", "test-alert", "listen", "incidents", "status"] {
            let r = try CLIRunner.run([c, "--help"])
            #expect(r.status == 0 && (r.stdout.contains("Example:") || r.stdout.contains("Examples:")) && r.stdout.contains("earshot \(c)"), "\(c): \(r.stdout)")
        }
    }
}
