import Foundation
import Testing

/// `health_hook:` through the whole daemon for the microphone's liveness (the device's own notices are in
/// DaemonNotifyTests: a missing device, a stalled capture).
@Suite(.serialized) struct DaemonHealthHookTests {
    /// 3 s of sound, 4 s of digital silence, 3 s of sound through the ALSA file plugin: the health hook runs
    /// once when the silence has lasted `silence_seconds`, and once when sound is back.
    @Test func silentMicrophoneAndItsRecoveryRunTheHealthHook() throws {
        let run = try DaemonRun()
        var x = DaemonTestSignals.recording(seconds: 10, shots: [])
        for i in (3 * 16_000)..<(7 * 16_000) { x[i] = 0 }
        let fx = try AlsaFileFixture(x, rate: 16_000, dir: run.dir)
        let asound = try fx.writeConfigFile(in: run.dir)
        let out = run.dir.appendingPathComponent("health.txt")
        let hook = try HookFixture.script(run.dir, "health.sh", "{ env | grep '^EARSHOT_' | sort; echo --; } >> '\(out.path)'")
        let config = try run.writeConfig(extra: "location: Loading dock\nliveness:\n  silence_seconds: 1\n  recover_seconds: 0.5\nhealth_hook:\n  path: \(hook)")
        let daemon = try DaemonProcess(args: ["--config", config.path, "--max-frames", String(fx.frames), "--exit-at-end"],
                                       environment: ["ALSA_CONFIG_PATH": asound.path], dir: run.dir)
        #expect(daemon.waitExit(timeout: 60) == 0, "stderr:\n\(daemon.stderr)")
        let notices = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").components(separatedBy: "--\n").filter { !$0.isEmpty }
        #expect(notices.count == 2, "one notice for the silence, one for its end: \(notices)")
        if notices.count == 2 {
            #expect(notices[0].contains("EARSHOT_HEALTH=silence\n") && notices[0].contains("EARSHOT_PROBLEM=1\n")
                    && notices[0].contains("EARSHOT_MESSAGE=Microphone input is digital silence"), "\(notices[0])")
            #expect(notices[0].contains("EARSHOT_LOCATION=Loading dock\n") && notices[0].contains("EARSHOT_TEST=0\n"), "\(notices[0])")
            #expect(notices[1].contains("EARSHOT_HEALTH=silence\n") && notices[1].contains("EARSHOT_PROBLEM=0\n"), "\(notices[1])")
        }
    }
}
