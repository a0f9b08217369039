import EarshotDSP
import Foundation
import Testing

/// `earshotd --instance NAME` (what earshot@NAME.service runs, one per microphone) through the real ALSA path:
/// its clips and metrics land in its own state directory ($STATE_DIRECTORY, as systemd sets it), its metrics
/// are labelled with its name, and its alerts say where they were heard.
@Suite(.serialized) struct DaemonInstanceTests {
    @Test func instanceKeepsItsStateApartAndSaysWhere() throws {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 10, shots: [3.0]), rate: 16_000, dir: run.dir)
        let asound = try fx.writeConfigFile(in: run.dir)
        let state = run.dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        // clips: and metrics: left at their defaults, which an instance puts in its state directory.
        let cfg = run.dir.appendingPathComponent("north-entrance.yaml")
        try "device: default\nmodel: \(run.model.path)\ncooldown: 1\nretry_min: 0.2\nretry_max: 1\n".write(to: cfg, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(args: ["--instance", "north-entrance", "--config", cfg.path, "--max-frames", String(fx.frames), "--exit-at-end"],
                                       environment: ["ALSA_CONFIG_PATH": asound.path, "STATE_DIRECTORY": state.path], dir: run.dir)
        #expect(daemon.waitExit(timeout: 60) == 0, "stderr:\n\(daemon.stderr)")
        let err = daemon.stderr
        #expect(err.contains("ALERT MESSAGE=Gunshot detected at north-entrance (default), score"), "the instance's name says where:\n\(err)")
        #expect(err.contains("EARSHOT_LOCATION=north-entrance") && err.contains("EARSHOT_CLIP=\(state.path)/clips/"), "\(err)")
        let clips = (try? FileManager.default.contentsOfDirectory(atPath: state.path + "/clips")) ?? []
        #expect(clips.filter { $0.hasSuffix(".wav") }.count == 1, "\(clips)")
        let prom = (try? String(contentsOfFile: state.path + "/earshot.prom", encoding: .utf8)) ?? ""
        #expect(prom.contains("earshot_events_total{earshot_instance=\"north-entrance\"} 1\n"), "\(prom)")
        // which earshotd and which model file run on this microphone
        #expect(prom.contains("earshot_build_info{earshot_instance=\"north-entrance\",version=\"\(EarshotVersion.string)\",model=\"\(run.model.lastPathComponent)\"} 1\n"), "\(prom)")
    }
}
