import ArgumentParser
import EarshotDaemon
import Foundation

/// `earshot mute --for 2h --reason "fireworks show"`: pause paging for a planned noisy event; without a
/// duration, say whether earshotd is muted.
struct MuteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mute",
        abstract: "Pause paging for a planned event (fireworks, a play with blank guns, a starter pistol); earshotd keeps listening.",
        discussion: """
            While muted, earshotd goes on detecting: every event is still a journal alert — marked EARSHOT_MUTED=1, \
            at priority warning — with its evidence clip, but the hook is not run. The health hook hears of the \
            mute and of its end (EARSHOT_HEALTH=muted), the unit's status line says MUTED, and the metrics carry \
            earshot_muted. A mute ends by itself (at most \(Int(Mute.maxDuration / 3600)) hours), survives a \
            restart, and takes effect within a second. Without --for or --until: shows whether earshotd is muted.

            Examples:
              sudo earshot mute --for 2h --reason "New Year fireworks"
              sudo earshot mute --until 23:30 --reason "Act 3: blank-firing scene"
              sudo earshot mute --instance hall --for 45m --reason "starter pistol"
              earshot mute                      # muted? until when, by whom, why
              sudo earshot unmute               # page again now
            """
    )

    // read as given, a leading minus too (`--for -5m`), so that the product's own check says what is wrong
    @Option(name: .customLong("for"), parsing: .unconditional, help: "How long: 90m, 2h, 1h30m (at most 24h).")
    var duration: String?

    @Option(parsing: .unconditional, help: "Until a local time: HH:MM (the next one), or YYYY-MM-DDTHH:MM.")
    var until: String?

    @Option(help: "Why (required to mute): in every muted alert and in the health hook's notice.")
    var reason: String?

    @Option(help: "Mute earshot@NAME.service (state in /var/lib/earshot-NAME).")
    var instance: String?

    @Option(help: ArgumentHelp("earshotd's state directory (default /var/lib/earshot, or /var/lib/earshot-NAME).", visibility: .hidden))
    var stateDirectory: String?

    func validate() throws {
        if duration != nil && until != nil { throw ValidationError("give --for or --until, not both") }
        if (duration != nil || until != nil) && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("say why with --reason (e.g. --reason \"fireworks show\"): it goes into every muted alert and the notice to the health hook")
        }
        if reason != nil && duration == nil && until == nil { throw ValidationError("say how long with --for (e.g. 2h) or --until (e.g. 23:30)") }
    }

    func run() throws {
        let (path, unit) = try Self.muteFile(instance: instance, stateDirectory: stateDirectory)
        let now = Date()
        guard duration != nil || until != nil else {
            print(Self.state(path: path, unit: unit, now: now))
            // a user who may not look cannot be told "not muted" (package QA 7, finding 3)
            if Self.cannotTell(path: path) { throw ExitCode(1) }
            return
        }
        let end: Date
        if let d = duration {
            guard let s = Self.seconds(d) else { throw CommandError("--for \(d): give a duration such as 90m, 2h or 1h30m") }
            end = now.addingTimeInterval(s)
        } else {
            guard let t = until, let e = Self.time(t, after: now) else {
                throw CommandError("--until \(until ?? ""): give a local time such as 23:30 or 2026-12-31T23:30")
            }
            end = e
        }
        let env = ProcessInfo.processInfo.environment
        let mute = Mute(until: end, reason: (reason ?? "").trimmingCharacters(in: .whitespaces),
                        by: env["SUDO_USER"] ?? env["LOGNAME"] ?? env["USER"] ?? "uid \(getuid())", since: now)
        if let p = mute.problem(now: now) { throw CommandError("cannot mute: \(p)") }
        do { try mute.write(path: path, instance: instance) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print("\(unit): paging muted \(mute.summary) (for \(DaemonHealth.span(end.timeIntervalSince(now))))")
        print("earshotd keeps listening: every alert still goes to the journal (EARSHOT_MUTED=1) with its clip, but no hook runs.")
        print("It takes effect within a second, tells the health hook, and ends by itself; to page again now: earshot unmute\(instance.map { " --instance \($0)" } ?? "")")
    }

    /// The mute file of the single service or of earshot@NAME, and that unit's name.
    static func muteFile(instance: String?, stateDirectory: String?) throws -> (path: String, unit: String) {
        let inst: Instance
        do { inst = try Instance(name: instance) } catch { throw CommandError("\(error)") }
        return (Mute.path(stateDirectory: stateDirectory ?? inst.stateDirectory), inst.name.map { "earshot@\($0).service" } ?? "earshot.service")
    }

    /// "earshot.service: muted until … (… left)" / "not muted" / the file's problem / cannot tell.
    static func state(path: String, unit: String, now: Date) -> String {
        do {
            guard let m = try Mute.read(path: path) else { return "\(unit): not muted: alerts page as usual" }
            if let p = m.problem(now: now) { return "\(unit): NOT muted — \(path) is ignored: \(p); remove it with earshot unmute" }
            guard m.isActive(at: now) else { return "\(unit): not muted (the last mute ended \(Mute.describe(m.until)): \(m.reason))" }
            return "\(unit): MUTED \(m.summary) (\(DaemonHealth.span(m.until.timeIntervalSince(now))) left): alerts go to the journal only"
        } catch let e as MuteFileError where e.permissionDenied {
            return "\(unit): cannot tell whether paging is muted — \(e)"
        } catch {
            return "\(unit): NOT muted — \(error)"
        }
    }

    /// Whether this user may not look at the mute file (`MuteFileError.permissionDenied`).
    static func cannotTell(path: String) -> Bool {
        do { _ = try Mute.read(path: path); return false } catch let e as MuteFileError { return e.permissionDenied } catch { return false }
    }

    /// A line for check-config and test-alert when `instance`'s earshotd is muted, or its mute file is broken;
    /// nil when it pages as usual.
    static func note(_ instance: Instance) -> String? {
        let unit = instance.name.map { "earshot@\($0).service" } ?? "earshot.service"
        let path = Mute.path(stateDirectory: instance.stateDirectory), now = Date()
        guard let m = try? Mute.read(path: path) else {
            return FileManager.default.fileExists(atPath: path) || cannotTell(path: path) ? state(path: path, unit: unit, now: now) : nil
        }
        if m.problem(now: now) == nil, !m.isActive(at: now) { return nil }
        return state(path: path, unit: unit, now: now) + (m.problem(now: now) == nil ? " — a real alert would run no hook until then (earshot unmute)" : "")
    }

    /// "90m", "2h", "1h30m", "45s", "1h 30m" → seconds; nil for anything else (a bare number has no unit).
    static func seconds(_ text: String) -> Double? {
        let s = text.lowercased().replacingOccurrences(of: " ", with: "")
        guard !s.isEmpty else { return nil }
        var total = 0.0, number = ""
        for ch in s {
            if ch.isNumber || ch == "." { number.append(ch); continue }
            guard let v = Double(number), let unit = ["h": 3600.0, "m": 60, "s": 1][String(ch)] else { return nil }
            total += v * unit; number = ""
        }
        return number.isEmpty && total > 0 ? total : nil
    }

    /// "23:30" → the next 23:30 local time after `now`; "2026-12-31T23:30" → that local time.
    static func time(_ text: String, after now: Date) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone.current
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        if let d = f.date(from: text) { return d }
        let parts = text.split(separator: ":").map { Int($0) }
        guard parts.count == 2, let h = parts[0], let m = parts[1], (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        let cal = Calendar.current
        return cal.nextDate(after: now, matching: DateComponents(hour: h, minute: m, second: 0), matchingPolicy: .nextTime)
    }
}
