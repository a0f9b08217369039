import EarshotDaemon
import Foundation
import Testing

/// earshotd over a planted recording through the ALSA file plugin with every alert-side hook configured, for
/// the end-to-end tests of muting (DaemonMuteTests) and of the clip hook (DaemonClipHookTests).
enum DaemonHookFixture {
    struct Setup {
        let run: DaemonRun, state: URL, config: URL, asound: URL, frames: Int, hookOut: URL, clipOut: URL, healthOut: URL, incidentOut: URL
    }

    /// 10 s with shots at 1 s and 8 s; a hook, a clip hook, a health hook and an incident hook that write down
    /// what they were run for; clips (2 s pre-roll, 2 s post-roll) and the metrics file in a state directory.
    static func setup() throws -> Setup {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 10, shots: [1.0, 8.0]), rate: 16_000, dir: run.dir)
        let state = run.dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let hookOut = run.dir.appendingPathComponent("hook.txt"), healthOut = run.dir.appendingPathComponent("health.txt")
        let hook = try HookFixture.script(run.dir, "hook.sh", "echo \"$EARSHOT_EVENT_ID\" >> '\(hookOut.path)'")
        let clipOut = run.dir.appendingPathComponent("clip.txt")
        let clip = try HookFixture.script(run.dir, "clip.sh", "echo \"$EARSHOT_EVENT_ID $EARSHOT_CLIP_READY $(wc -c < \"$EARSHOT_CLIP\")\" >> '\(clipOut.path)'")
        let health = try HookFixture.script(run.dir, "health.sh", "echo \"$EARSHOT_HEALTH $EARSHOT_PROBLEM $EARSHOT_MESSAGE\" >> '\(healthOut.path)'")
        let incidentOut = run.dir.appendingPathComponent("incident.txt")
        let incident = try HookFixture.script(run.dir, "incident.sh",
                                              "echo \"$EARSHOT_INCIDENT_UPDATE $EARSHOT_INCIDENT_SEQ $EARSHOT_INCIDENT_EVENTS $EARSHOT_INCIDENT_STOPPED\" >> '\(incidentOut.path)'")
        let config = run.dir.appendingPathComponent("earshot.yaml")
        try """
            device: default
            model: \(run.model.path)
            cooldown: 1
            retry_min: 0.2
            retry_max: 1
            clips:
              pre_roll: 2
              post_roll: 2
            hook:
              path: \(hook)
              retries: 0
            clip_hook:
              path: \(clip)
              retries: 0
            health_hook:
              path: \(health)
              retries: 0
            incident_hook:
              path: \(incident)
              retries: 0
            """.write(to: config, atomically: true, encoding: .utf8)
        return Setup(run: run, state: state, config: config, asound: try fx.writeConfigFile(in: run.dir), frames: fx.frames, hookOut: hookOut, clipOut: clipOut, healthOut: healthOut, incidentOut: incidentOut)
    }

    /// Runs earshotd over the recording at `pace` (0 = as fast as it goes) with `mute` in its state directory;
    /// returns its stderr (where alerts go in the journal's form when no journald runs).
    static func run(_ s: Setup, mute: Mute?, pace: Double) throws -> String {
        try mute?.write(path: Mute.path(stateDirectory: s.state.path))
        let d = try DaemonProcess(args: ["--config", s.config.path, "--max-frames", String(s.frames), "--pace", String(pace), "--exit-at-end"],
                                  environment: ["ALSA_CONFIG_PATH": s.asound.path, "STATE_DIRECTORY": s.state.path], dir: s.run.dir)
        #expect(d.waitExit(timeout: 60) == 0, "stderr:\n\(d.stderr)")
        return d.stderr
    }

    static func lines(_ u: URL) -> [String] { ((try? String(contentsOf: u, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
    /// The alert lines of earshotd's stderr, a drill's too ("ALERT MESSAGE=[REPLAY] Gunshot detected …").
    static func alerts(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.contains("ALERT MESSAGE=Gunshot detected") || $0.contains("ALERT MESSAGE=[REPLAY] Gunshot detected") }
    }
}
