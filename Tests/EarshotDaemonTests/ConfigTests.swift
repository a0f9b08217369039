import EarshotDaemon
import EarshotDSP
import EarshotNN
import Foundation
import Testing

/// DaemonConfig: defaults, the shipped documented file, and errors that name the key, the line and the fix.
@Suite struct ConfigTests {
    static let shipped = TestPaths.repo.appendingPathComponent("config/earshot.yaml")

    func error(_ yaml: String) -> ConfigError? {
        do { _ = try DaemonConfig.parse(yaml, source: "t.yaml"); return nil } catch let e as ConfigError { return e } catch {
            Issue.record("untyped error \(error)"); return nil
        }
    }

    @Test func emptyFileIsDefaults() throws {
        #expect(try DaemonConfig.parse("", source: "t.yaml") == DaemonConfig())
        #expect(try DaemonConfig.parse("# only a comment\n", source: "t.yaml") == DaemonConfig())
    }

    @Test func shippedFileDocumentsEveryKeyWithItsDefault() throws {
        let text = try String(contentsOf: Self.shipped, encoding: .utf8)
        #expect(try DaemonConfig.parse(text, source: Self.shipped.path) == DaemonConfig(), "the shipped file's values are the defaults")
        // Every key the parser knows appears, and each has a comment line above it or in its section.
        for key in ["device", "location", "channels", "channel", "sample_rate", "period_ms", "ring_seconds", "model", "threshold", "false_alarms_per_hour", "min_consecutive", "max_dips",
                    "merge_gap", "cooldown", "incident_gap", "hop", "priority", "blas_threads", "log_level", "retry_min", "retry_max",
                    "stall_seconds", "hook", "health_hook", "incident_hook", "heartbeat", "interval", "clips", "liveness", "metrics", "timeout", "kill_after", "max_concurrent", "max_queued", "stderr_tail", "retries", "retry_delay",
                    "enabled", "directory", "pre_roll", "post_roll", "max_count", "max_bytes", "max_age_days",
                    "silence_seconds", "stuck_seconds", "clip_seconds", "clip_level", "clip_fraction", "recover_seconds", "interval_seconds",
                    "recording", "hours", "file_minutes", "scores", "days", "alert_rate", "expected_per_hour"] {
            #expect(text.range(of: "\n\\s*\(key):", options: .regularExpression) != nil, "config/earshot.yaml lacks '\(key)'")
        }
    }

    @Test func valuesAreRead() throws {
        let c = try DaemonConfig.parse("""
        device: "hw:1,0"
        channels: 2
        channel: 1
        sample_rate: 48000
        threshold: 0.8
        cooldown: 3.5
        max_dips: 1
        hook:
          path: /usr/local/bin/notify
          timeout: 4
        clips:
          enabled: no
        """, source: "t.yaml")
        #expect(c.device == "hw:1,0" && c.channels == 2 && c.channel == 1 && c.sampleRate == 48_000)
        #expect(c.threshold == 0.8 && c.cooldown == 3.5 && c.maxDips == 1 && c.rule(0.5).maxDips == 1)
        #expect(c.hook.path == "/usr/local/bin/notify" && c.hook.timeout == 4 && !c.clips.enabled)
        #expect(c.rule(0.5).threshold == 0.8, "the config's threshold overrides the model's")
        #expect(DaemonConfig().rule(0.42).threshold == 0.42, "no threshold: the model's")
    }

    /// A rule that can count more events than the model's calibration rule is warned about, naming the key.
    @Test func aRuleLooserThanTheModelsCalibrationIsAProblem() throws {
        let net = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        let m = Model(network: net, features: FeatureConfig(), threshold: 0.9, thresholds: ["1": 0.9, "5": 0.8])
        #expect(DaemonConfig().calibrationProblem(model: m) == nil)
        let c = try DaemonConfig.parse("min_consecutive: 1\nfalse_alarms_per_hour: 5\n", source: "t.yaml")
        #expect(c.calibrationProblem(model: m)?.hasPrefix("min_consecutive 1 (calibrated: 2): ") == true, "\(String(describing: c.calibrationProblem(model: m)))")
        #expect(try DaemonConfig.parse("min_consecutive: 1\nthreshold: 0.95\n", source: "t.yaml").calibrationProblem(model: m) == nil, "an explicit threshold")
    }

    /// `false_alarms_per_hour:` picks the model's calibrated threshold; it and `threshold:` exclude each other.
    @Test func falseAlarmRatePicksTheModelsCalibratedThreshold() throws {
        let net = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        let m = Model(network: net, features: FeatureConfig(), threshold: 0.9, thresholds: ["1": 0.9, "5": 0.8, "10": 0.75])
        let c = try DaemonConfig.parse("false_alarms_per_hour: 5\n", source: "t.yaml")
        #expect(c.falseAlarmsPerHour == 5)
        #expect(try c.threshold(for: m) == 0.8)
        #expect(try DaemonConfig().threshold(for: m) == 0.9, "neither key: the model's own")
        #expect(try DaemonConfig.parse("threshold: 0.6\n", source: "t.yaml").threshold(for: m) == 0.6)
        let odd = try DaemonConfig.parse("false_alarms_per_hour: 3\n", source: "t.yaml")
        #expect(throws: ModelFileError.self) { try odd.threshold(for: m) }
        let both = try #require(error("threshold: 0.5\nfalse_alarms_per_hour: 5\n"))
        #expect(both.key == "false_alarms_per_hour" && both.line == 2 && both.problem.contains("threshold"), "\(both)")
        let range = try #require(error("false_alarms_per_hour: -1\n"))
        #expect(range.key == "false_alarms_per_hour")
    }

    @Test func unknownKeyNamesKeyLineAndKnownKeys() throws {
        let e = try #require(error("device: default\ntreshold: 0.5\n"))
        #expect(e.key == "treshold" && e.line == 2)
        #expect(e.description.contains("t.yaml:2") && e.description.contains("threshold"), "\(e)")
    }

    @Test func unknownKeyInSectionHasDottedPath() throws {
        let e = try #require(error("clips:\n  enabled: true\n  pre_rol: 3\n"))
        #expect(e.key == "clips.pre_rol" && e.line == 3, "\(e)")
    }

    /// Broken YAML is reported at its line with libyaml's problem in words (no parser dump); a key given twice
    /// names both lines of its own section, not a same-named key of another section.
    @Test func brokenYAMLNamesTheLine() throws {
        let flow = try #require(error("device: default\nhook: {path: [\n"))
        #expect(flow.line == 3 && flow.description.contains("t.yaml:3: is not valid YAML (column") && !flow.description.contains("\n"), "\(flow)")
        let indent = try #require(error("device: a\n  bad indent: x\n"))
        #expect(indent.line == 2 && indent.description.contains("mapping values are not allowed") && indent.description.contains("indentation"), "\(indent)")
        let twice = try #require(error("device: a\nhook:\n  path: /bin/true\ndevice: b\n"))
        #expect(twice.line == 4 && twice.key == "device" && twice.description.contains("(lines 1, 4): keep one"), "\(twice)")
        let nested = try #require(error("hook:\n  path: /bin/true\n  timeout: 3\n  path: /bin/false\nclip_hook:\n  path: /bin/true\n"))
        #expect(nested.line == 4 && nested.key == "path" && nested.description.contains("(lines 2, 4)"), "\(nested)")
    }

    @Test func wrongTypesAreErrors() throws {
        #expect(error("channels: two\n")?.key == "channels")
        #expect(error("cooldown: [1, 2]\n")?.key == "cooldown")
        #expect(error("clips:\n  enabled: maybe\n")?.key == "clips.enabled")
        #expect(error("hook: 3\n")?.key == "hook")
        #expect(error("- a\n- b\n") != nil, "a list at the top is not a configuration")
        #expect(error("device: [\n") != nil, "broken YAML")
    }

    @Test func outOfRangeValuesNameTheRange() throws {
        let e = try #require(error("\n\nthreshold: 1.5\n"))
        #expect(e.key == "threshold" && e.line == 3 && e.description.contains("0.0…1.0"), "\(e)")
        #expect(error("priority: 9\n")?.key == "priority")
        #expect(error("sample_rate: 100\n")?.key == "sample_rate")
        #expect(error("channels: 2\nchannel: 2\n")?.key == "channel", "channel index must be below channels")
        #expect(error("log_level: loud\n")?.key == "log_level")
        #expect(error("retry_min: 5\nretry_max: 2\n")?.key == "retry_max")
        #expect(error("stall_seconds: 0.5\n")?.key == "stall_seconds")
        #expect(error("period_ms: 800\nstall_seconds: 1.5\n")?.description.contains("twice period_ms (1600 ms)") == true)
    }

    /// `location:` names the microphone's place in alerts: one line, trimmed, bounded; anything else names the key.
    @Test func locationIsOneBoundedLine() throws {
        #expect(try DaemonConfig.parse("location: North entrance, level 1\n", source: "t.yaml").location == "North entrance, level 1")
        #expect(try DaemonConfig.parse("location: \"  Hall B  \"\n", source: "t.yaml").location == "Hall B", "trimmed")
        #expect(try DaemonConfig.parse("location: Café Süd — Bühne\n", source: "t.yaml").location == "Café Süd — Bühne")
        let newline = try #require(error("device: default\nlocation: \"Hall\\nB\"\n"))
        #expect(newline.key == "location" && newline.line == 2 && newline.problem.contains("one line"), "\(newline)")
        #expect(error("location: \"Hall\\tB\"\n")?.key == "location", "a tab is a control character too")
        let long = String(repeating: "x", count: DaemonConfig.maxLocationLength + 1)
        #expect(error("location: \(long)\n")?.problem.contains("at most \(DaemonConfig.maxLocationLength) characters") == true)
        #expect(try DaemonConfig.parse("location: \(long.dropLast())\n", source: "t.yaml").location.count == DaemonConfig.maxLocationLength)
    }

    /// `heartbeat:` has its own keys: no queue or retries to set (one at a time; the next beat is the retry).
    @Test func heartbeatSection() throws {
        let c = try DaemonConfig.parse("heartbeat:\n  path: /usr/local/bin/beat\n  interval: 60\n", source: "t.yaml")
        #expect(c.heartbeat.hook.path == "/usr/local/bin/beat" && c.heartbeat.interval == 60)
        #expect(c.heartbeat.hook.maxConcurrent == 1 && c.heartbeat.hook.maxQueued == 0 && c.heartbeat.hook.retries == 0)
        #expect(DaemonConfig().heartbeat.hook.path == nil && DaemonConfig().heartbeat.interval == 300, "off by default")
        #expect(error("heartbeat:\n  interval: 0\n")?.key == "heartbeat.interval")
        #expect(error("heartbeat:\n  retries: 3\n")?.key == "heartbeat.retries")
        #expect(error("heartbeat:\n  path: beat.sh\n")?.key.hasPrefix("heartbeat") == true, "a relative path names its section")
    }

    @Test func clipHookSection() throws {
        let c = try DaemonConfig.parse("clip_hook:\n  path: /usr/local/bin/send-clip\n  timeout: 30\n", source: "t.yaml")
        #expect(c.clipHook.path == "/usr/local/bin/send-clip" && c.clipHook.timeout == 30 && c.clipHook.retries == 3 && c.clipHook.section == "clip_hook")
        #expect(DaemonConfig().clipHook.path == nil, "off by default")
        #expect(error("clip_hook:\n  retries: 99\n")?.key == "clip_hook.retries")
        // a clip hook with clips off would never run: said at once, with the line
        let e = try #require(error("clips:\n  enabled: false\nclip_hook:\n  path: /usr/local/bin/send-clip\n"))
        #expect(e.key == "clip_hook.path" && e.line == 4 && "\(e)".contains("clips.enabled is false"), "\(e)")
    }

    @Test func sectionValidationIsReportedWithTheKey() throws {
        // ops' validate(): a relative hook path is a settings error, surfaced as a ConfigError naming the key.
        let e = try #require(error("hook:\n  path: relative/script.sh\n"))
        #expect(e.key.hasPrefix("hook"), "\(e)")
    }

    @Test func loadMissingExplicitPathIsAnErrorNamingIt() throws {
        do { _ = try DaemonConfig.load(path: "/nonexistent/earshot.yaml"); Issue.record("expected an error") } catch let e as ConfigError {
            #expect(e.source == "/nonexistent/earshot.yaml" && e.description.contains("--config"), "\(e)")
        }
    }

    @Test func loadReadsAFile() throws {
        let dir = TestPaths.tempDir("cfg")
        let u = dir.appendingPathComponent("e.yaml")
        try "cooldown: 7\n".write(to: u, atomically: true, encoding: .utf8)
        #expect(try DaemonConfig.load(path: u.path).cooldown == 7)
    }
}
