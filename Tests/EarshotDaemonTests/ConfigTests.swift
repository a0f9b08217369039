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
                    "silence_seconds", "stuck_seconds", "clip_seconds", "clip_level", "clip_fraction", "recover_seconds", "quiet_seconds", "quiet_dbfs", "cancel_seconds", "interval_seconds",
                    "recording", "hours", "file_minutes", "scores", "days", "alert_rate", "expected_per_hour"] {
            #expect(text.range(of: "\n\\s*\(key):", options: .regularExpression) != nil, "config/earshot.yaml lacks '\(key)'")
        }
    }

    /// The comment that documents `key` of `section` ("" for a top-level key) in the shipped file: the nearest
    /// block of comment lines above its line (past the keys it is grouped with, and its section's own line), as
    /// one line of text without the #s.
    static func comment(_ text: String, section: String, key: String) -> String? {
        let lines = text.components(separatedBy: "\n")
        let start = section.isEmpty ? 0 : (lines.firstIndex { $0 == "\(section):" } ?? lines.count)
        let indent = section.isEmpty ? "" : "  "
        guard let at = lines[start...].firstIndex(where: { $0.hasPrefix("\(indent)\(key):") }) else { return nil }
        var block: [String] = []
        for l in lines[..<at].reversed() {
            let t = l.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("#") { block.insert(t.dropFirst().trimmingCharacters(in: .whitespaces), at: 0) } else if !block.isEmpty || t.isEmpty { break }
        }
        return block.joined(separator: " ")
    }

    /// README says every key's default and range are in config/earshot.yaml (docs QA finding 3): the comment
    /// above each ranged section key gives its range as the parser checks it (`rangedKeys`), the hook sections
    /// refer to hook:'s, and the rules that tie keys together are said too.
    @Test func shippedFileGivesEveryRange() throws {
        let text = try String(contentsOf: Self.shipped, encoding: .utf8)
        func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : "\(x)" }
        for k in Self.rangedKeys {
            let parts = k.path.split(separator: ".").map(String.init)
            if ["clip_hook", "health_hook", "incident_hook"].contains(parts[0]) {
                let c = Self.comment(text, section: "", key: parts[0]) ?? ""
                #expect(c.contains("Same keys and limits as hook: above"), "\(parts[0]): \(c)")
                continue
            }
            let c = Self.comment(text, section: parts[0], key: parts[1])
            let range = "\(number(k.lo))…\(number(k.hi))"
            #expect(c?.contains(range) == true, "config/earshot.yaml does not give \(k.path)'s range \(range) above it: \(c ?? "no such key")")
        }
        let stall = Self.comment(text, section: "", key: "stall_seconds") ?? ""
        #expect(stall.contains("1…3600") && stall.contains("at least 2 × period_ms"), "\(stall)")
        let prom = Self.comment(text, section: "metrics", key: "path") ?? ""
        #expect(prom.contains("ending in .prom"), "\(prom)")
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

    /// health_hook: and incident_hook: deliver in order only one run at a time; a config from before that (its
    /// health_hook max_concurrent 4, kept by an upgrade) is told so, only where a hook is set.
    @Test func aSectionInOrderRunningSeveralAtOnceIsAProblem() throws {
        let old = try DaemonConfig.parse("""
            hook:
              path: /usr/local/bin/page
              max_concurrent: 4
            health_hook:
              path: /usr/local/bin/health
              max_concurrent: 4
            incident_hook:
              path: /usr/local/bin/incident
              max_concurrent: 2
            """, source: "t.yaml")
        let health = try #require(old.healthHook.orderProblem())
        #expect(health.hasPrefix("health_hook.max_concurrent: 4 runs several at once") && health.contains("set max_concurrent: 1"), "\(health)")
        #expect(old.incidentHook.orderProblem()?.hasPrefix("incident_hook.max_concurrent: 2 ") == true)
        #expect(old.hook.orderProblem() == nil && old.clipHook.orderProblem() == nil, "alerts are not states: a retry must not hold up the next page")
        let shipped = try DaemonConfig.parse("health_hook:\n  path: /usr/local/bin/health\nincident_hook:\n  path: /usr/local/bin/incident\n", source: "t.yaml")
        #expect(shipped.healthHook.orderProblem() == nil && shipped.incidentHook.orderProblem() == nil, "one at a time by default")
        let unset = try DaemonConfig.parse("health_hook:\n  max_concurrent: 4\n", source: "t.yaml")
        #expect(unset.healthHook.orderProblem() == nil, "no hook, nothing out of order")
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

    /// A section key's documented range, and how its section's `validate()` sees a value of it.
    struct RangedKey {
        enum Kind { case int, double, float }
        let path: String
        let kind: Kind
        let lo: Double, hi: Double
        let validate: (Double) throws -> Void

        /// `x` as the YAML text of this key's type.
        func text(_ x: Double) -> String {
            switch kind {
            case .int: return String(Int(x))
            case .double: return "\(x)"
            case .float: return "\(Float(x))"
            }
        }
        /// Just below the range and just above it.
        var outside: [Double] {
            switch kind {
            case .int: return [lo - 1, hi + 1]
            case .double: return [lo.nextDown, hi.nextUp]
            case .float: return [Double(Float(lo).nextDown), Double(Float(hi).nextUp)]
            }
        }
        /// A config holding `text` for this key.
        var yaml: (String) -> String {
            let parts = path.split(separator: ".")
            return { "\(parts[0]):\n  \(parts[1]): \($0)\n" }
        }
    }

    /// Every numeric key the sections' `validate()` checks, with the range README and config/earshot.yaml give.
    static let rangedKeys: [RangedKey] = {
        var keys: [RangedKey] = []
        for section in ["hook", "clip_hook", "health_hook", "incident_hook"] {
            func hook(_ key: String, _ kind: RangedKey.Kind, _ lo: Double, _ hi: Double, _ set: @escaping (inout HookSettings, Double) -> Void) {
                keys.append(RangedKey(path: "\(section).\(key)", kind: kind, lo: lo, hi: hi) { v in var s = HookSettings(section: section); set(&s, v); try s.validate() })
            }
            hook("timeout", .double, 0.1, 3600) { $0.timeout = $1 }
            hook("kill_after", .double, 0, 60) { $0.killAfter = $1 }
            hook("max_concurrent", .int, 1, 64) { $0.maxConcurrent = Int($1) }
            hook("max_queued", .int, 0, 1024) { $0.maxQueued = Int($1) }
            hook("stderr_tail", .int, 0, 65_536) { $0.stderrTailBytes = Int($1) }
            hook("retries", .int, 0, 20) { $0.retries = Int($1) }
            hook("retry_delay", .double, 0.1, 600) { $0.retryDelay = $1 }
        }
        func heartbeat(_ key: String, _ kind: RangedKey.Kind, _ lo: Double, _ hi: Double, _ set: @escaping (inout HeartbeatSettings, Double) -> Void) {
            keys.append(RangedKey(path: "heartbeat.\(key)", kind: kind, lo: lo, hi: hi) { v in var s = HeartbeatSettings(); set(&s, v); try s.validate() })
        }
        heartbeat("interval", .double, 1, 86_400) { $0.interval = $1 }
        heartbeat("timeout", .double, 0.1, 3600) { $0.hook.timeout = $1 }
        heartbeat("kill_after", .double, 0, 60) { $0.hook.killAfter = $1 }
        heartbeat("stderr_tail", .int, 0, 65_536) { $0.hook.stderrTailBytes = Int($1) }
        func clips(_ key: String, _ kind: RangedKey.Kind, _ lo: Double, _ hi: Double, _ set: @escaping (inout ClipSettings, Double) -> Void) {
            keys.append(RangedKey(path: "clips.\(key)", kind: kind, lo: lo, hi: hi) { v in var s = ClipSettings(); set(&s, v); try s.validate() })
        }
        clips("pre_roll", .double, 0, 60) { $0.preRoll = $1 }
        clips("post_roll", .double, 0.1, 60) { $0.postRoll = $1 }
        clips("max_count", .int, 1, 100_000) { $0.maxCount = Int($1) }
        clips("max_bytes", .int, 1_000_000, 1_000_000_000_000) { $0.maxBytes = Int($1) }
        clips("max_age_days", .double, 0, 3650) { $0.maxAgeDays = $1 }
        func recording(_ key: String, _ lo: Double, _ hi: Double, _ set: @escaping (inout RecordingSettings, Double) -> Void) {
            keys.append(RangedKey(path: "recording.\(key)", kind: .double, lo: lo, hi: hi) { v in var s = RecordingSettings(); set(&s, v); try s.validate() })
        }
        recording("hours", 0.01, 720) { $0.hours = $1 }
        recording("file_minutes", 1, 1440) { $0.fileMinutes = $1 }
        func scores(_ key: String, _ lo: Double, _ hi: Double, _ set: @escaping (inout ScoreLogSettings, Double) -> Void) {
            keys.append(RangedKey(path: "scores.\(key)", kind: .double, lo: lo, hi: hi) { v in var s = ScoreLogSettings(); set(&s, v); try s.validate() })
        }
        scores("days", 0.01, 3650) { $0.days = $1 }
        scores("file_minutes", 1, 1440) { $0.fileMinutes = $1 }
        keys.append(RangedKey(path: "alert_rate.expected_per_hour", kind: .double, lo: 0.001, hi: 3600) { try AlertRateSettings(expectedPerHour: $0).validate() })
        func liveness(_ key: String, _ kind: RangedKey.Kind, _ lo: Double, _ hi: Double, _ set: @escaping (inout LivenessSettings, Double) -> Void) {
            keys.append(RangedKey(path: "liveness.\(key)", kind: kind, lo: lo, hi: hi) { v in var s = LivenessSettings(); set(&s, v); try s.validate() })
        }
        liveness("silence_seconds", .double, 1, 86_400) { $0.silenceSeconds = $1 }
        liveness("stuck_seconds", .double, 1, 86_400) { $0.stuckSeconds = $1 }
        liveness("clip_seconds", .double, 0.5, 86_400) { $0.clipSeconds = $1 }
        liveness("clip_level", .float, 0.5, 1) { $0.clipLevel = Float($1) }
        liveness("clip_fraction", .float, 0.0001, 1) { $0.clipFraction = Float($1) }
        liveness("recover_seconds", .double, 0, 3600) { $0.recoverSeconds = $1 }
        liveness("quiet_seconds", .double, 0, 86_400) { $0.quietSeconds = $1 }
        liveness("quiet_dbfs", .double, -90, -40) { $0.quietDBFS = $1 }
        liveness("cancel_seconds", .double, 1, 86_400) { $0.cancelSeconds = $1 }
        keys.append(RangedKey(path: "metrics.interval_seconds", kind: .double, lo: 1, hi: 3600) { try MetricsSettings(intervalSeconds: $0).validate() })
        return keys
    }()

    /// One range per key (docs QA finding 2): the parser and the section's `validate()` accept both ends of the
    /// documented range, and refuse a value just outside it with the same message, whichever of them meets it —
    /// before, the parser had its own ranges (`clips.max_age_days` 0.001…36500 against 0…3650, so its "0 = keep
    /// forever" was refused), and a value between the two got the other check's message.
    @Test func eachSectionKeyHasOneRangeAndOneMessage() throws {
        #expect(Self.rangedKeys.count == 4 * 7 + 4 + 5 + 2 + 2 + 1 + 9 + 1)
        for k in Self.rangedKeys {
            for end in [k.lo, k.hi] {
                let text = k.text(end)
                do { _ = try DaemonConfig.parse(k.yaml(text), source: "t.yaml") } catch { Issue.record("\(k.path): \(text) refused by the parser: \(error)") }
                do { try k.validate(end) } catch { Issue.record("\(k.path): \(text) refused by validate(): \(error)") }
            }
            for bad in k.outside {
                let text = k.text(bad)
                guard let parsed = error(k.yaml(text)) else { Issue.record("\(k.path): \(text) accepted by the parser"); continue }
                do { try k.validate(bad); Issue.record("\(k.path): \(text) accepted by validate()") } catch let s as SettingsError {
                    #expect(parsed.key == k.path && s.key == k.path && parsed.line == 2, "\(parsed) / \(s)")
                    #expect(parsed.problem == s.configProblem, "\(k.path) = \(text): the parser says '\(parsed.problem)', validate() '\(s.configProblem)'")
                    #expect(parsed.problem.contains("set it between"), "\(parsed)")
                }
            }
        }
        // the messages of finding 2's table, now one per key
        #expect(error("clips:\n  max_age_days: 5000\n")?.description == "t.yaml:2: 'clips.max_age_days' 5000.0 is out of range; set it between 0.0 and 3650.0 days (0 = keep forever)")
        #expect(error("clips:\n  max_count: 2000000\n")?.description == "t.yaml:2: 'clips.max_count' 2000000 is out of range; set it between 1 and 100000")
        #expect(error("clips:\n  max_bytes: 5000\n")?.description == "t.yaml:2: 'clips.max_bytes' 5000 is out of range; set it between 1000000 and 1000000000000 bytes")
        #expect(error("hook:\n  max_queued: 5000\n")?.description == "t.yaml:2: 'hook.max_queued' 5000 is out of range; set it between 0 and 1024")
        #expect(error("liveness:\n  quiet_dbfs: -100\n")?.description == "t.yaml:2: 'liveness.quiet_dbfs' -100.0 is out of range; set it between -90.0 and -40.0 dBFS")
    }

    /// `clips.max_age_days: 0` is "keep forever", as its message and ClipSettings say: accepted, and no age limit.
    @Test func clipsMaxAgeZeroKeepsForever() throws {
        let c = try DaemonConfig.parse("clips:\n  max_age_days: 0\n", source: "t.yaml")
        #expect(c.clips.maxAgeDays == 0)
        #expect(throws: Never.self) { try c.clips.validate() }
    }

    @Test func sectionValidationIsReportedWithTheKey() throws {
        // ops' validate(): a relative hook path is a settings error, surfaced as a ConfigError naming the key.
        let e = try #require(error("hook:\n  path: relative/script.sh\n"))
        #expect(e.key.hasPrefix("hook"), "\(e)")
    }

    @Test func loadMissingExplicitPathIsAnErrorNamingIt() throws {
        do { _ = try DaemonConfig.load(path: "/nonexistent/earshot.yaml"); Issue.record("expected an error") } catch let e as ConfigError {
            #expect(e.source == "/nonexistent/earshot.yaml" && e.description.hasPrefix("/nonexistent/earshot.yaml: config file not found — check the path"), "\(e)")
            // said by earshotd (--config) and by check-config (a path argument) alike: no option either lacks (docs QA finding 8)
            #expect(!e.description.contains("--config") && e.description.contains("/etc/earshot/earshot.yaml is read (or the built-in defaults"), "\(e)")
        }
    }

    @Test func loadReadsAFile() throws {
        let dir = TestPaths.tempDir("cfg")
        let u = dir.appendingPathComponent("e.yaml")
        try "cooldown: 7\n".write(to: u, atomically: true, encoding: .utf8)
        #expect(try DaemonConfig.load(path: u.path).cooldown == 7)
    }
}
