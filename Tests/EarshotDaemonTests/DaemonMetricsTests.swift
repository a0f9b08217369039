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
}
