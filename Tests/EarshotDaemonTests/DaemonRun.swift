import Foundation

/// One earshotd run over a planted recording, through the ALSA file plugin, optionally inside a private
/// journald (`unshare -m bash Scripts/private-journal.sh`). Shared by the end-to-end tests.
struct DaemonRun {
    let dir = TestPaths.tempDir("earshotd")
    var model: URL

    init() throws { model = try EnergyModel.write(to: dir.appendingPathComponent("energy.safetensors")) }

    /// A config for `device` with the test model; `extra` YAML lines are appended; `clips`, `metrics`, `scores`: those
    /// sections' lines (off unless given: the defaults would write to /var/lib/earshot).
    func writeConfig(device: String = "default", sampleRate: Int = 16_000, extra: String = "", clips: [String] = ["enabled: false"],
                     metrics: [String] = ["enabled: false"], scores: [String] = ["enabled: false"], retryMin: Double = 0.2, cooldown: Double = 1,
                     name: String = "earshot.yaml") throws -> URL {
        let u = dir.appendingPathComponent(name)
        let yaml = """
        device: \(device)
        sample_rate: \(sampleRate)
        model: \(model.path)
        cooldown: \(cooldown)
        retry_min: \(retryMin)
        retry_max: 1
        clips:
        \(clips.map { "  " + $0 }.joined(separator: "\n"))
        metrics:
        \(metrics.map { "  " + $0 }.joined(separator: "\n"))
        scores:
        \(scores.map { "  " + $0 }.joined(separator: "\n"))
        \(extra)
        """
        try yaml.write(to: u, atomically: true, encoding: .utf8)
        return u
    }

    /// Runs earshotd over `fixture` to its end inside a private journal; returns the journal's earshotd entries.
    func journalRun(_ fixture: AlsaFileFixture, config: URL, environment: [String: String] = [:], timeout: Double = 120) throws -> (entries: [[String: String]], stderr: String, status: Int32?) {
        let asound = try fixture.writeConfigFile(in: dir)
        return try journalRun(config: config, args: ["--max-frames", String(fixture.frames), "--exit-at-end"],
                              environment: environment.merging(["ALSA_CONFIG_PATH": asound.path]) { $1 }, timeout: timeout)
    }

    /// Runs `earshotd --config config args…` inside a private journal until it exits; returns the journal's
    /// earshotd entries.
    func journalRun(config: URL, args: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> (entries: [[String: String]], stderr: String, status: Int32?) {
        let exe = try DaemonProcess.requireBinary()
        let script = TestPaths.repo.appendingPathComponent("Tests/EarshotDaemonTests/Scripts/private-journal.sh")
        let out = dir.appendingPathComponent("journal-\(UUID().uuidString.prefix(6)).json")
        let p = try DaemonProcess(executable: URL(fileURLWithPath: "/usr/bin/unshare"),
                                  args: ["-m", "/bin/bash", script.path, out.path, exe.path, "--config", config.path] + args,
                                  environment: environment.merging(["JOURNAL_STREAM": "8:1"]) { $1 }, dir: dir)
        let status = p.waitExit(timeout: timeout)
        let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let entries = text.split(separator: "\n").compactMap { line -> [String: String]? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return o.compactMapValues { $0 as? String }
        }
        return (entries, p.stderr, status)
    }

    static func alerts(_ entries: [[String: String]]) -> [[String: String]] {
        entries.filter { $0["MESSAGE_ID"] == "88a049a25a974a828bee9f70b35c0a93" }
    }
}
