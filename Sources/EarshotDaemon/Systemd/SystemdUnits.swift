import Foundation

/// What systemd says of one earshotd unit: `systemctl is-enabled` (does it start at boot?) and
/// `systemctl is-active` (does it run now?).
public struct UnitUse: Sendable, Equatable {
    /// `systemctl is-enabled`'s answer: "enabled", "disabled", "static", "masked", "not-found" …
    public var unitFileState: String
    /// `systemctl is-active`'s answer: "active", "activating", "inactive", "failed" …
    public var activeState: String

    public init(unitFileState: String, activeState: String) {
        self.unitFileState = unitFileState; self.activeState = activeState
    }

    /// Neither enabled nor running (nor starting, restarting or stopping): no earshotd of this unit listens, now
    /// or after a reboot — e.g. earshot.service after README's `systemctl disable --now earshot`, whose config
    /// (the package's conffile) stays. An answer that is not one of these (empty, "bad", a new word) is not idle.
    public var isIdle: Bool {
        ["disabled", "masked", "masked-runtime", "linked", "linked-runtime", "not-found"].contains(unitFileState)
            && ["inactive", "failed"].contains(activeState)
    }

    /// "not enabled (disabled), not running (inactive)".
    public var text: String { "not enabled (\(unitFileState)), not running (\(activeState))" }
}

/// Asks systemd which earshotd units are in use, so that `earshot status`, `earshot devices` and
/// `earshot check-config` leave out a config whose unit is neither enabled nor running: /etc/earshot/earshot.yaml
/// is the package's conffile and stays when a box runs only earshot@NAME units.
///
/// systemd is asked only where it runs (`/run/systemd/system` exists, as `sd_booted()` checks) and only about the
/// configs its units read (/etc/earshot); elsewhere — tests, containers, a chroot — and whenever `systemctl` gives
/// no answer, every config counts, as before. `EARSHOT_SYSTEMCTL=PATH` names the program to ask instead, whatever
/// the directory (tests: a script that answers as systemd would).
public struct SystemdUnits: Sendable {
    /// The `systemctl` to run; nil when systemd is not asked.
    public let systemctl: String?
    /// How long one `systemctl` may take before it is given up (a hung D-Bus must not hang `earshot status`).
    public var timeout: Double = 5

    public init(systemctl: String?) { self.systemctl = systemctl }

    /// The directory whose configs systemd's earshot units read.
    public static let unitConfigDirectory = "/etc/earshot"

    /// The systemd to ask about the configs in `configDirectory`, from `environment` and `runDirectory`.
    public static func current(configDirectory: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               runDirectory: String = "/run/systemd/system") -> SystemdUnits {
        if let given = environment["EARSHOT_SYSTEMCTL"], !given.isEmpty { return SystemdUnits(systemctl: given) }
        let dir = URL(fileURLWithPath: configDirectory).standardizedFileURL.path
        guard dir == unitConfigDirectory, FileManager.default.fileExists(atPath: runDirectory) else { return SystemdUnits(systemctl: nil) }
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/systemctl" }
        return SystemdUnits(systemctl: path.first { FileManager.default.isExecutableFile(atPath: $0) })
    }

    /// What systemd says of `unit` ("earshot", "earshot@hall" or with ".service"); nil when systemd is not asked or
    /// either question got no answer.
    public func use(of unit: String) -> UnitUse? {
        guard systemctl != nil else { return nil }
        let name = unit.hasSuffix(".service") ? unit : unit + ".service"
        guard let enabled = ask("is-enabled", name), let active = ask("is-active", name) else { return nil }
        return UnitUse(unitFileState: enabled, activeState: active)
    }

    /// True only when systemd said `unit` is neither enabled nor running.
    public func isIdle(_ unit: String) -> Bool { use(of: unit)?.isIdle == true }

    /// The first line `systemctl VERB UNIT` prints (its exit status says the same and is not needed); nil when it
    /// cannot run, prints nothing or takes longer than `timeout`.
    private func ask(_ verb: String, _ unit: String) -> String? {
        guard let systemctl else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: systemctl)
        p.arguments = [verb, unit]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let end = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < end { usleep(5_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit(); return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) }
        return line.flatMap { $0.isEmpty ? nil : $0 }
    }
}
