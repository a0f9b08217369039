import EarshotDaemon
import Foundation

/// `earshot test-alert` through the running earshotd (`DrillRequest`): it journals the test alert and runs the
/// hooks itself — as its user, in its unit's sandbox, with its environment — and journals each run's outcome under
/// the alert's event id, which this reads and prints. A hook that works from a root shell but not in the service
/// (a log it may not write, a secret it may not read) fails here as it would for a real alert.
struct TestAlertDrill {
    let id: String
    let config: DaemonConfig
    let stateDirectory: String

    /// What asking earshotd came to.
    enum Asked: Equatable {
        /// earshotd took the request.
        case taken
        /// No earshotd took it within the wait (none runs on this state directory, or one too old to know it).
        case notTaken
        /// The request could not be written (this user may not write earshotd's state directory).
        case cannotAsk(String)
        /// No state directory: earshotd has not run here.
        case noDaemon
    }

    /// Puts the request in the state directory and waits up to `wait` seconds (earshotd looks once a second) for
    /// earshotd to take it; a request not taken is withdrawn (renamed away: one earshotd takes between the two
    /// gets the drill, and this says so).
    func ask(wait: Double = 2.5) -> Asked {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: stateDirectory, isDirectory: &isDir), isDir.boolValue else { return .noDaemon }
        let path = DrillRequest.path(stateDirectory: stateDirectory)
        let env = ProcessInfo.processInfo.environment
        do { try DrillRequest(id: id, by: env["SUDO_USER"] ?? env["LOGNAME"] ?? env["USER"] ?? "uid \(getuid())").write(path: path) } catch {
            return .cannotAsk("\(path): \(error.localizedDescription)")
        }
        let deadline = Date().addingTimeInterval(wait)
        while Date() < deadline {
            if access(path, F_OK) != 0 { return .taken }
            usleep(100_000)
        }
        let withdrawn = path + ".withdrawn"
        if rename(path, withdrawn) != 0 { return errno == ENOENT ? .taken : .notTaken }
        try? FileManager.default.removeItem(atPath: withdrawn)
        return .notTaken
    }

    /// One configured hook and how many runs the drill makes of it.
    struct Expected { var name: String; var section: String; var settings: HookSettings; var runs: Int }

    var expected: [Expected] {
        [Expected(name: "hook", section: "hook", settings: config.hook, runs: 1),
         Expected(name: "clip hook", section: "clip_hook", settings: config.clipHook, runs: config.clips.enabled ? 1 : 0),
         Expected(name: "health hook", section: "health_hook", settings: config.healthHook, runs: 1),
         Expected(name: "incident hook", section: "incident_hook", settings: config.incidentHook, runs: 2)]
            .filter { $0.settings.path != nil && $0.runs > 0 }
    }

    /// Reads the journal until earshotd has journalled the test alert and a first outcome of every configured
    /// hook run (or the hooks' time is up), prints them, and returns whether all went well.
    func report(since: Date) -> Bool {
        let wanted = expected
        // the longest a first attempt may take, after the clip's post-roll for clip_hook, and a margin
        let budget = (wanted.map { $0.settings.timeout + $0.settings.killAfter }.max() ?? 0) * 2 + config.clips.postRoll + 10
        let deadline = Date().addingTimeInterval(budget)
        var alertEntry: JournalReader.Entry?, outcomes: [JournalReader.Entry] = [], readError: String?
        while true {
            do {
                let entries = try JournalReader().entries(matching: [("MESSAGE_ID", [EarshotMessageID.alert, EarshotMessageID.hookOutcome])],
                                                          since: since.addingTimeInterval(-2))
                alertEntry = entries.first { $0["MESSAGE_ID"] == EarshotMessageID.alert && $0["EARSHOT_EVENT_ID"] == id }
                outcomes = entries.filter {
                    $0["MESSAGE_ID"] == EarshotMessageID.hookOutcome && ($0["EARSHOT_EVENT_ID"] == id || $0["EARSHOT_INCIDENT_ID"] == id)
                }
                readError = nil
            } catch { readError = "\(error)" }
            let done = alertEntry != nil && wanted.allSatisfy { w in first(w, in: outcomes).count >= w.runs }
            if done || readError != nil || Date() >= deadline { break }
            usleep(250_000)
        }
        if let readError {
            print("journal: cannot read it to see how earshotd did (\(readError)): run with sudo, or see journalctl -t earshotd EARSHOT_EVENT_ID=\(id)")
            return false
        }
        var ok = true
        if alertEntry != nil {
            print("journal: earshotd journalled test alert \(id) (MESSAGE_ID=\(EarshotMessageID.alert)); see it with:")
            print("  journalctl -t earshotd EARSHOT_EVENT_ID=\(id) -o verbose")
        } else {
            ok = false
            print("journal: FAILED: earshotd took the request but no test alert \(id) reached the journal in \(Int(budget)) s — see journalctl -u earshot")
        }
        if config.hook.path == nil { print(TestAlertCommand.noHook) }
        if config.healthHook.path == nil { print(TestAlertCommand.noHealthHook) }
        for w in wanted {
            let runs = first(w, in: outcomes)
            for k in 0..<w.runs {
                let name = w.runs > 1 ? "\(w.name) (\(k == 0 ? "alert" : "over"))" : w.name
                guard k < runs.count else {
                    ok = false
                    print("\(name): FAILED: no outcome journalled within \(Int(budget)) s — see journalctl -t earshotd EARSHOT_EVENT_ID=\(id)")
                    continue
                }
                let r = runs[k], message = r["MESSAGE"] ?? ""
                if r["HOOK_OUTCOME"] == HookOutcome.delivered.rawValue {
                    print("\(name): OK — \(message)")
                } else {
                    ok = false
                    print("\(name): FAILED — \(message)")
                }
            }
        }
        return ok
    }

    /// The first attempts' outcomes of `w`'s runs, in journal order (a retry's outcome is not the drill's answer).
    private func first(_ w: Expected, in outcomes: [JournalReader.Entry]) -> [JournalReader.Entry] {
        outcomes.filter { $0["HOOK_SECTION"] == w.section && ($0["HOOK_ATTEMPT"] ?? "1") == "1" }
    }
}
