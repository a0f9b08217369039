import ArgumentParser
import EarshotDaemon
import Foundation

/// `earshot devices`: the ALSA capture devices and the names to put in the config.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List ALSA capture devices and the names to put in the config (`device:`).",
        discussion: """
            Each device is opened for capture once as earshotd would open it with its built-in settings \
            (non-blocking; 16-bit samples, 1 channel, 16 kHz or the nearest rate it has, then closed) to show \
            whether it works for the user running the command; run it as the service's user (in the `audio` \
            group) for a faithful answer. The ALSA \
            configuration is read as usual, so ALSA_CONFIG_PATH is honoured. A device the configs in /etc/earshot \
            name (earshotd's default, `default`, without one) that ALSA does not list is opened and shown too. \
            Exit status 1 when ALSA lists no capture device but `null`, which captures silence (as with no sound \
            card, which /proc/asound/cards then says).

            Example:
              earshot devices
              sudo -u earshot earshot devices --no-probe

            Then set the chosen name in /etc/earshot/earshot.yaml, e.g. device: "plughw:CARD=Mic,DEV=0" \
            (prefer plughw: over hw: so ALSA converts the sample format if the device insists; earshotd takes \
            the device's own rate and resamples it with libsoxr). With two or \
            more USB microphones it also prints the udev rules that pin each card's name to its USB socket, so \
            identical microphones cannot swap names (and rooms) at the next boot.
            """
    )

    @Flag(name: .customLong("probe"), inversion: .prefixedNo, help: "Try to open each device for capture.")
    var probe = true

    @Option(help: ArgumentHelp("Where earshotd's configs are (which unit uses which device).", visibility: .hidden))
    var configDirectory = "/etc/earshot"

    @Option(help: ArgumentHelp("The kernel's list of sound cards.", visibility: .hidden))
    var asoundCards = "/proc/asound/cards"

    func run() throws {
        // each device's open result is its own line here: alsa-lib's stderr lines for the ones that fail add nothing
        ALSALibMessages.drop()
        let devices: [CaptureDevice]
        do { devices = try DeviceList.captureDevices(probe: probe) } catch {
            throw CommandError("cannot list ALSA devices: \(error)")
        }
        let configured = ConfiguredDevice.scan(configDirectory)
        // a unit systemd neither starts nor runs is shown as such and shares its device with no one
        let systemd = SystemdUnits.current(configDirectory: configDirectory)
        let idle = Dictionary(configured.compactMap { c in systemd.use(of: c.unit).flatMap { $0.isIdle ? (c.unit, $0) : nil } }) { a, _ in a }
        let capturing = configured.filter { idle[$0.unit] == nil }
        let noCard = SoundCard.noCardReason(procFile: asoundCards)
        // alsa-lib hints `null` on every box: it captures silence and is no microphone
        let microphones = devices.filter { !$0.isPseudo }
        if microphones.isEmpty {
            let pseudo = devices.map(\.name)
            print((noCard.map { "No sound card found (\($0))." }
                   ?? "No ALSA capture devices found\(pseudo.isEmpty ? "" : " but \(pseudo.joined(separator: ", ")), which captures silence").")
                  + " Plug in a microphone, check `arecord -l`, and that the user is in the `audio` group.")
            printConfigured(configured, idle: idle, listed: [])
            throw ExitCode(1)
        }
        print("ALSA capture devices (put the name in the config as  device: \"NAME\"  — quoted, so a name like null stays a name):\n")
        for d in devices {
            print("\(d.name)\(state(d.problem))")
            for line in d.description.split(separator: "\n") { print("    \(line)") }
            if let n = d.channels, n > 1 {
                print("    records \(n) channels only: earshotd mixes them and warns if they cancel; through plughw: or default with "
                      + "channels: 1, ALSA averages them first, unseen, and a phase-inverted pair (a laptop's or webcam's built-in "
                      + "microphones) cancels — set channels: \(n), then earshot listen --channel N to pick one")
            }
            let users = capturing.filter { $0.device == d.name }
            if !users.isEmpty { print("    used by " + users.map { "\($0.unit) (\($0.path))" }.joined(separator: ", ")) }
            for c in configured where c.device == d.name { if let use = idle[c.unit] { print("    named by \(c.unit) (\(c.path)), \(use.text)") } }
        }
        printConfigured(configured, idle: idle, listed: Set(devices.map(\.name)))
        if let noCard { print("\nnote: no sound card found (\(noCard)): the devices above are ALSA plugins, not a microphone") }
        for name in Set(capturing.map(\.device)).sorted() where capturing.filter({ $0.device == name }).count > 1 {
            print("\nwarning: \(name) is named by " + capturing.filter { $0.device == name }.map(\.unit).joined(separator: " and ")
                  + ": two earshotd cannot capture from one device at once — run one of them, or give each its own microphone")
        }
        let advice = SoundCard.pinningAdvice(SoundCard.list())
        if !advice.isEmpty { print(""); advice.forEach { print($0) } }
    }

    /// "  [opens for capture]", "  [cannot open: …]", or nothing with --no-probe.
    private func state(_ problem: String?) -> String {
        !probe ? "" : problem.map { "  [cannot open: \($0)]" } ?? "  [opens for capture]"
    }

    /// The devices the configs name (earshotd's built-in `default` when there is none) that ALSA does not list —
    /// `default` on a box with no sound card — each opened as earshotd would, with who names it.
    private func printConfigured(_ configured: [ConfiguredDevice], idle: [String: UnitUse], listed: Set<String>) {
        let named: [(device: String, by: String)] = configured.isEmpty
            ? [(DaemonConfig().device, "earshot (built-in defaults: no \(configDirectory)/earshot.yaml)")]
            : configured.map { c in (c.device, "\(c.unit) (\(c.path))" + (idle[c.unit].map { ", \($0.text)" } ?? "")) }
        let unlisted = named.filter { !listed.contains($0.device) }
        guard !unlisted.isEmpty else { return }
        print("\nConfigured, not listed by ALSA:")
        for device in Array(Set(unlisted.map(\.device))).sorted() {
            print("\(device)\(state(probe ? DeviceList.probe(device) : nil))")
            print("    named by " + unlisted.filter { $0.device == device }.map(\.by).joined(separator: "; "))
        }
    }
}
