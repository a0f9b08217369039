import ArgumentParser
import EarshotDaemon
import Foundation

/// `earshot devices`: the ALSA capture devices and the names to put in the config.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List ALSA capture devices and the names to put in the config (`device:`).",
        discussion: """
            Each device is opened for capture once (non-blocking) to show whether it works for the user running \
            the command; run it as the service's user (in the `audio` group) for a faithful answer. The ALSA \
            configuration is read as usual, so ALSA_CONFIG_PATH is honoured.

            Example:
              earshot devices
              sudo -u earshot earshot devices --no-probe

            Then set the chosen name in /etc/earshot/earshot.yaml, e.g. device: "plughw:CARD=Mic,DEV=0" \
            (prefer plughw: over hw: so ALSA converts the format and rate if the device insists). With two or \
            more USB microphones it also prints the udev rules that pin each card's name to its USB socket, so \
            identical microphones cannot swap names (and rooms) at the next boot.
            """
    )

    @Flag(name: .customLong("probe"), inversion: .prefixedNo, help: "Try to open each device for capture.")
    var probe = true

    @Option(help: ArgumentHelp("Where earshotd's configs are (which unit uses which device).", visibility: .hidden))
    var configDirectory = "/etc/earshot"

    func run() throws {
        let devices: [CaptureDevice]
        do { devices = try DeviceList.captureDevices(probe: probe) } catch {
            throw CommandError("cannot list ALSA devices: \(error)")
        }
        if devices.isEmpty {
            print("No ALSA capture devices found. Plug in a microphone, check `arecord -l`, and that the user is in the `audio` group.")
            throw ExitCode(1)
        }
        print("ALSA capture devices (put the name in the config as  device: \"NAME\"  — quoted, so a name like null stays a name):\n")
        let configured = ConfiguredDevice.scan(configDirectory)
        // a unit systemd neither starts nor runs is shown as such and shares its device with no one
        let systemd = SystemdUnits.current(configDirectory: configDirectory)
        let idle = Dictionary(configured.compactMap { c in systemd.use(of: c.unit).flatMap { $0.isIdle ? (c.unit, $0) : nil } }) { a, _ in a }
        let capturing = configured.filter { idle[$0.unit] == nil }
        for d in devices {
            let state = !probe ? "" : d.problem == nil ? "  [opens for capture]" : "  [cannot open: \(d.problem!)]"
            print("\(d.name)\(state)")
            for line in d.description.split(separator: "\n") { print("    \(line)") }
            let users = capturing.filter { $0.device == d.name }
            if !users.isEmpty { print("    used by " + users.map { "\($0.unit) (\($0.path))" }.joined(separator: ", ")) }
            for c in configured where c.device == d.name { if let use = idle[c.unit] { print("    named by \(c.unit) (\(c.path)), \(use.text)") } }
        }
        for name in Set(capturing.map(\.device)).sorted() where capturing.filter({ $0.device == name }).count > 1 {
            print("\nwarning: \(name) is named by " + capturing.filter { $0.device == name }.map(\.unit).joined(separator: " and ")
                  + ": two earshotd cannot capture from one device at once — run one of them, or give each its own microphone")
        }
        let advice = SoundCard.pinningAdvice(SoundCard.list())
        if !advice.isEmpty { print(""); advice.forEach { print($0) } }
    }
}
