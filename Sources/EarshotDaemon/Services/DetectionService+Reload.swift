import EarshotDetect
import EarshotDSP
import Foundation
import Logging

/// SIGHUP: the config and model read again and applied to the running loop, keeping what can be kept.
extension DetectionService {
    func reload() {
        notifier.reloading()
        defer { notifier.ready(status: statusLine()) }
        let new: DaemonConfig
        do { new = try DaemonConfig.load(path: options.configPath, instance: options.instance) } catch {
            rejected(error)
            return
        }
        do {
            // The same model file and hop keep the running detector: no warm-up window, nothing in progress lost
            // (a reload for a hook, the location or the recording; a new threshold applies from the next window).
            let url = try DefaultModel.resolve(new.model)
            let sameFile = url == modelURL && modelStamp != nil && FileStamp(path: url.path) == modelStamp
            let (m, stamp) = sameFile ? (model, modelStamp) : try Self.loadModel(at: url)
            let rule = new.rule(try new.threshold(for: m))
            let (oldRule, oldExpected) = (detector.rule, config.expectedAlertRate(model: model)?.perHour)
            try rule.validate()
            let keep = sameFile && new.blasThreads == config.blasThreads && detector.canUpdate(to: rule)
            let d = keep ? detector : try Self.makeDetector(m, new)
            // places another earshotd writes are refused before anything changes (the metrics file moves only
            // at a restart, so its claim stays)
            var claimed = new
            claimed.metrics = config.metrics
            try placeLocks?.update(to: claimed, logger: log)
            // A model at another sample rate: capture resamples to it, and the sample counts go over to it.
            let (oldRate, rate) = (model.features.sampleRate, m.features.sampleRate)
            let rateChanged = rate != oldRate
            func rescaled(_ n: Int) -> Int { Int((Double(n) * Double(rate) / Double(oldRate)).rounded()) }
            let (consumed, lost) = (rescaled(samplesConsumed), rescaled(samplesDropped))
            if keep {
                try d.update(rule: rule)
            } else {
                // it starts in mid-stream: its events keep the stream's time base (the journal's EARSHOT_OFFSET,
                // and the evidence clip placed by the event's start)
                d.reset(timeOrigin: -Double(consumed) / Double(rate))
                d.continueDecisions(from: detector)   // a shot being confirmed is not dropped, one just reported not repeated
                // started warm from `heard`, lined up with capture's blocks, before its first sample, no window less
                // than a hop after the old one's last (the rule counts windows; its state goes over). An alignment
                // still pending keeps its bound (none at start-up: no window scored yet).
                alignment.detectorReplaced(notBefore: rateChanged ? nil : alignment.pending ? alignment.notBefore : nextWindowEnd)
                if rateChanged { heard = HistoryBuffer(capacity: 2 * rate) }   // the audio heard is at the old rate
            }
            let captureChanged = new.captureDiffers(from: config) || rateChanged   // capture resamples to the model's rate
            // another device: the end of the old one's outage goes to the health hook that was told of it
            if new.device != config.device { deviceReplaced(by: new.device) }
            let healthHookSet = new.healthHook.path != config.healthHook.path && new.healthHook.path != nil   // not a new timeout
            if !sameFile { fingerprint = m.scoreFingerprint }
            model = m; detector = d; modelURL = url; modelStamp = stamp
            if !keep { attachScoreLog() }
            samplesConsumed = consumed; samplesDropped = lost; audioEndScoredAt = rescaled(audioEndScoredAt)
            if new.hook != config.hook { retire(hooks); hooks = HookRunner(settings: new.hook, logger: log, metrics: metrics) }
            if new.clipHook != config.clipHook { retire(clipHooks); clipHooks = HookRunner(settings: new.clipHook, logger: log, metrics: metrics) }
            if new.healthHook != config.healthHook { retire(healthHooks); healthHooks = HookRunner(settings: new.healthHook, logger: log, metrics: metrics) }
            if new.incidentHook != config.incidentHook { retire(incidentHooks); incidentHooks = HookRunner(settings: new.incidentHook, logger: log, metrics: metrics) }
            for (h, old) in [(new.healthHook, config.healthHook), (new.incidentHook, config.incidentHook)] where h != old {
                if let problem = h.orderProblem() { log.warning("\(problem)") }
            }
            if new.heartbeat != config.heartbeat { retire(heartbeat); heartbeat = HookRunner(settings: new.heartbeat.hook, logger: log, metrics: metrics) }
            if new.clips != config.clips || rateChanged {
                let old = clips
                clips = ClipRecorder(settings: new.clips, sampleRate: rate, logger: log, metrics: metrics)
                if rateChanged {
                    old.flush()   // its audio stops at the old rate: clips in their post-roll end here
                } else {
                    // clips in their post-roll get it (with the settings they began with); the new settings'
                    // first clips get their pre-roll from before the reload
                    clips.takePreRoll(from: old)
                    if !old.isIdle { retiredClips.append(old) }
                }
            }
            if !recorder.keeps(new.recording, sampleRate: rate) {
                recorder.flush(); recorder = SiteRecorder(settings: new.recording, sampleRate: rate, logger: log, metrics: metrics)
            }
            if !scores.keeps(new.scores) {
                scores.flush(); scores = ScoreLogger(settings: new.scores, context: scoreContext, logger: log, metrics: metrics)
            }
            // new limits keep the microphone's state: a warning in force still gets its "recovered"
            if new.liveness != config.liveness {
                var withdrawn: [LivenessEvent] = []   // liveness off: warnings in force are withdrawn, not left standing
                liveness.update(settings: new.liveness) { withdrawn.append($0) }
                for e in withdrawn { livenessChanged(e) }
            }
            deviceNotices.recoverSeconds = new.deviceRecoverSeconds   // an outage held keeps its losses
            if captureChanged {
                recorder.split(); scores.split(); markClipGap()
                capture.stop()
                capture = Self.makeCapture(new, options, model: m, logger: log, wake: wake.continuation)
                (lossesHandled, awayHandled) = (0, 0)   // the new thread counts from 0
                capture.start()
            }
            capture.levels.clipLevel = new.liveness.clipLevel
            journal = JournalAlertSink(priority: new.priority)
            JournalLogHandler.processLevel = Logger.Level(rawValue: new.logLevel) ?? .info
            if new.metrics != config.metrics {
                log.warning("metrics: changes take effect when earshotd restarts (`systemctl restart earshot`); until then the metrics file stays \(config.metrics.enabled ? config.metrics.path : "off")")
            }
            config = new
            incidents.gap = new.incidentGapInEffect   // an open incident goes on under the new gap
            scores.update(context: scoreContext)   // a new rule, model or device: a new file, whose header says so
            if !sameFile || rule != oldRule || new.expectedAlertRate(model: m)?.perHour != oldExpected {
                restartAlertRateWatch(because: !sameFile ? "another model" : rule != oldRule ? "a new threshold or rule" : "a new rate to hold alerts against")
            }
            publishModel()
            // a health hook set now hears of what is wrong already (the one it replaced, if any, was told)
            let inForce = healthHookSet ? toldToNewHook() : []
            for n in inForce { tellHealth(n) }
            // as at start: what the new config costs the model (a sample rate below its own, a looser rule than its calibration)
            for problem in new.modelProblems(model: m) { log.warning("\(problem)") }
            var meta: Logger.Metadata = ["model": "\(m.name)", "device": "\(new.device)", "threshold": "\(d.rule.threshold)",
                                         "detector": "\(keep ? "kept" : rateChanged ? "new: scoring from one window (≈ 1 s) on" : "new: scoring from the next block on")"]
            if let s = ShotScores.summary(model: m, rule: d.rule) { meta["test_shots"] = "\(s)" }
            if !inForce.isEmpty { meta["health_hook_told"] = "\(inForce.map(\.condition).joined(separator: ","))" }
            log.notice("configuration reloaded", metadata: meta)
            reloadRejected = nil
            metrics.update { $0.reloadRejectedAt = 0 }
        } catch {
            rejected(error)
        }
    }

    /// A reload refused: said in the journal, the unit's status line and the metrics (`earshot status` warns),
    /// since `systemctl reload` itself succeeds and the file on disk would keep earshotd from starting again.
    private func rejected(_ error: Error) {
        log.error("reload rejected, keeping the running configuration: \(error) — fix the file (earshot check-config) and reload again")
        reloadRejected = Date()
        metrics.update { $0.reloadRejectedAt = Date().timeIntervalSince1970 }
    }

    /// A hook runner a reload replaced keeps running what it started (its workers and retry timers hold it);
    /// kept here until idle, so a stop soon after the reload waits for its pages too instead of cutting them off.
    func retire(_ runner: HookRunner) {
        retiredHooks.removeAll { $0.waitIdle(timeout: 0) }
        if !runner.waitIdle(timeout: 0) { retiredHooks.append(runner) }
    }
}
