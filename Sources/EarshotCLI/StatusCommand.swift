import ArgumentParser
import EarshotDaemon
import Foundation

/// `earshot status`: is earshotd protecting the venue right now? From the metrics file each earshotd rewrites
/// (every `metrics.interval_seconds`, and once more as it stops), with a monitoring plugin's exit status.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Say whether earshotd is running, hearing its microphone and paging (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).",
        discussion: """
            Reads the metrics file that each earshotd configured in /etc/earshot rewrites (earshot.yaml: \
            earshot.service; NAME.yaml: earshot@NAME.service) and says, per unit:

              OK        running, detecting, its microphone delivering audio, paging on
              WARNING   listening, but paging is muted, the input clips, or far more
                        alerts come than calibrated
              CRITICAL  not running (stopped, never started, killed, hung); detection
                        stuck; or no audio (device lost, busy or stalled, digital
                        silence, one stuck value)
              UNKNOWN   nothing to judge from (metrics off, config or file unreadable,
                        or the file damaged)

            An incident going on, pages that did not go out and evidence clips not written are shown too, and \
            do not change the state: it says whether earshotd can hear a shooting, not whether one is going on. \
            The exit status is the worst unit's, as monitoring plugins use it (Nagios, Icinga, Checkmk, cron). \
            Where systemd runs, a unit it says is neither enabled nor running (earshot.service after \
            `systemctl disable --now earshot`, when earshot@NAME units listen instead) is listed as not judged \
            and does not count; if no unit is enabled or running, all are judged (nothing is listening). \
            The files are in earshotd's state directory, which only root may read: run it with sudo, or from \
            root's crontab as in the last example.

            Examples:
              sudo earshot status
              sudo earshot status --instance north-entrance
              sudo earshot status --json | jq .state
              earshot status >/dev/null || mail -s "earshot: $(hostname)" ops@example.org
            """
    )

    @Option(help: "Only earshot@NAME.service (its config /etc/earshot/NAME.yaml).")
    var instance: String?

    @Option(help: "Only the earshotd that reads this config file.")
    var config: String?

    @Flag(help: "One JSON object per unit and line: unit, state, summary, problems, notes, details, metricsPath, written, counters (a unit not judged: unit, judged false, summary, unitFileState, activeState).")
    var json = false

    @Option(help: ArgumentHelp("Where the earshotd configs are.", visibility: .hidden))
    var configDirectory = "/etc/earshot"

    func validate() throws {
        if instance != nil && config != nil { throw ValidationError("give --instance or --config, not both") }
        if let name = instance {
            do { _ = try Instance(name: name, environment: [:]) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        let units = try Self.units(instance: instance, config: config, directory: configDirectory)
        // a unit asked for by name is judged; of all the configs, those whose unit systemd neither starts nor runs
        // are not — unless none is in use, when nothing is listening and that is what each says
        let systemd = instance == nil && config == nil ? SystemdUnits.current(configDirectory: configDirectory) : SystemdUnits(systemctl: nil)
        let uses = units.map { systemd.use(of: $0.0) }
        let anyInUse = uses.contains { $0?.isIdle != true }
        var states: [DaemonHealth.State] = []
        for ((unit, path, instance), use) in zip(units, uses) {
            if anyInUse, let use, use.isIdle {
                print(json ? Self.jsonLine(unit: unit, notJudged: use) : "\(unit): \(use.text): not judged")
                continue
            }
            let health = DaemonHealth.check(configPath: path, instance: instance, unit: unit, given: config != nil)
            states.append(health.state)
            print(json ? Self.jsonLine(health) : Self.text(health))
        }
        let worst = DaemonHealth.State.worst(states)
        if worst != .ok { throw ExitCode(worst.exitCode) }
    }

    /// (unit, config path — nil for built-in defaults, instance) of each earshotd to judge.
    static func units(instance: String?, config: String?, directory: String) throws -> [(String, String?, Instance)] {
        if let config {
            // a config of /etc/earshot is its unit's; any other is an earshotd run by hand
            let path = URL(fileURLWithPath: config).standardizedFileURL.path
            if let c = ConfiguredDevice.configs(in: directory).first(where: { $0.path == path }) { return [("\(c.unit).service", path, c.instance)] }
            return [("earshotd --config \(config)", config, .single)]
        }
        if let name = instance {
            let inst = try Instance(name: name, environment: [:])
            return [("earshot@\(name).service", URL(fileURLWithPath: directory).appendingPathComponent("\(name).yaml").path, inst)]
        }
        let found = ConfiguredDevice.configs(in: directory).map { ("\($0.unit).service", Optional($0.path), $0.instance) }
        return found.isEmpty ? [("earshot.service", nil, .single)] : found
    }

    static func text(_ h: DaemonHealth) -> String {
        var lines = ["\(h.unit): \(h.state.rawValue) — \(h.summary)"]
        lines += h.notes.map { "  " + $0 }
        lines += h.problems.map { "  \(h.state == .critical ? "!" : "-") " + $0 }
        lines += h.details.map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    /// The `--json` line of a unit systemd neither starts nor runs.
    static func jsonLine(unit: String, notJudged use: UnitUse) -> String {
        struct NotJudged: Encodable { var unit: String; var judged = false; var summary: String; var unitFileState: String; var activeState: String }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = NotJudged(unit: unit, summary: "\(use.text): not judged", unitFileState: use.unitFileState, activeState: use.activeState)
        return (try? e.encode(line)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"unit\":\"\(unit)\",\"judged\":false}"
    }

    static func jsonLine(_ h: DaemonHealth) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        // a figure that is not a number (a damaged file is UNKNOWN before any is read) must not make the line `{}`
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        if let line = try? e.encode(h) { return String(decoding: line, as: UTF8.self) }
        // nothing else can fail to encode; should it, the unit and its state still go out
        let minimal = ["unit": h.unit, "state": h.state.rawValue, "summary": h.summary]
        return (try? e.encode(minimal)).map { String(decoding: $0, as: UTF8.self) } ?? "{\"state\":\"\(h.state.rawValue)\"}"
    }
}
