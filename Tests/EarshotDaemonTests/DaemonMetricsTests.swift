import Foundation
import Testing

/// The metrics file through a real earshotd: written where `metrics.path` says when enabled, and never when not —
/// the stop's last write ignored `metrics.enabled` and wrote /var/lib/earshot/earshot.prom for every daemon.
@Suite(.serialized) struct DaemonMetricsTests {
    @Test func theMetricsFileIsWrittenOnlyWhenEnabled() throws {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 4, shots: [1.5]), rate: 16_000, dir: run.dir)
        let asound = try fx.writeConfigFile(in: run.dir)
        for enabled in [false, true] {
            let prom = run.dir.appendingPathComponent("m-\(enabled).prom")
            let config = try run.writeConfig(metrics: ["enabled: \(enabled)", "path: \(prom.path)"], name: "m-\(enabled).yaml")
            let d = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--exit-at-end"],
                                      environment: ["ALSA_CONFIG_PATH": asound.path], dir: run.dir)
            #expect(d.waitExit(timeout: 60) == 0, "stderr:\n\(d.stderr)")
            let text = try? String(contentsOf: prom, encoding: .utf8)
            if enabled {
                #expect(text?.contains("earshot_events_total 1\n") == true, "\(String(describing: text))")
            } else {
                #expect(text == nil, "metrics.enabled: false, yet \(prom.path) was written")
            }
        }
    }

    /// `earshot status` on real earshotd runs: OK while one listens (paced at real time through the ALSA file
    /// plugin), CRITICAL once it has stopped, and CRITICAL "not listening" for one whose device does not exist.
    @Test func earshotStatusSaysWhetherEarshotdListens() throws {
        let run = try DaemonRun()
        let cli = try DaemonProcess.requireBinary().deletingLastPathComponent().appendingPathComponent("earshot").path
        func status(_ config: URL, json: Bool = false) throws -> (status: Int32, out: String) {
            try SystemdUnitTests.run(cli, ["status", "--config", config.path] + (json ? ["--json"] : []))
        }
        /// Polls `earshot status` until its output has `text` (the file is rewritten every second here).
        func status(_ config: URL, until text: String) throws -> (status: Int32, out: String) {
            var r = try status(config)
            let end = Date().addingTimeInterval(15)
            while !r.out.contains(text) && Date() < end { usleep(200_000); r = try status(config) }
            return r
        }
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 30, shots: []), rate: 16_000, dir: run.dir)
        let asound = try fx.writeConfigFile(in: run.dir)
        let prom = run.dir.appendingPathComponent("status.prom")
        let config = try run.writeConfig(metrics: ["path: \(prom.path)", "interval_seconds: 1"], name: "status.yaml")
        #expect(try status(config).status == 2, "no metrics file yet: not running")
        let d = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--pace", "1"],
                                  environment: ["ALSA_CONFIG_PATH": asound.path], dir: run.dir)
        let ok = try status(config, until: ": OK — listening on default and paging")
        #expect(ok.status == 0, "\(ok.out)\nstderr:\n\(d.stderr)")
        let json = try status(config, json: true)
        let o = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(o?["state"] as? String == "OK" && (o?["counters"] as? [String: Any])?["deviceUp"] as? Bool == true, "\(json.out)")
        d.signal(SIGTERM)
        #expect(d.waitExit(timeout: 10) == 0, "stderr:\n\(d.stderr)")
        let stopped = try status(config)
        #expect(stopped.status == 2 && stopped.out.contains(": CRITICAL — stopped\n") && stopped.out.contains("earshotd stopped at "), "\(stopped.out)")

        // a device that does not exist: earshotd runs and retries, and hears nothing
        let missing = try run.writeConfig(device: "hw:0", metrics: ["path: \(run.dir.appendingPathComponent("missing.prom").path)", "interval_seconds: 1"], name: "missing.yaml")
        let m = try DaemonProcess(args: ["--config", missing.path], environment: [:], dir: run.dir)
        let deaf = try status(missing, until: "NOT LISTENING")
        #expect(deaf.status == 2 && deaf.out.contains(": CRITICAL — NOT LISTENING: no audio from hw:0\n"), "\(deaf.out)\nstderr:\n\(m.stderr)")
        m.signal(SIGTERM)
        #expect(m.waitExit(timeout: 10) == 0, "stderr:\n\(m.stderr)")
    }
}
