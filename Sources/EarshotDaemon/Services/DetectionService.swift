import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The detection loop, a swift-service-lifecycle `Service`: drains the capture ring, streams it through the
/// `Detector`, sends one alert per confirmed event (journal first, then hook — never waiting on it), keeps
/// STATUS= current and pings the watchdog FROM THIS LOOP, so a stalled pipeline trips systemd — a stalled
/// loop, and an open device that has delivered nothing for `stall_seconds` (the loop then stops pinging).
/// SIGHUP reloads config and model (an invalid new config is rejected and the old one keeps running).
/// What it says about its health is in DetectionService+Health.swift, the reload in DetectionService+Reload.swift.
public final class DetectionService: Service, @unchecked Sendable {
    var config: DaemonConfig
    let options: RuntimeOptions
    let log: Logger
    let notifier = Notifier.shared
    var model: Model
    /// The model file in force and its stamp when it was read: a reload reads it again only if it changed.
    var modelURL: URL, modelStamp: FileStamp?
    var detector: Detector
    var capture: CaptureThread
    var journal: JournalAlertSink
    var hooks: HookRunner
    /// `clip_hook:`: run with an alert once its evidence clip is written (to send the recording along).
    var clipHooks: HookRunner
    /// `health_hook:`: told when the detector stops or starts hearing (device, stall, liveness).
    var healthHooks: HookRunner
    /// `incident_hook:`: told of every step of an incident (alert, held back, over), in order (`IncidentUpdate`).
    var incidentHooks: HookRunner
    /// The incident `incident_hook:` was run for, and its last step's number (EARSHOT_INCIDENT_SEQ).
    var hookedIncident: (id: String, seq: Int)?
    /// `heartbeat:`: run every `heartbeat.interval` while the detector hears, for an outside dead man's switch.
    var heartbeat: HookRunner
    /// Runners replaced by a reload that still run, queue or retry hooks (`retire`).
    var retiredHooks: [HookRunner] = []
    /// When the last reload was rejected, until one is accepted (the status line says so).
    var reloadRejected: Date?
    /// When the last heartbeat ran (`MonotonicClock`).
    private var lastBeat = -Double.infinity
    /// Whether the device was open and delivering when the loop last looked (a change runs the health hook).
    var deviceHearing = true
    /// Since when the device has not been heard (its last audio), while `deviceHearing` is false: the notice that
    /// it is heard again says how long earshotd was not listening.
    var deafSince: Date?
    /// The device stopped delivering (lost, missing, stalled): the audio's end is scored (`scoreAudioEnd`) once
    /// the reader has read all of it — unless audio comes back first.
    var audioEndPending = false
    /// `samplesConsumed` when the audio's end was last scored: once per stretch of audio.
    var audioEndScoredAt = 0
    /// Seconds of the outages over (`deafSince` to the device heard again), for `earshot_device_down_seconds_total`.
    var deafSecondsOver: Double = 0
    /// The device's outages as the health hook hears of them: one per flapping link (`device_recover_seconds`).
    var deviceNotices: DeviceNoticeHold
    /// The problems told to the health hook and not yet over, in the state directory for the next start.
    var healthLedger: HealthLedger
    /// A ledger write failed and the journal said so (once).
    var healthLedgerProblemSaid = false
    /// `capture.deviceLosses` and `capture.secondsAway` as the loop last took them in: more losses than this, the
    /// device delivering, are glitches the loop never saw (`deviceGlitched`).
    var lossesHandled = 0
    var awayHandled: Double = 0
    /// Seconds the device delivered no audio since start, the outage going on included.
    var deafSeconds: Double { deafSecondsOver + (deafSince.map { max(0, Date().timeIntervalSince($0)) } ?? 0) }
    var clips: ClipRecorder
    var recorder: SiteRecorder
    /// `scores:`: every window's score, for `earshot calibrate --scores`.
    var scores: ScoreLogger
    /// `Model.scoreFingerprint` of `model`, for the score log's headers.
    var fingerprint: String
    /// The open device has delivered nothing for `stall_seconds`: said in the journal and STATUS=, and the
    /// watchdog is not pinged, so systemd restarts earshotd (a read that never returns cannot be retried here).
    var stalled = false
    var liveness: LivenessMonitor
    /// `alert_rate:`: the alerts paged held against the threshold's calibrated rate; nil when off or unknown.
    var alertRate: AlertRateWatch?
    /// `earshot mute`'s file in the state directory, looked at once a second: while muted, alerts go to the
    /// journal only (no hook).
    let mutes: MuteWatch
    private var livenessChanges: [LivenessEvent] = { var a = [LivenessEvent](); a.reserveCapacity(8); return a }()
    /// Samples handed to the detector (and the clip recorder) since start.
    var samplesConsumed = 0
    /// The claim on the places earshotd writes (`Daemon`); a reload moves it to the new config's places.
    var placeLocks: PlaceLocks?
    /// The monotonic clock minus the seconds of audio captured (analysed or dropped), at its lowest so far: audio
    /// arrives late, never early, so a rise above it is real time that passed without audio (`consume`).
    var audioClockOffset: Double?
    /// The detector's windows lined up with capture's blocks (it skips < one block of its first samples).
    var alignment = WindowAlignment()
    /// The stream position (in `samplesConsumed`) where the detector's window grid begins: a window starts every
    /// hop from there. Evidence clips start on it (`clipGrid`).
    var gridOrigin = 0
    /// The capture open (`CaptureThread.openNumber`) the detector's windows are lined up with: another one lines
    /// them up again (0 before the first).
    var alignedOpen = 0
    /// The last 2 s heard (at the model's rate): a detector that a reload makes starts warm from them.
    var heard: HistoryBuffer
    /// Clip recorders a reload replaced, fed until their clips have their post-roll.
    var retiredClips: [ClipRecorder] = []
    /// Samples the capture ring overwrote before this loop read them (it fell `ring_seconds` behind), those
    /// not yet said in the journal, and when that was last said (at most once a minute, with the total; what is
    /// left unsaid is said once the minute is over, or at the stop).
    var samplesDropped = 0
    private var droppedUnlogged = 0
    private var droppedLoggedAt = -Double.infinity
    public let metrics: MetricsFile
    private let reloadRequested = Atomic<Bool>(false)
    /// STOPPING=1 was sent (`announceStop`).
    private let stopAnnounced = Atomic<Bool>(false)
    /// Wakes the detection loop: the capture thread after each block (and when it stops), a 1 s tick for
    /// STATUS=/watchdog while no audio flows, a reload request, graceful shutdown. Holds at most one.
    let wake = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    var eventsToday = 0
    /// Gunshot events grouped into incidents (`incident_gap`, at least the cooldown), on the stream's clock.
    var incidents: IncidentTracker
    private var day = Calendar.current.component(.day, from: Date())
    /// The event id of the latest gunshot event heard during a cooldown: an alert that continues it names it.
    private var lastHeardID: String?
    private var lastStatus = ""

    public init(config: DaemonConfig, options: RuntimeOptions, logger: Logger) throws {
        self.config = config
        self.options = options
        log = logger
        (modelURL, model, modelStamp, detector) = try Self.startingModel(config)
        incidents = IncidentTracker(gap: config.incidentGapInEffect)
        heard = HistoryBuffer(capacity: 2 * model.features.sampleRate)
        journal = JournalAlertSink(priority: config.priority)
        metrics = MetricsFile(settings: config.metrics, instance: options.instance.name, logger: logger)
        hooks = HookRunner(settings: config.hook, logger: logger, metrics: metrics)
        clipHooks = HookRunner(settings: config.clipHook, logger: logger, metrics: metrics)
        healthHooks = HookRunner(settings: config.healthHook, logger: logger, metrics: metrics)
        incidentHooks = HookRunner(settings: config.incidentHook, logger: logger, metrics: metrics)
        heartbeat = HookRunner(settings: config.heartbeat.hook, logger: logger, metrics: metrics)
        clips = ClipRecorder(settings: config.clips, sampleRate: model.features.sampleRate, logger: logger, metrics: metrics)
        recorder = SiteRecorder(settings: config.recording, sampleRate: model.features.sampleRate, logger: logger, metrics: metrics)
        fingerprint = model.scoreFingerprint
        scores = ScoreLogger(settings: config.scores, context: ScoreLogger.Context(model: model.name, fingerprint: fingerprint, sampleRate: model.features.sampleRate, rule: detector.rule, device: config.device, instance: options.instance.name ?? ""), logger: logger, metrics: metrics)
        liveness = LivenessMonitor(settings: config.liveness)
        deviceNotices = DeviceNoticeHold(recoverSeconds: config.deviceRecoverSeconds)
        healthLedger = HealthLedger(stateDirectory: options.instance.stateDirectory)
        mutes = MuteWatch(stateDirectory: options.instance.stateDirectory)
        capture = Self.makeCapture(config, options, model: model, logger: logger, wake: wake.continuation)
        for h in [config.hook, config.clipHook, config.healthHook, config.incidentHook, config.heartbeat.hook] {
            if let problem = h.executableProblem() { log.error("\(h.section) will fail: \(problem)") }
            if let problem = h.orderProblem() { log.warning("\(problem)") }
        }
        attachScoreLog()
        alertRate = makeAlertRateWatch()
    }

    /// The score log's header fields for the model, rule and device in force.
    var scoreContext: ScoreLogger.Context {
        ScoreLogger.Context(model: model.name, fingerprint: fingerprint, sampleRate: model.features.sampleRate, rule: detector.rule,
                            device: config.device, instance: options.instance.name ?? "")
    }

    /// Sends every window `detector` scores to the score log (again after a reload makes a new detector).
    func attachScoreLog() {
        let d = detector
        detector.onWindow = { [unowned self, unowned d] w in
            scores.append(w, grid: d.windowGrid, streamSeconds: clock.heardBeforeNow,
                          muted: mutes.active.map { $0.isActive(at: Date()) } ?? false)
        }
    }

    /// What earshotd starts with for `config`: the model file (`DefaultModel.resolve`d), the model read from it and
    /// the file's stamp, and the detector at the config's threshold for it. Throws what stops earshotd at start: no
    /// model file, a file that is no readable model, a `false_alarms_per_hour` the model has no threshold for.
    static func startingModel(_ config: DaemonConfig) throws -> (url: URL, model: Model, stamp: FileStamp?, detector: Detector) {
        let url = try DefaultModel.resolve(config.model)
        let (m, stamp) = try loadModel(at: url)
        return (url, m, stamp, try makeDetector(m, config))
    }

    /// `startingModel` for `earshot check-config`: the model earshotd would start with, or the error it would stop
    /// with — one code path, so the check refuses exactly the configs earshotd refuses to start with.
    public static func modelAtStart(_ config: DaemonConfig) throws -> Model { try startingModel(config).model }

    /// The model at `url` (the config's, `DefaultModel.resolve`d) and the file's stamp — taken before reading it, so
    /// a file replaced meanwhile is read again on the next reload.
    static func loadModel(at url: URL) throws -> (Model, FileStamp?) {
        let stamp = FileStamp(path: url.path)
        return (try Model.load(url), stamp) // the Detector builds its features from the model itself: nothing can drift
    }

    static func makeDetector(_ m: Model, _ c: DaemonConfig) throws -> Detector {
        try Detector(model: m, rule: c.rule(try c.threshold(for: m)), threads: c.blasThreads)
    }

    static func makeCapture(_ c: DaemonConfig, _ o: RuntimeOptions, model: Model, logger: Logger, wake: AsyncStream<Void>.Continuation) -> CaptureThread {
        let ring = SampleRing(capacity: Int(c.ringSeconds * Double(model.features.sampleRate)))
        let opts = CaptureThread.Options(config: c, targetRate: model.features.sampleRate, maxFrames: o.maxFrames, pace: o.pace, configText: o.alsaConfigText)
        let capture = CaptureThread(options: opts, ring: ring, logger: logger, onData: { wake.yield() })
        capture.levels.clipLevel = c.liveness.clipLevel
        return capture
    }

    /// The model and threshold in force, for the metrics file's `earshot_build_info` and `earshot_threshold`.
    func publishModel() {
        let (name, threshold) = (model.name, Double(detector.rule.threshold))
        let expected = alertRate?.expectedPerHour ?? 0
        metrics.update { $0.model = name; $0.threshold = threshold; $0.alertRateExpected = expected; $0.running = true }
    }

    /// Called from the SIGHUP handler.
    public func requestReload() { reloadRequested.store(true, ordering: .releasing); wake.continuation.yield() }

    /// Runs the loop on its own thread (`DetectionThread`), at the process's nice, away from the concurrency pool.
    public func run() async throws {
        try await withTaskExecutorPreference(DetectionThread.shared) { try await self.loop() }
    }

    private func loop() async throws {
        publishModel()
        withdrawLeftovers()   // what an earshotd killed or crashed here left told, before anything is told again
        for c in mutes.poll() { muteChanged(c) }   // a mute set before a restart holds from the first sample
        capture.start()
        // READY once the model is loaded and the device is open — or its first retry is scheduled.
        while capture.state == .starting { try await Task.sleep(for: .milliseconds(5)) }
        notifier.ready(status: statusLine())
        if let note = OpenBLASKernel.note { log.notice("\(note)") }
        if let problem = ConvKernel.environmentProblem { log.warning("\(problem)") }
        for problem in config.modelProblems(model: model) { log.warning("\(problem)") }
        var ready: Logger.Metadata = ["version": "\(EarshotVersion.string)", "model": "\(model.name)", "device": "\(config.device)", "threshold": "\(detector.rule.threshold)", "openblas": "\(BLAS.coreName)", "conv": "\(StreamingInference.convolutionKernel)"]
        if let s = ShotScores.summary(model: model, rule: detector.rule) { ready["test_shots"] = "\(s)" }   // what the threshold costs in shots
        log.notice("earshotd ready", metadata: ready)

        let chunk = 1600
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: chunk)
        defer { buffer.deallocate() }
        let watchdogEvery = (notifier.watchdogInterval ?? 10) / 4
        // intervals on the monotonic clock: a step of the wall clock must not stop the watchdog pings
        var lastPing = -Double.infinity, lastStatusAt = -Double.infinity
        var wakes = wake.stream.makeAsyncIterator()
        let (tick, wakeUp) = (min(1, watchdogEvery), wake.continuation)
        let ticker = Task { while !Task.isCancelled { try? await Task.sleep(for: .seconds(tick)); wakeUp.yield() } }
        defer { ticker.cancel() }
        var reader = CaptureReader(ring: capture.ring, gaps: capture.gaps)
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                if reloadRequested.exchange(false, ordering: .acquiring) {
                    reload()
                    if reader.ring !== capture.ring { reader = CaptureReader(ring: capture.ring, gaps: capture.gaps) }   // a new device
                }
                // the device's blocks started afresh (reopened after a loss, a new capture thread): once the last
                // open's audio is read, line the running detector up with them too
                let open = capture.openNumber
                if !alignment.pending, open != 0, open != alignedOpen, reader.next >= capture.openedAt {
                    alignment.reopened(notBefore: nextWindowEnd)
                }
                if alignment.pending, let blockEnd = capture.lastBlockEnd,
                   let start = alignment.align(detector, next: reader.next, blockEnd: blockEnd, block: capture.blockSamples,
                                               consumed: samplesConsumed, heard: heard.count) {
                    alignedOpen = open
                    var meta: Logger.Metadata = ["block": "\(capture.blockSamples)"]
                    if alignment.keepsDetector { meta["detector"] = "kept" }
                    switch start {
                    case let .skip(k): meta["skipped"] = "\(k)"; gridOrigin = samplesConsumed + k
                    case let .warm(k):
                        gridOrigin = samplesConsumed - k
                        // the detector hears the last window's worth of audio again: it scores from the block lined up on
                        heard.last(k).withUnsafeBufferPointer { detector.process($0) { self.handle($0) } }
                        meta["warmed"] = "\(k)"
                    case .kept: meta["kept_grid"] = "too little audio heard to start warm"
                    }
                    log.info("windows end with capture blocks", metadata: meta)
                }
                // Pieces of contiguous audio; one that starts a new stretch (samples lost since the last one read,
                // or a gap the capture thread recorded) starts a new recording file and clip exactly there.
                // a detector still to be lined up waits for the open's first block (the capture thread wakes the loop)
                let waitingForBlock = alignment.pending && capture.blockSamples > 0
                let (n, lost) = waitingForBlock ? (0, 0) : reader.read(into: UnsafeMutableBufferPointer(start: buffer, count: chunk)) { piece, startsStretch in
                    if startsStretch { recorder.split(); scores.split(); markClipGap() }
                    consume(piece)
                }
                if lost > 0 { dropped(lost) }
                watchLevels(upTo: reader.next)
                let now = MonotonicClock.now
                let stalledNow = capture.state == .capturing && capture.secondsSinceProgress >= config.stallSeconds
                if stalledNow != stalled { stalled = stalledNow; stallChanged() }
                if !stalled, now - lastPing >= watchdogEvery { notifier.watchdog(); lastPing = now }
                let counted = capture.deviceLosses   // before the state (`CaptureThread.deviceLosses`)
                let hearing = capture.state == .capturing && !stalled
                if counted > lossesHandled, hearing, deviceHearing { deviceGlitched(counted - lossesHandled) }
                if hearing != deviceHearing, capture.state == .capturing || capture.state == .retrying {
                    deviceHearing = hearing; deviceHealthChanged()
                    audioEndPending = !hearing
                }
                if deviceNotices.open != nil { deviceNoticesDue() }
                if audioEndPending, n == 0 { audioEndPending = false; scoreAudioEnd(stalled ? "capture stalled" : "capture device lost") }
                // clipping or channels cancelling weaken what the detector hears, and the health hook says so; the
                // box is not dead, so the dead man's switch is not tripped (its beat's message names the warning)
                if config.heartbeat.hook.path != nil, hearing, !liveness.hearsNothing, now - lastBeat >= config.heartbeat.interval {
                    lastBeat = now
                    heartbeat.submit(health: HealthNotice(condition: "heartbeat", problem: false, message: statusLine(), device: config.device, location: config.location))
                }
                if now - lastStatusAt >= 1 {
                    lastStatusAt = now
                    logDropped()   // what fell behind in the last minute and is not said yet
                    for c in mutes.poll(now: Date()) { muteChanged(c) }   // a mute ends at a wall-clock time
                    pollDrill()   // `earshot test-alert` asking for a drill through this earshotd's hooks
                    checkAlertRate()
                    let s = statusLine()
                    if s != lastStatus { notifier.status(s); lastStatus = s }
                    let (o, l) = (capture.overruns, capture.deviceLosses)
                    let rate = Double(model.features.sampleRate)
                    let audio = Double(samplesConsumed) / rate, score = Double(detector.lastScore), lost = Double(samplesDropped) / rate
                    let up = capture.state == .capturing && !stalled, wall = Date().timeIntervalSince1970, deaf = deafSeconds
                    let outage = deviceNotices.open.flatMap { $0.told ? ($0.losses, $0.since.timeIntervalSince1970) : nil } ?? (0, 0)
                    metrics.update {
                        $0.overrunsTotal = o; $0.deviceLossesTotal = l; $0.audioSecondsTotal = audio; $0.lastScore = score; $0.deviceUp = up
                        $0.droppedSecondsTotal = lost; $0.loopTimestamp = wall; $0.deviceDownSecondsTotal = deaf
                        ($0.deviceOutageLosses, $0.deviceOutageSince) = outage
                    }
                }
                if n == 0 {
                    if options.exitAtEnd && capture.state == .stopped && capture.ring.available == 0 { break }
                    // Nothing to read: sleep until the capture thread writes a block (once per ALSA period), the
                    // tick, a reload or shutdown. Polling (every 10 ms, later every period/4) cost ≈ 14 ms CPU per
                    // audio second in wake-ups alone (docs/benchmarks/daemon.md).
                    _ = await wakes.next()
                }
            }
        } onGracefulShutdown: { [self] in
            announceStop()   // at once: systemd and `earshot status` see a stopping service from the signal on
            wakeUp.yield()
        }
        stop()
    }

    /// STOPPING=1 and the journal line, once, as the stop begins (from the shutdown signal's handler, or when the
    /// loop ends by itself: `--exit-at-end`).
    private func announceStop() {
        guard !stopAnnounced.exchange(true, ordering: .acquiringAndReleasing) else { return }
        notifier.stopping()
        log.notice("stopping: finishing in-flight alerts (hooks get at most \(String(format: "%g", StopBudget.hookSeconds)) s, the whole stop \(String(format: "%g", StopBudget.totalSeconds)) s)")
    }

    /// The graceful stop after the loop, within one deadline (`StopBudget`): the detector's last event and the
    /// incident it ends are told, the health hook's problems in force withdrawn (`withdrawnAtStop`), the clips in
    /// their post-roll written (their `clip_hook:` queued), hook runs finished, no failed one retried; hooks still
    /// running at the deadline are killed and named in the journal; then the writers' last flushes, bounded too,
    /// and the metrics file with `earshot_running 0`.
    private func stop() {
        let budget = StopBudget()
        announceStop()
        let runners = [hooks, clipHooks, healthHooks, incidentHooks, heartbeat] + retiredHooks
        for r in runners { r.beginStop() }
        capture.stop()
        scoreAudioEnd("earshotd stopping")   // a shot at the very end still pages: runs submitted now still run
        if let o = deviceNotices.flush() { tellDeviceBack(o) }   // back, not yet for device_recover_seconds
        let withdrawn = withdrawnAtStop()   // no earshotd watches them any more: the health hook is not left with them
        if !withdrawn.isEmpty, config.healthHook.path != nil {
            log.notice("health_hook: \(withdrawn.count) problem(s) in force withdrawn as earshotd stops (\(withdrawn.map(\.condition).joined(separator: ", "))); told again after it starts if they go on")
            for n in withdrawn { tellHealth(n) }
        }
        detector.finish { self.handle($0) }
        if let i = incidents.close(now: 0, force: true) { incidentOver(i, stopped: true) }
        for c in retiredClips + [clips] { c.flush(within: max(StopBudget.minimumFlush, budget.hooksLeft)) }   // their clip_hook runs are queued
        for r in runners { r.waitIdle(timeout: budget.hooksLeft) }
        let cut = runners.map { $0.cutShort() }.reduce(0, +)
        if cut > 0 {
            log.error("stop deadline: \(cut) hook run(s) still going on after \(String(format: "%g", StopBudget.hookSeconds)) s were cut short (their process groups killed; each run is named in its own line) — earshotd must exit within systemd's TimeoutStopSec")
            for r in runners { r.waitIdle(timeout: StopBudget.killGrace + 1) }
        }
        for runner in [hooks, clipHooks, healthHooks, incidentHooks] + retiredHooks where runner.stats.retrying > 0 {
            log.error("stopping with \(runner.stats.retrying) \(runner.settings.section) run(s) still waiting to retry, so not delivered: \(runner.settings.lostWhenGivenUp ?? "")")
        }
        logDropped(now: true)
        recorder.flush(within: budget.flushLeft)
        scores.flush(within: budget.flushLeft)
        let audio = Double(samplesConsumed) / Double(model.features.sampleRate), score = Double(detector.lastScore)
        let (o, l, deaf) = (capture.overruns, capture.deviceLosses, deafSeconds)
        metrics.update {
            $0.overrunsTotal = o; $0.deviceLossesTotal = l; $0.audioSecondsTotal = audio; $0.lastScore = score; $0.deviceUp = false; $0.running = false
            $0.deviceDownSecondsTotal = deaf
        }
        metrics.writeLogged()   // only when metrics.enabled (a disabled file was written at every stop)
    }

    /// The capture ring overwrote `count` samples before this loop read them: audio never analysed.
    private func dropped(_ count: Int) {
        samplesDropped += count
        droppedUnlogged += count
        logDropped()
    }

    /// Says the audio lost since the last such line (every sample lost is in one line: the lines add up to the
    /// total), at most once a minute unless `now`: the loop calls it once a second, and the stop with `now`.
    func logDropped(now: Bool = false) {
        let t = MonotonicClock.now
        guard droppedUnlogged > 0, now || t - droppedLoggedAt >= 60 else { return }
        let rate = Double(model.features.sampleRate)
        let since = droppedLoggedAt.isFinite ? "in the last \(String(format: "%.0f", t - droppedLoggedAt)) s" : "since start"
        log.warning("detection fell behind: \(String(format: "%.2f", Double(droppedUnlogged) / rate)) s of audio were never analysed \(since) (\(String(format: "%.2f", Double(samplesDropped) / rate)) s since start) — the box is overloaded or earshotd starved of CPU; check other load, or raise ring_seconds (now \(String(format: "%g", config.ringSeconds)) s) to ride out longer stalls")
        droppedUnlogged = 0
        droppedLoggedAt = t
    }

    /// Real time that passed without audio — a capture gap, a stalled or lost device — runs the cooldown on
    /// (`Detector.passWithoutAudio`): it is at most one page per `cooldown` seconds, and a shot heard 25 s after
    /// an alert, 20 s of them without audio, pages. Rises under `audioGapSeconds` are the capture blocks' and
    /// the loop's jitter (and the sound card's clock drifting from the system's, a few seconds a day at most).
    func passTimeWithoutAudio() {
        let now = MonotonicClock.now
        let audio = Double(samplesConsumed + samplesDropped) / Double(model.features.sampleRate)
        let offset = now - audio
        guard let low = audioClockOffset else { audioClockOffset = offset; return }
        if offset - low > Self.audioGapSeconds {
            detector.passWithoutAudio(seconds: offset - low)
            audioClockOffset = offset
        } else {
            audioClockOffset = min(low, offset)
        }
    }

    /// A rise of the audio clock's offset above which real time passed without audio.
    static let audioGapSeconds = 2.0

    /// The next sample follows a capture gap, for every clip recorder still fed.
    func markClipGap() {
        clips.markGap()
        for r in retiredClips { r.markGap() }
        retiredClips.removeAll { $0.isIdle }
    }

    /// One contiguous piece of captured audio through clips, site recording and the detector.
    /// (The detector streams across a gap: a splice rarely scores as a shot — models/EXPERIMENTS.md, "Hard cuts
    /// in training windows" — and restarting it would leave it deaf for a window.)
    private func consume(_ block: UnsafeBufferPointer<Float>) {
        passTimeWithoutAudio()
        clips.append(block)
        heard.append(block)
        if !retiredClips.isEmpty {
            for r in retiredClips { r.append(block) }
            retiredClips.removeAll { $0.isIdle }
        }
        if recorder.isRecording { recorder.append(block) }
        samplesConsumed += block.count
        if alertRate != nil {
            alertRate!.heard(seconds: Double(block.count) / Double(model.features.sampleRate), muted: mutes.active.map { $0.isActive(at: Date()) } ?? false)
        }
        let part = alignment.detectorPart(of: block)
        if !part.isEmpty { detector.process(part) { self.handle($0) } }
        if incidents.current != nil, let i = incidents.close(now: streamSeconds) { incidentOver(i, stopped: false) }
    }

    /// The microphone's levels the capture thread counted (at the device's own rate, before libsoxr) for the audio
    /// read so far through the liveness monitor; its warnings and recoveries to the journal and `health_hook:`.
    private func watchLevels(upTo index: Int) {
        // collected first: the handler reads `liveness`, which `observe` is mutating. The buffer is moved out
        // and back, never copied: a copy left two references, so `removeAll(keepingCapacity:)` allocated a
        // new buffer every block (scripts/check-allocations.sh).
        var changes: [LivenessEvent] = []
        swap(&changes, &livenessChanges)
        capture.levels.drain(upTo: index) { liveness.observe(block: $0) { changes.append($0) } }
        for c in changes { livenessChanged(c) }
        changes.removeAll(keepingCapacity: true)
        swap(&changes, &livenessChanges)
    }

    /// Seconds of audio handed to the detector since start: the stream's clock, which events are timed on.
    var streamSeconds: Double { Double(samplesConsumed) / Double(model.features.sampleRate) }

    /// The stream's seconds in wall-clock time, from the audio heard and the capture's resampling lag.
    var clock: StreamClock { StreamClock(heard: streamSeconds, lag: Double(capture.resampleLag) / Double(model.features.sampleRate)) }

    /// The wall-clock time of stream second `t` (`StreamClock`).
    func wallClock(stream t: Double) -> Date { clock.wallClock(stream: t) }

    /// Samples heard since stream second `t` (an event's start: how far back its evidence clip begins).
    func samplesSince(stream t: Double) -> Int { max(0, samplesConsumed - Int(t * Double(model.features.sampleRate))) }

    /// Where the detector's next window ends, in `samplesConsumed`'s count (its grid: `gridOrigin`).
    var nextWindowEnd: Int {
        WindowAlignment.nextWindowEnd(origin: gridOrigin, firstWindow: detector.firstWindowSamples, hop: detector.hopSamples, consumed: samplesConsumed)
    }

    /// The detector's window grid in the clip recorder's sample count (`ClipRecorder.begin(grid:)`).
    var clipGrid: (origin: Int, hop: Int) {
        (gridOrigin - (samplesConsumed - clips.samplesAppended), detector.hopFrames * model.features.hop)
    }

    /// An incident is over: a notice in the journal with how many gunshot events it held, and its last step
    /// to `incident_hook:` when the hook was told of it.
    func incidentOver(_ i: Incident, stopped: Bool) {
        let f = JournalAlertSink.incidentOverFields(i, device: config.device, location: config.location, stopped: stopped, replay: options.replayOf)
        journal.deliver(f, kind: "INCIDENT")
        metrics.update { $0.incidentEvents = 0 }
        if hookedIncident?.id == i.id { incidentStep(.over, i, event: nil, journalled: f, stopped: stopped) }
    }

    /// Runs `incident_hook:` for a step of incident `i`, numbered after the steps it was run for before
    /// (`journalled`: the step's journal fields, whose MESSAGE it gets). Not for a muted event (paging is paused);
    /// an incident the hook was told of is always told its end.
    func incidentStep(_ kind: IncidentUpdate.Kind, _ i: Incident, event: Alert?, journalled f: [(String, String)], stopped: Bool = false) {
        guard incidentHooks.settings.path != nil else { return }
        let seq = (hookedIncident.map { $0.id == i.id ? $0.seq : 0 } ?? 0) + 1
        hookedIncident = kind == .over ? nil : (i.id, seq)
        var update = IncidentUpdate(kind: kind, incident: i, event: event, seq: seq, stopped: stopped,
                                    message: JournalAlertSink.message(f), device: config.device, location: config.location)
        update.replay = options.replayOf
        update.test = options.replayOf != nil
        incidentHooks.submit(incident: update)
    }

    func handle(_ out: DetectorOutput) {
        switch out {
        case let .started(e):
            let today = Calendar.current.component(.day, from: Date())
            if today != day { day = today; eventsToday = 0 }
            eventsToday += 1
            let id = Self.eventID(Date())
            let start = wallClock(stream: e.start)
            var alert = Alert(eventID: id, score: e.peakScore, start: start, device: config.device, location: config.location, model: model.name, streamOffset: e.start)
            alert.markReplay(of: options.replayOf)
            alert.mute = mutes.mute(at: Date())   // exact at the expiry, between the once-a-second polls too
            alert.incident = joinIncident(e, id: id, start: start, alert: true)
            if e.continuesHeard { alert.continues = lastHeardID }   // counted when heard; said so, not counted twice
            let after = samplesSince(stream: e.start)
            // once the clip is written (post-roll later, on the clip writer's queue), clip_hook sends it along
            var sendClip: (@Sendable (String) -> Void)?
            if alert.mute == nil, clipHooks.settings.path != nil {
                let (runner, heard) = (clipHooks, alert)
                sendClip = { path in
                    var a = heard
                    a.clipPath = path
                    runner.submit(clipOf: a)
                }
            }
            alert.clipPath = clips.begin(eventID: id, at: start, samplesSinceStart: after, grid: clipGrid, whenWritten: sendClip)
            var fields = JournalAlertSink.fields(alert, priority: journal.priority)
            // no page goes out for it: `earshot incidents` says so, not "paged"
            if alert.mute == nil && hooks.settings.path == nil { fields.append(("EARSHOT_HOOK", "none")) }
            journal.deliver(fields, kind: "ALERT")     // a datagram: microseconds
            if alert.mute == nil {
                _ = hooks.submit(alert)   // queued to a worker thread; never blocks
                if let i = alert.incident { incidentStep(.alert, i, event: alert, journalled: fields) }
                alertRate?.alert()
                checkAlertRate()
            }
            let muted = alert.mute != nil, score = Double(e.peakScore)
            metrics.update { $0.eventsTotal += 1; $0.lastEventTimestamp = Date().timeIntervalSince1970; $0.lastEventScore = score; if muted { $0.mutedEventsTotal += 1 } }
            notifier.status(statusLine())
        case let .ended(e):
            log.info("event ended", metadata: ["start": "\(String(format: "%.2f", e.start))", "end": "\(String(format: "%.2f", e.end))", "peak": "\(String(format: "%.3f", e.peakScore))"])
            incidents.extend(streamEnd: e.end, at: wallClock(stream: e.end))
        case let .heardInCooldown(e):
            // a shooting going on: counted into its incident and said in the journal; the cooldown pages nobody
            let start = wallClock(stream: e.start)
            var heard = Alert(eventID: Self.eventID(Date()), score: e.peakScore, start: start, device: config.device, location: config.location,
                              model: model.name, streamOffset: e.start)
            heard.markReplay(of: options.replayOf)
            heard.mute = mutes.mute(at: Date())
            heard.incident = joinIncident(e, id: heard.eventID, start: start, alert: false)
            lastHeardID = heard.eventID
            // its own evidence clip (no clip_hook: nobody is paged), so every shot of a shooting is kept
            heard.clipPath = clips.begin(eventID: heard.eventID, at: start, samplesSinceStart: samplesSince(stream: e.start), grid: clipGrid)
            let fields = JournalAlertSink.heardInCooldownFields(heard, cooldown: detector.rule.cooldown, priority: journal.priority)
            journal.deliver(fields, kind: "HEARD")
            if heard.mute == nil, let i = heard.incident { incidentStep(.heard, i, event: heard, journalled: fields) }
            metrics.update { $0.cooldownEventsTotal += 1 }
            notifier.status(statusLine())
        }
    }

    /// The incident event `e` belongs to, with `e` counted (`id`, `start`: its own, should it begin one); an
    /// incident it closes is reported over first.
    private func joinIncident(_ e: DetectionEvent, id: String, start: Date, alert: Bool) -> Incident {
        let (incident, closed) = incidents.heard(id: id, at: start, stream: e.start, streamEnd: e.end, alert: alert, counts: !e.continuesHeard)
        if let c = closed { incidentOver(c, stopped: false) }
        let (begun, events) = (incident.id == id, incident.events)
        metrics.update { if begun { $0.incidentsTotal += 1 }; $0.incidentEvents = events }
        return incident
    }

    /// Sortable, unique enough across restarts: UTC time to the millisecond + 4 random hex digits.
    static func eventID(_ d: Date) -> String {
        return "\(UTCStamp.string(from: d))-\(String(format: "%04x", UInt16.random(in: 0...UInt16.max)))"
    }
}
