import EarshotDetect
import EarshotNN
import Foundation
import Yams

/// earshotd's settings, from YAML (`/etc/earshot/earshot.yaml`, `--config PATH`). Every key, its default and
/// its range are documented in `config/earshot.yaml`. Unknown keys, wrong types and out-of-range values are
/// `ConfigError`s naming the key and line; no file means defaults that work.
public struct DaemonConfig: Sendable, Equatable {
    public static let defaultPath = "/etc/earshot/earshot.yaml"

    /// ALSA PCM to capture from (`earshot devices` lists them).
    public var device = "default"
    /// Where the microphone is, in the words security acts on ("North entrance, level 1"): in every alert's
    /// message, EARSHOT_LOCATION of alerts and health notices, and their JSON. "" = not said (an instance's
    /// name when it has one).
    public var location = ""
    /// `location:`'s limit in characters (a pager's title line, not an essay).
    public static let maxLocationLength = 120
    /// Channels to open; `channel` picks one (0-based) or "mix" averages them.
    public var channels = 1
    public var channel: Int? = nil
    /// Rate requested from the device; anything other than the model's rate is resampled with libsoxr.
    public var sampleRate = 16_000
    /// ALSA period (read size) in milliseconds.
    public var periodMs = 100
    /// Capture ring size in seconds (absorbs detection stalls before overruns are counted).
    public var ringSeconds = 30.0
    /// Model file; nil = the shipped default model.
    public var model: String? = nil
    /// Overrides the model's threshold.
    public var threshold: Double? = nil
    /// Picks the model's threshold calibrated for this many false alarms per hour (instead of `threshold`).
    public var falseAlarmsPerHour: Double? = nil
    public var minConsecutive = 2
    /// Below-threshold windows in a row that a run being confirmed survives (`DecisionRule.maxDips`).
    public var maxDips = 0
    public var mergeGap = 0.5
    public var cooldown = 10.0
    /// Seconds without a gunshot event that end an incident (`Incident`); at least `cooldown` in effect.
    public var incidentGap = 60.0
    public var hop = 0.1
    /// Journal PRIORITY of alerts (2 = crit).
    public var priority = 2
    public var blasThreads = 1
    public var logLevel = "info"
    /// Device retry back-off, seconds (doubles up to `retryMax`).
    public var retryMin = 1.0
    public var retryMax = 30.0
    /// An open device that delivers nothing for this many seconds has stalled: earshotd says so and stops
    /// pinging the systemd watchdog, so systemd restarts it (`WatchdogSec=`).
    public var stallSeconds = 10.0
    /// The device must deliver this long without a loss before the health hook is told it is back
    /// (`DeviceNoticeHold`): a link that flaps pages one outage, not two notices per flap. 0: at once.
    public var deviceRecoverSeconds = 10.0
    public var hook = HookSettings()
    /// Runs once an alert's evidence clip is written (`clips.post_roll` after the shot), with the alert's data
    /// and EARSHOT_CLIP_READY=1: to send the recording to whoever was paged. `clip_hook:`, the keys of `hook:`.
    public var clipHook = HookSettings(section: "clip_hook", lostWhenGivenUp: "the clip is on the box only (EARSHOT_CLIP)")
    /// Runs when the detector stops or starts hearing (device lost/back, capture stalled, microphone silent,
    /// stuck or clipping, and their recovery): `health_hook:`, the same keys as `hook:`, one run at a time by default
    /// so a problem's notice and its end's arrive in order (four at once had a hook told "recovered" first), a
    /// failed one retried before the next runs (`HookSettings.deliversInOrder`).
    public var healthHook = HookSettings(maxConcurrent: 1, section: "health_hook", lostWhenGivenUp: "the notice is in the journal only", inOrder: true)
    /// Runs for every step of an incident — each alert, each gunshot event the cooldown held back, and its end —
    /// for a dashboard or building system that shows a shooting while it goes on (`IncidentUpdate`):
    /// `incident_hook:`, the keys of `hook:`, one run at a time by default so the steps arrive in order, a failed
    /// one retried before the next runs (`HookSettings.deliversInOrder`).
    public var incidentHook = HookSettings(maxConcurrent: 1, section: "incident_hook", lostWhenGivenUp: "the step is in the journal only", inOrder: true)
    /// Runs every `heartbeat.interval` seconds while the detector hears, for an outside dead man's switch.
    public var heartbeat = HeartbeatSettings()
    public var clips = ClipSettings()
    public var recording = RecordingSettings()
    /// `scores:` — every window's score, for `earshot calibrate --scores` (no sound kept).
    public var scores = ScoreLogSettings()
    /// `alert_rate:` — the alerts paged held against the threshold's calibrated false-alarm rate.
    public var alertRate = AlertRateSettings()
    public var liveness = LivenessSettings()
    public var metrics = MetricsSettings()

    /// Built-in defaults for the single service (state under /var/lib/earshot).
    public init() {}

    /// Built-in defaults for `instance`: clips, site recordings and the metrics file in its state directory,
    /// and its name as the location.
    public init(instance: Instance) {
        let dir = instance.stateDirectory
        clips.directory = dir + "/clips"
        recording.directory = dir + "/recordings"
        scores.directory = dir + "/scores"
        metrics.path = dir + "/earshot.prom"
        location = instance.name ?? ""
    }

    /// Whether `other` opens or runs capture differently (device, format, period, ring, retries): a reload between
    /// the two re-makes the capture thread.
    public func captureDiffers(from other: DaemonConfig) -> Bool {
        device != other.device || sampleRate != other.sampleRate || channels != other.channels || channel != other.channel
            || periodMs != other.periodMs || ringSeconds != other.ringSeconds || retryMin != other.retryMin || retryMax != other.retryMax
    }

    /// Why capturing at `sample_rate` costs `model` shots (nil if it does not): below the model's rate the
    /// audio has nothing above half the capture rate (`LowSampleRate`).
    public func sampleRateProblem(model: Model) -> String? {
        let want = model.features.sampleRate
        return LowSampleRate.problem(rate: sampleRate, modelRate: want).map {
            "sample_rate: \(sampleRate) is \($0); capture at \(want) Hz or more if the device offers it (earshot devices)"
        }
    }

    /// What this config costs `model`, one warning each (`sampleRateProblem`, `calibrationProblem`, a model file
    /// whose weights cannot be checked, `Model.unverifiedNote`, a model saved before its calibration,
    /// `Model.uncalibratedNote`, a site adaptation its trainer did not recommend, `Model.notRecommendedNote`): earshotd logs them at start and on reload, `earshot check-config` and
    /// `earshot listen` print them.
    public func modelProblems(model: Model) -> [String] {
        [model.uncalibratedNote, model.notRecommendedNote, sampleRateProblem(model: model), calibrationProblem(model: model), model.unverifiedNote].compactMap { $0 }
    }

    /// A warning when this config runs one of `model`'s calibrated thresholds under a rule that counts events
    /// differently from the one they were calibrated with (`DecisionRule.calibrationProblem`).
    public func calibrationProblem(model: Model) -> String? {
        (try? threshold(for: model)).flatMap { rule($0).calibrationProblem(model: model) }
    }

    /// The score threshold for `model`: `threshold:`, else the model's threshold for `false_alarms_per_hour:`
    /// (`ModelFileError.noOperatingPoint` if the model has none for that rate), else the model's own.
    public func threshold(for model: Model) throws -> Float {
        try model.threshold(explicit: threshold.map { Float($0) }, falseAlarmsPerHour: falseAlarmsPerHour)
    }

    /// The false alarms per hour `alert_rate:` holds the alerts paged against, and where that rate comes from (for
    /// the notices); nil when the watch is off or the rate unknown (`alertRateUnknown`). In order:
    /// `alert_rate.expected_per_hour`; `false_alarms_per_hour:`; else the lowest rate of `model`'s calibrated
    /// thresholds at or below the threshold in force (a threshold above the 1-per-hour one, e.g. the site's own
    /// from `earshot calibrate`, still promises at most 1).
    public func expectedAlertRate(model: Model) -> (perHour: Double, source: String)? {
        guard alertRate.enabled else { return nil }
        if let r = alertRate.expectedPerHour { return (r, "alert_rate.expected_per_hour") }
        if let r = falseAlarmsPerHour { return (r, "false_alarms_per_hour") }
        guard let t = try? threshold(for: model) else { return nil }
        let rates = model.thresholds.compactMap { k, v in v <= t ? Double(k) : nil }.filter { $0 > 0 }
        return rates.min().map { ($0, "the model's calibration") }
    }

    /// Why `alert_rate:` cannot watch (its rate unknown), with the fix; nil when it watches or is off.
    public func alertRateUnknown(model: Model) -> String? {
        guard alertRate.enabled, expectedAlertRate(model: model) == nil, let t = try? threshold(for: model) else { return nil }
        let points = model.thresholds.keys.compactMap(Double.init).sorted().map { Model.rateKey($0) }
        return "alert_rate: threshold \(String(format: "%.4f", t)) has no calibrated false-alarm rate (\(points.isEmpty ? "the model has none" : "it is below the model's thresholds for \(points.joined(separator: ", ")) per hour")), so the alert rate is not watched — set alert_rate.expected_per_hour to the false alarms per hour this site should see, or alert_rate.enabled: false"
    }

    /// `incident_gap`, raised to the cooldown: events heard in a cooldown belong to the incident of its alert.
    public var incidentGapInEffect: Double { max(incidentGap, cooldown) }

    /// The decision rule for a model whose own threshold is `modelThreshold` (overridden by `threshold:`).
    public func rule(_ modelThreshold: Float) -> DecisionRule {
        DecisionRule(threshold: threshold.map { Float($0) } ?? modelThreshold, minConsecutive: minConsecutive, maxDips: maxDips,
                     mergeGap: mergeGap, cooldown: cooldown, hopSeconds: hop)
    }

    /// Loads `path`, or the instance's file (`defaultPath` for the single service) if it exists, or defaults —
    /// except that a named instance's file must exist (a missing one is a typo in the unit's name).
    public static func load(path: String?, instance: Instance = .single) throws -> DaemonConfig {
        try load(path ?? instance.configPath, given: path != nil, instance: instance)
    }

    /// Loads `p`: a file the operator named when `given` (`earshotd --config`, `earshot check-config PATH`: a
    /// missing one is an error naming the path, in words that fit every such command), else the instance's own
    /// file, e.g. as `earshot status` finds it in the config directory (missing: the defaults for the single
    /// service, an error naming the fix for a named instance).
    public static func load(_ p: String, given: Bool, instance: Instance) throws -> DaemonConfig {
        guard FileManager.default.fileExists(atPath: p) else {
            if given {
                throw ConfigError(source: p, key: "", line: nil, problem: "config file not found — check the path; without a file named, \(instance.configPath) is read"
                                  + (instance.name == nil ? " (or the built-in defaults while it does not exist)" : ""))
            }
            if let n = instance.name {
                throw ConfigError(source: p, key: "", line: nil, problem: "config file not found for instance '\(n)' — create it from the shipped default (e.g. cp \(DefaultModel.shareDirectory.appendingPathComponent("earshot.yaml").path) \(p)), set device: and location:, or check the name in earshot@\(n)")
            }
            return DaemonConfig(instance: instance)
        }
        guard let text = try? String(contentsOfFile: p, encoding: .utf8) else {
            throw ConfigError(source: p, key: "", line: nil, problem: "cannot be read (permissions?) or is not UTF-8 text")
        }
        return try parse(text, source: p, instance: instance)
    }

    /// Problems of an instance's config the daemon would only meet at run time: a clips, recording, score log or metrics
    /// place outside its state directory, which earshot@NAME cannot write (ProtectSystem=strict) — typically a
    /// copy of an older earshot.yaml that spelled out /var/lib/earshot/….
    public func placesOutside(_ instance: Instance) -> [String] {
        guard instance.name != nil else { return [] }
        let places = [(key: "clips.directory", place: clips.directory, used: clips.enabled),
                      (key: "recording.directory", place: recording.directory, used: recording.enabled),
                      (key: "scores.directory", place: scores.directory, used: scores.enabled),
                      (key: "metrics.path", place: metrics.path, used: metrics.enabled)]
        return places.filter { $0.used && !$0.place.hasPrefix(instance.stateDirectory + "/") }.map {
            "\($0.key): \($0.place) is outside \(instance.stateDirectory), where earshot@\(instance.name!) may write (ProtectSystem=strict): remove the key to use its default there, or add the place to ReadWritePaths= in a drop-in"
        }
    }

    public static func parse(_ yaml: String, source: String, instance: Instance = .single) throws -> DaemonConfig {
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch { throw ConfigError.yaml(error, text: yaml, source: source) }
        var r = try ConfigReader(node: node, source: source)
        var c = DaemonConfig(instance: instance)
        c.device = try r.string("device", c.device)
        guard !c.device.isEmpty else { throw r.fail("device", "must not be empty") }
        c.location = try r.string("location", c.location).trimmingCharacters(in: .whitespaces)
        guard c.location.count <= Self.maxLocationLength, !c.location.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw r.fail("location", "must be one line of at most \(Self.maxLocationLength) characters naming where the microphone is, e.g. \"North entrance, level 1\"")
        }
        c.channels = try r.int("channels", c.channels, 1...32)
        if let ch = try r.optionalString("channel") {
            if ch == "mix" { c.channel = nil } else if let i = Int(ch), i >= 0, i < c.channels { c.channel = i } else {
                throw r.fail("channel", "must be \"mix\" or a channel index 0…\(c.channels - 1), got '\(ch)'")
            }
        }
        c.sampleRate = try r.int("sample_rate", c.sampleRate, 8_000...192_000)
        c.periodMs = try r.int("period_ms", c.periodMs, 5...1000)
        c.ringSeconds = try r.double("ring_seconds", c.ringSeconds, 2...600)
        c.model = try r.optionalString("model")
        c.threshold = try r.optionalDouble("threshold", 0...1)
        c.falseAlarmsPerHour = try r.optionalDouble("false_alarms_per_hour", 0.001...10_000)
        if c.threshold != nil, c.falseAlarmsPerHour != nil {
            throw r.fail("false_alarms_per_hour", "conflicts with 'threshold': set one of them (a rate picks the model's calibrated threshold)")
        }
        c.minConsecutive = try r.int("min_consecutive", c.minConsecutive, 1...50)
        c.maxDips = try r.int("max_dips", c.maxDips, 0...10)
        c.mergeGap = try r.double("merge_gap", c.mergeGap, 0...60)
        c.cooldown = try r.double("cooldown", c.cooldown, 0...3600)
        c.incidentGap = try r.double("incident_gap", c.incidentGap, 1...3600)
        c.hop = try r.double("hop", c.hop, 0.01...1)
        c.priority = try r.int("priority", c.priority, 0...7)
        c.blasThreads = try r.int("blas_threads", c.blasThreads, 1...64)
        c.logLevel = try r.string("log_level", c.logLevel)
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(c.logLevel) else {
            throw r.fail("log_level", "must be one of trace, debug, info, notice, warning, error, critical")
        }
        c.retryMin = try r.double("retry_min", c.retryMin, 0.05...60)
        c.retryMax = try r.double("retry_max", c.retryMax, c.retryMin...3600)
        c.stallSeconds = try r.double("stall_seconds", c.stallSeconds, 1...3600)
        guard c.stallSeconds >= 2 * Double(c.periodMs) / 1000 else {
            throw r.fail("stall_seconds", "must be at least twice period_ms (\(2 * c.periodMs) ms): the device delivers a block only once per period")
        }
        c.deviceRecoverSeconds = try r.double("device_recover_seconds", c.deviceRecoverSeconds, 0...3600)

        func hookSection(_ name: String, _ s: inout HookSettings) throws -> ConfigReader {
            var h = try r.section(name)
            s.path = try h.optionalString("path")
            s.timeout = try h.double("timeout", s.timeout, HookSettings.timeoutRange)
            s.killAfter = try h.double("kill_after", s.killAfter, HookSettings.killAfterRange)
            s.maxConcurrent = try h.int("max_concurrent", s.maxConcurrent, HookSettings.maxConcurrentRange)
            s.maxQueued = try h.int("max_queued", s.maxQueued, HookSettings.maxQueuedRange)
            s.stderrTailBytes = try h.int("stderr_tail", s.stderrTailBytes, HookSettings.stderrTailRange)
            s.retries = try h.int("retries", s.retries, HookSettings.retriesRange)
            s.retryDelay = try h.double("retry_delay", s.retryDelay, HookSettings.retryDelayRange)
            try h.finish(known: ["path", "timeout", "kill_after", "max_concurrent", "max_queued", "stderr_tail", "retries", "retry_delay"])
            return h
        }
        let h = try hookSection("hook", &c.hook)
        let ch = try hookSection("clip_hook", &c.clipHook)
        let hh = try hookSection("health_hook", &c.healthHook)
        let ih = try hookSection("incident_hook", &c.incidentHook)
        var hb = try r.section("heartbeat")
        c.heartbeat.hook.path = try hb.optionalString("path")
        c.heartbeat.interval = try hb.double("interval", c.heartbeat.interval, HeartbeatSettings.intervalRange)
        c.heartbeat.hook.timeout = try hb.double("timeout", c.heartbeat.hook.timeout, HookSettings.timeoutRange)
        c.heartbeat.hook.killAfter = try hb.double("kill_after", c.heartbeat.hook.killAfter, HookSettings.killAfterRange)
        c.heartbeat.hook.stderrTailBytes = try hb.int("stderr_tail", c.heartbeat.hook.stderrTailBytes, HookSettings.stderrTailRange)
        try hb.finish(known: ["path", "interval", "timeout", "kill_after", "stderr_tail"])

        var cl = try r.section("clips")
        c.clips.enabled = try cl.bool("enabled", c.clips.enabled)
        c.clips.directory = try cl.string("directory", c.clips.directory)
        c.clips.preRoll = try cl.double("pre_roll", c.clips.preRoll, ClipSettings.preRollRange)
        c.clips.postRoll = try cl.double("post_roll", c.clips.postRoll, ClipSettings.postRollRange)
        c.clips.maxCount = try cl.int("max_count", c.clips.maxCount, ClipSettings.maxCountRange)
        c.clips.maxBytes = try cl.int("max_bytes", c.clips.maxBytes, ClipSettings.maxBytesRange)
        c.clips.maxAgeDays = try cl.double("max_age_days", c.clips.maxAgeDays, ClipSettings.maxAgeDaysRange)
        try cl.finish(known: ["enabled", "directory", "pre_roll", "post_roll", "max_count", "max_bytes", "max_age_days"])

        var rc = try r.section("recording")
        c.recording.enabled = try rc.bool("enabled", c.recording.enabled)
        c.recording.directory = try rc.string("directory", c.recording.directory)
        c.recording.hours = try rc.double("hours", c.recording.hours, RecordingSettings.hoursRange)
        c.recording.fileMinutes = try rc.double("file_minutes", c.recording.fileMinutes, RecordingSettings.fileMinutesRange)
        try rc.finish(known: ["enabled", "directory", "hours", "file_minutes"])

        var sc = try r.section("scores")
        c.scores.enabled = try sc.bool("enabled", c.scores.enabled)
        c.scores.directory = try sc.string("directory", c.scores.directory)
        c.scores.days = try sc.double("days", c.scores.days, ScoreLogSettings.daysRange)
        c.scores.fileMinutes = try sc.double("file_minutes", c.scores.fileMinutes, ScoreLogSettings.fileMinutesRange)
        try sc.finish(known: ["enabled", "directory", "days", "file_minutes"])

        var ar = try r.section("alert_rate")
        c.alertRate.enabled = try ar.bool("enabled", c.alertRate.enabled)
        c.alertRate.expectedPerHour = try ar.optionalDouble("expected_per_hour", AlertRateSettings.expectedPerHourRange)
        try ar.finish(known: ["enabled", "expected_per_hour"])

        var lv = try r.section("liveness")
        c.liveness.enabled = try lv.bool("enabled", c.liveness.enabled)
        c.liveness.silenceSeconds = try lv.double("silence_seconds", c.liveness.silenceSeconds, LivenessSettings.silenceSecondsRange)
        c.liveness.stuckSeconds = try lv.double("stuck_seconds", c.liveness.stuckSeconds, LivenessSettings.stuckSecondsRange)
        c.liveness.clipSeconds = try lv.double("clip_seconds", c.liveness.clipSeconds, LivenessSettings.clipSecondsRange)
        c.liveness.clipLevel = try lv.float("clip_level", c.liveness.clipLevel, LivenessSettings.clipLevelRange)
        c.liveness.clipFraction = try lv.float("clip_fraction", c.liveness.clipFraction, LivenessSettings.clipFractionRange)
        c.liveness.recoverSeconds = try lv.double("recover_seconds", c.liveness.recoverSeconds, LivenessSettings.recoverSecondsRange)
        c.liveness.quietSeconds = try lv.double("quiet_seconds", c.liveness.quietSeconds, LivenessSettings.quietSecondsRange)
        c.liveness.quietDBFS = try lv.double("quiet_dbfs", c.liveness.quietDBFS, LivenessSettings.quietDBFSRange)
        c.liveness.cancelSeconds = try lv.double("cancel_seconds", c.liveness.cancelSeconds, LivenessSettings.cancelSecondsRange)
        try lv.finish(known: ["enabled", "silence_seconds", "stuck_seconds", "clip_seconds", "clip_level", "clip_fraction", "recover_seconds",
                              "quiet_seconds", "quiet_dbfs", "cancel_seconds"])

        var mt = try r.section("metrics")
        c.metrics.enabled = try mt.bool("enabled", c.metrics.enabled)
        c.metrics.path = try mt.string("path", c.metrics.path)
        c.metrics.intervalSeconds = try mt.double("interval_seconds", c.metrics.intervalSeconds, MetricsSettings.intervalSecondsRange)
        try mt.finish(known: ["enabled", "path", "interval_seconds"])

        try r.finish(known: ["device", "location", "channels", "channel", "sample_rate", "period_ms", "ring_seconds", "model", "threshold", "false_alarms_per_hour", "min_consecutive", "max_dips",
                             "merge_gap", "cooldown", "incident_gap", "hop", "priority", "blas_threads", "log_level", "retry_min", "retry_max",
                             "stall_seconds", "device_recover_seconds", "hook", "clip_hook", "health_hook", "incident_hook", "heartbeat", "clips", "recording", "scores", "alert_rate", "liveness", "metrics"])
        // The sections' own cross-field checks (ops' validate()) — mapped to the key's line.
        do {
            try c.hook.validate(); try c.clipHook.validate(); try c.healthHook.validate(); try c.incidentHook.validate(); try c.heartbeat.validate(); try c.clips.validate(); try c.recording.validate(); try c.scores.validate(); try c.alertRate.validate(); try c.liveness.validate(); try c.metrics.validate()
        } catch let e as SettingsError {
            let parts = e.key.split(separator: ".", maxSplits: 1).map(String.init)
            let section: ConfigReader? = ["hook": h, "clip_hook": ch, "health_hook": hh, "incident_hook": ih, "heartbeat": hb, "clips": cl, "recording": rc, "scores": sc, "alert_rate": ar, "liveness": lv, "metrics": mt][parts.first ?? ""]
            let line = parts.count == 2 ? section?.lineOf(parts[1]) : r.lineOf(e.key)
            throw ConfigError(source: source, key: e.key, line: line, problem: e.configProblem)
        }
        if let p = c.clipHook.path, !c.clips.enabled {
            throw ConfigError(source: source, key: "clip_hook.path", line: ch.lineOf("path"),
                              problem: "\(p) would never run: clips.enabled is false; enable clips, or remove clip_hook.path")
        }
        return c
    }
}
