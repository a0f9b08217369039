import ArgumentParser
import EarshotDaemon
import Foundation
import Logging

/// `earshot test-alert`: one alert marked as a test through the journal and the hook, to check the whole chain.
struct TestAlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-alert",
        abstract: "Send a test alert (EARSHOT_TEST=1) to the journal and run the configured hook.",
        discussion: """
            Writes a journal entry with the alert MESSAGE_ID, marked "[TEST]" and EARSHOT_TEST=1, then runs \
            hook.path from the config exactly as the daemon would (same environment, JSON on stdin, timeout) and \
            waits for it. Exit status 0 when the journal took the entry and the hook (if any) exited 0.

            Example:
              sudo earshot test-alert --config /etc/earshot/earshot.yaml
              journalctl -t earshotd MESSAGE_ID=88a049a25a974a828bee9f70b35c0a93 -n 1 -o verbose
            """
    )

    @Option(help: "Config file (default: /etc/earshot/earshot.yaml, or built-in defaults).")
    var config: String?

    func run() throws {
        let cfg: DaemonConfig
        do { cfg = try DaemonConfig.load(path: config) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let alert = Alert(eventID: "test-" + UUID().uuidString.lowercased().prefix(8), score: 1.0, start: Date(),
                          device: cfg.device, model: cfg.model ?? "earshot-default.safetensors", test: true)
        var ok = true
        do {
            guard Journal.isAvailable else {
                throw ValidationError("journald socket /run/systemd/journal/socket not found — is systemd-journald running?")
            }
            try Journal.send(JournalAlertSink.fields(alert, priority: cfg.priority))
            print("journal: test alert \(alert.eventID) sent (MESSAGE_ID=\(EarshotMessageID.alert)); see it with:")
            print("  journalctl -t earshotd EARSHOT_EVENT_ID=\(alert.eventID) -o verbose")
        } catch {
            ok = false
            print("journal: FAILED: \(error)")
        }

        guard cfg.hook.path != nil else {
            print("hook: none configured (hook.path) — nothing else to test")
            if !ok { throw ExitCode(1) }
            return
        }
        let results = ResultBox()
        var logger = Logger(label: "earshot.test-alert") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical // the result is printed below
        let runner = HookRunner(settings: cfg.hook, logger: logger, onFinish: { results.set($0) })
        runner.submit(alert)
        runner.waitIdle(timeout: cfg.hook.timeout + cfg.hook.killAfter + 5)
        guard let r = results.get() else {
            print("hook: FAILED: did not finish in time")
            throw ExitCode(1)
        }
        print(r.succeeded ? "hook: OK — \(r.summary)" : "hook: FAILED — \(r.summary)")
        if !(ok && r.succeeded) { throw ExitCode(1) }
    }
}

/// The hook result handed from the runner's worker thread.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: HookResult?
    func set(_ r: HookResult) { lock.lock(); value = r; lock.unlock() }
    func get() -> HookResult? { lock.lock(); defer { lock.unlock() }; return value }
}
