import ArgumentParser
import EarshotDaemon
import EarshotDSP
import Foundation
import Logging

/// `earshot test-alert`: one alert marked as a test through the journal and the hook, and a test notice through
/// the health hook, to check the whole chain.
struct TestAlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-alert",
        abstract: "Send a test alert (EARSHOT_TEST=1) to the journal and run the configured hook and health hook.",
        discussion: """
            With earshotd running (its state directory, /var/lib/earshot or /var/lib/earshot-NAME, takes a request \
            within a second): earshotd journals the test alert and runs every configured hook for it itself — as \
            its user, in its unit's sandbox, with its retries — as it would for a real alert, and this prints each \
            hook's first outcome from the journal (run it with sudo, to write the request and read the journal). A \
            hook that works from your shell but not in the service fails here as it would fail a real alert.

            With no earshotd running: writes a journal entry with the alert MESSAGE_ID, marked "[TEST]" and \
            EARSHOT_TEST=1, then runs \
            hook.path from the config with the daemon's environment, JSON on stdin and timeout — but as your \
            user, outside the unit's sandbox — and waits for it. When clip_hook.path is set, it runs with the same test alert and a 1 s test tone as its \
            clip (EARSHOT_CLIP_READY=1), as it would once a real alert's clip is written. \
            When health_hook.path is set, it runs too, with a test notice (EARSHOT_HEALTH=device, \
            EARSHOT_PROBLEM=1, EARSHOT_TEST=1): the page you would get if the microphone were lost. When \
            incident_hook.path is set, it runs twice, as for an incident of the test alert alone: \
            EARSHOT_INCIDENT_UPDATE=alert, then EARSHOT_INCIDENT_UPDATE=over (EARSHOT_TEST=1). Exit status 0 \
            when the journal took the entry and every configured hook exited 0.

            Example:
              sudo earshot test-alert --config /etc/earshot/earshot.yaml
              sudo earshot test-alert --instance north-entrance   # earshot@north-entrance's
              journalctl -t earshotd -n 1 -o verbose \\
                  MESSAGE_ID=88a049a25a974a828bee9f70b35c0a93
            """
    )

    /// What the drill says of a hook or health hook that is not configured (run here or through earshotd).
    static let noHook = "hook: none configured (hook.path)"
    static let noHealthHook = "health hook: none configured (health_hook.path) — set one so a lost microphone pages someone"

    @Option(help: "Config file (default: /etc/earshot/earshot.yaml, or built-in defaults).")
    var config: String?

    @Option(help: "Use earshot@NAME.service's config (/etc/earshot/NAME.yaml) and location.")
    var instance: String?

    func run() throws {
        let cfg: DaemonConfig, inst: Instance
        do { inst = try Instance(name: instance); cfg = try DaemonConfig.load(path: config, instance: inst) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let alert = Alert(eventID: "test-" + UUID().uuidString.lowercased().prefix(8), score: 1.0, start: Date(),
                          device: cfg.device, location: cfg.location, model: cfg.model ?? "earshot-default.safetensors", test: true)
        // the running earshotd runs the drill itself, as it would run a real alert's hooks (package QA 7, finding 1)
        let inService = TestAlertDrill(id: alert.eventID, config: cfg, stateDirectory: inst.stateDirectory)
        let asked = Date()
        let outside = "the hooks run from this command instead, as uid \(getuid()) — not as earshotd's user in its unit's sandbox, so a hook that passes here may still fail for a real alert"
        switch inService.ask() {
        case .taken:
            print("earshotd took test alert \(alert.eventID): it journals it and runs every configured hook itself, as for a real alert (its user, sandbox, environment and retries)")
            let ok = inService.report(since: asked)
            if let m = MuteCommand.note(inst) { print("note: \(m)") }
            if !ok { throw ExitCode(1) }
            return
        case .notTaken:
            print("note: no earshotd took the test alert within 2.5 s (\(inst.stateDirectory); is it running? systemctl status \(inst.name.map { "earshot@\($0)" } ?? "earshot")): \(outside)")
        case let .cannotAsk(why):
            print("note: cannot ask earshotd for the drill (\(why)); run it with sudo to have earshotd run the hooks: \(outside)")
        case .noDaemon:
            print("note: earshotd has not run with state directory \(inst.stateDirectory): \(outside)")
        }
        var ok = true, journalled = false
        do {
            guard Journal.isAvailable else {
                throw CommandError("journald socket /run/systemd/journal/socket not found — is systemd-journald running?")
            }
            try Journal.send(JournalAlertSink.fields(alert, priority: cfg.priority))
            journalled = true
            print("journal: test alert \(alert.eventID) sent (MESSAGE_ID=\(EarshotMessageID.alert)); see it with:")
            print("  journalctl -t earshotd EARSHOT_EVENT_ID=\(alert.eventID) -o verbose")
        } catch {
            ok = false
            print("journal: FAILED: \(error)")
        }

        if cfg.hook.path == nil {
            print(Self.noHook)
        } else {
            ok = drill("hook", cfg.hook, journalled: journalled) { $0.submit(alert) } && ok
        }
        if cfg.clipHook.path != nil {
            ok = drillClipHook(cfg.clipHook, alert, journalled: journalled) && ok
        }
        if cfg.healthHook.path == nil {
            print(Self.noHealthHook)
        } else {
            let notice = DrillPayloads.healthNotice(device: cfg.device, location: cfg.location)
            ok = drill("health hook", cfg.healthHook, journalled: journalled) { $0.submit(health: notice) } && ok
        }
        if cfg.incidentHook.path != nil {
            ok = drillIncidentHook(cfg, alert, journalled: journalled) && ok
        }
        if let m = MuteCommand.note(inst) { print("note: \(m)") }
        if !ok { throw ExitCode(1) }
    }

    /// `clip_hook:` with the test alert and a 1 s 1 kHz tone written as its clip (removed afterwards).
    private func drillClipHook(_ settings: HookSettings, _ alert: Alert, journalled: Bool) -> Bool {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-test-alert-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = dir.appendingPathComponent("\(alert.eventID).wav")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let tone = (0..<16_000).map { 0.25 * sinf(2 * .pi * 1000 * Float($0) / 16_000) }
            try AudioFileWriter.writeWAV16(tone, sampleRate: 16_000, to: clip)
        } catch {
            print("clip hook: FAILED: could not write the test clip \(clip.path): \(error)")
            return false
        }
        var withClip = alert
        withClip.clipPath = clip.path
        return drill("clip hook", settings, journalled: journalled) { $0.submit(clipOf: withClip) }
    }

    /// `incident_hook:` with the two steps of an incident of the test alert alone: its alert, then its end.
    private func drillIncidentHook(_ cfg: DaemonConfig, _ alert: Alert, journalled: Bool) -> Bool {
        let steps = DrillPayloads.incidentSteps(alert, message: JournalAlertSink.message(JournalAlertSink.fields(alert, priority: cfg.priority)),
                                                device: cfg.device, location: cfg.location)
        var ok = true
        for step in steps {   // one after the other, in order, as earshotd runs them
            ok = drill("incident hook (\(step.kind.rawValue))", cfg.incidentHook, journalled: journalled) { $0.submit(incident: step) } && ok
        }
        return ok
    }

    /// Runs one hook as the daemon would (`submit` queues its payload), once — a drill shows the first failure
    /// at once, where the daemon would retry — waits for it and prints the result. `journalled`: whether the test
    /// alert reached the journal; when it did not, a failed run does not say that what it lost is in the journal.
    private func drill(_ name: String, _ settings: HookSettings, journalled: Bool, _ submit: (HookRunner) -> Bool) -> Bool {
        let results = ResultBox()
        var logger = Logger(label: "earshot.test-alert") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical // the result is printed below
        var once = settings
        once.retries = 0
        if !journalled, once.lostWhenGivenUp?.contains("in the journal") == true {
            once.lostWhenGivenUp = "it is not in the journal either (journal: FAILED above): page by hand"
        }
        let runner = HookRunner(settings: once, logger: logger, onFinish: { results.set($0) })
        _ = submit(runner)
        runner.waitIdle(timeout: settings.timeout + settings.killAfter + 5)
        guard let r = results.get() else {
            print("\(name): FAILED: did not finish in time")
            return false
        }
        print(r.succeeded ? "\(name): OK — \(r.summary)" : "\(name): FAILED — \(r.summary)"
              + (settings.retries > 0 ? " (earshotd would retry it \(settings.retries) more time\(settings.retries == 1 ? "" : "s"), from \(String(format: "%g", settings.retryDelay)) s apart)" : ""))
        return r.succeeded
    }
}

/// The hook result handed from the runner's worker thread.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: HookResult?
    func set(_ r: HookResult) { lock.lock(); value = r; lock.unlock() }
    func get() -> HookResult? { lock.lock(); defer { lock.unlock() }; return value }
}
