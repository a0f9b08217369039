import Foundation
import Testing

/// README's "several microphones" steps disable earshot.service and enable earshot@hall, and the package's
/// earshot.yaml stays (install QA 7, finding 5): `status`, `devices` and `check-config` leave out a unit systemd says
/// is neither enabled nor running. systemd is a script here (`EARSHOT_SYSTEMCTL`), answering as `systemctl
/// is-enabled` / `is-active` do.
struct UnitsInUseCLITests {
    /// A directory with earshot.yaml and hall.yaml, both naming `device`; hall has a fresh metrics file, earshot.service
    /// never ran (no metrics file: CRITICAL if judged). And the fake systemctls.
    struct Box {
        let dir: URL, etc: URL
        let hallOnly: URL, noneEnabled: URL, noAnswer: URL

        init(_ name: String, device: String = "hw:7") throws {
            dir = TestPaths.tempDir(name)
            etc = dir.appendingPathComponent("etc")
            try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
            let prom = dir.appendingPathComponent("hall.prom")
            try StatusCLITests.metrics().write(to: prom, atomically: true, encoding: .utf8)
            _ = try Operator.write("device: \(device)\nmetrics:\n  path: \(dir.path)/earshot.prom\n", to: etc.appendingPathComponent("earshot.yaml"))
            _ = try Operator.write("device: \(device)\nmetrics:\n  path: \(prom.path)\n", to: etc.appendingPathComponent("hall.yaml"))
            // after `systemctl disable --now earshot` and `systemctl enable --now earshot@hall`
            hallOnly = try Operator.write("""
                #!/bin/sh
                echo "$*" >> '\(dir.path)/asked'
                case "$1 $2" in
                  "is-enabled earshot.service") echo disabled; exit 1 ;;
                  "is-active earshot.service") echo inactive; exit 3 ;;
                  "is-enabled "*) echo enabled ;;
                  "is-active "*) echo active ;;
                esac
                """, to: dir.appendingPathComponent("systemctl-hall"), mode: 0o755)
            noneEnabled = try Operator.write("""
                #!/bin/sh
                case "$1" in is-enabled) echo disabled; exit 1 ;; is-active) echo inactive; exit 3 ;; esac
                """, to: dir.appendingPathComponent("systemctl-none"), mode: 0o755)
            // as with no D-Bus: nothing on stdout
            noAnswer = try Operator.write("#!/bin/sh\necho 'Failed to connect to bus: No such file or directory' >&2\nexit 1\n",
                                          to: dir.appendingPathComponent("systemctl-broken"), mode: 0o755)
        }

        func env(_ systemctl: URL) -> [String: String] { ["EARSHOT_SYSTEMCTL": systemctl.path] }
    }

    @Test func statusLeavesOutAUnitNeitherEnabledNorRunning() throws {
        let box = try Box("units-status")
        let args = ["status", "--config-directory", box.etc.path]
        let r = try CLIRunner.run(args, environment: box.env(box.hallOnly))
        #expect(r.status == 0, "only earshot@hall is judged: \(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("earshot.service: not enabled (disabled), not running (inactive): not judged\nearshot@hall.service: OK — listening on hw:7 at hall and paging\n"), "\(r.stdout)")
        let asked = (try? String(contentsOf: box.dir.appendingPathComponent("asked"), encoding: .utf8)) ?? ""
        #expect(asked.contains("is-enabled earshot.service\n") && asked.contains("is-active earshot@hall.service\n"), "\(asked)")
        let json = try CLIRunner.run(args + ["--json"], environment: box.env(box.hallOnly))
        let first = try JSONSerialization.jsonObject(with: Data(json.stdout.split(separator: "\n")[0].utf8)) as? [String: Any]
        #expect(json.status == 0 && first?["unit"] as? String == "earshot.service" && first?["judged"] as? Bool == false
                && first?["unitFileState"] as? String == "disabled" && first?["state"] == nil, "\(json.stdout)")
        // named, it is judged
        let named = try CLIRunner.run(args + ["--config", box.etc.appendingPathComponent("earshot.yaml").path], environment: box.env(box.hallOnly))
        #expect(named.status == 2 && named.stdout.hasPrefix("earshot.service: CRITICAL — not running (no metrics file)"), "\(named.stdout)")
    }

    @Test func withoutAnAnswerOrWithNothingInUseEveryUnitIsJudged() throws {
        let box = try Box("units-judged")
        let args = ["status", "--config-directory", box.etc.path]
        for systemctl in [box.noAnswer, box.noneEnabled] {
            let r = try CLIRunner.run(args, environment: box.env(systemctl))
            #expect(r.status == 2 && r.stdout.hasPrefix("earshot.service: CRITICAL — not running (no metrics file)")
                    && r.stdout.contains("\nearshot@hall.service: OK"), "\(systemctl.lastPathComponent): \(r.stdout)")
        }
        // not /etc/earshot and no EARSHOT_SYSTEMCTL: systemd is not asked, as before
        let plain = try CLIRunner.run(args, unsetting: ["EARSHOT_SYSTEMCTL"])
        #expect(plain.status == 2 && plain.stdout.hasPrefix("earshot.service: CRITICAL"), "\(plain.stdout)")
    }

    @Test func aDeviceIsSharedOnlyWithUnitsInUse() throws {
        let box = try Box("units-devices", device: "earshot_test_mic")
        let conf = try Operator.testMicrophone(in: box.dir)
        let devices = ["devices", "--config-directory", box.etc.path]
        let hall = try CLIRunner.run(devices, environment: box.env(box.hallOnly).merging(["ALSA_CONFIG_PATH": conf.path]) { $1 })
        #expect(hall.stdout.contains("    used by earshot@hall (\(box.etc.path)/hall.yaml)\n    named by earshot (\(box.etc.path)/earshot.yaml), not enabled (disabled), not running (inactive)\n"), "\(hall.stdout)")
        #expect(!hall.stdout.contains("two earshotd cannot capture"), "\(hall.stdout)")
        let both = try CLIRunner.run(devices, environment: ["ALSA_CONFIG_PATH": conf.path], unsetting: ["EARSHOT_SYSTEMCTL"])
        #expect(both.stdout.contains("warning: earshot_test_mic is named by earshot and earshot@hall: two earshotd cannot capture"), "\(both.stdout)")

        let check = ["check-config", "--instance", "hall", "--config-directory", box.etc.path, box.etc.appendingPathComponent("hall.yaml").path]
        let alone = try CLIRunner.run(check, environment: box.env(box.hallOnly))
        #expect(alone.status == 0 && !alone.stderr.contains("also earshot's"), "\(alone.stderr)")
        let shared = try CLIRunner.run(check, unsetting: ["EARSHOT_SYSTEMCTL"])
        #expect(shared.status == 0 && shared.stderr.contains("warning: device: earshot_test_mic is also earshot's (\(box.etc.path)/earshot.yaml)"), "\(shared.stderr)")
    }
}
