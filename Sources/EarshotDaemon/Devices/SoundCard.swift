import Foundation

/// A sound card as sysfs shows it (`/sys/class/sound/cardN`): ALSA's card id (what `CARD=` names) and where the
/// card hangs on its bus. Identical USB microphones get their ids in plug-in order ("Device", "Device_1"), which can
/// swap at the next boot — and with them which room an `earshot@NAME` hears and names in its alerts. A udev rule
/// that sets the id from the USB port pins each name to a socket.
public struct SoundCard: Sendable, Equatable {
    public var index: Int
    /// ALSA's card id (`/sys/class/sound/cardN/id`).
    public var id: String
    /// The kernel name of the card's parent device, e.g. "1-1.2:1.0" for a USB interface; nil if unknown.
    public var busDevice: String?
    public var isUSB: Bool

    public init(index: Int, id: String, busDevice: String?, isUSB: Bool) {
        self.index = index; self.id = id; self.busDevice = busDevice; self.isUSB = isUSB
    }

    /// The udev rule that gives this card the id `name` whatever the plug-in order (USB cards only).
    public func udevRule(naming name: String) -> String? {
        guard isUSB, let b = busDevice else { return nil }
        return "SUBSYSTEM==\"sound\", KERNELS==\"\(b)\", ATTR{id}=\"\(name)\""
    }

    /// The cards under `sysfs` (default /sys), by index; none when the machine has no sound class.
    public static func list(sysfs: String = "/sys") -> [SoundCard] {
        let dir = URL(fileURLWithPath: sysfs).appendingPathComponent("class/sound")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let cards = names.compactMap { name -> SoundCard? in
            guard name.hasPrefix("card"), let index = Int(name.dropFirst(4)) else { return nil }
            let card = dir.appendingPathComponent(name)
            guard let id = try? String(contentsOf: card.appendingPathComponent("id"), encoding: .utf8) else { return nil }
            // `device` links to the parent (…/usb1/1-1/1-1.2/1-1.2:1.0 for a USB microphone).
            let parent = card.appendingPathComponent("device").resolvingSymlinksInPath()
            let linked = parent.path != card.appendingPathComponent("device").path
            return SoundCard(index: index, id: id.trimmingCharacters(in: .whitespacesAndNewlines),
                             busDevice: linked ? parent.lastPathComponent : nil,
                             isUSB: linked && parent.pathComponents.contains { $0.hasPrefix("usb") })
        }
        return cards.sorted { $0.index < $1.index }
    }

    /// Why this machine has no sound card, from the kernel's list (`/proc/asound/cards`: " 0 [PCH    ]: HDA-Intel …"
    /// per card): "/proc/asound/cards says --- no soundcards ---", or that the file is absent (no sound driver at
    /// all); nil when it lists a card, or cannot be read for another reason (nothing is claimed then).
    public static func noCardReason(procFile: String = "/proc/asound/cards") -> String? {
        let text: String
        do { text = try String(contentsOfFile: procFile, encoding: .utf8) } catch {
            return FileManager.default.fileExists(atPath: procFile) ? nil : "\(procFile) is absent: no sound driver is loaded"
        }
        let cards = text.split(separator: "\n").filter { line in
            let t = line.drop { $0 == " " }
            return t.first?.isNumber == true && t.drop { $0.isNumber }.hasPrefix(" [")
        }
        return cards.isEmpty ? "\(procFile) says \(text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "nothing" : text.trimmingCharacters(in: .whitespacesAndNewlines))" : nil
    }

    /// What `earshot devices` says about `cards`: each card and its socket, and — with two or more USB cards —
    /// the udev rules that pin their names; empty when there is nothing to pin.
    public static func pinningAdvice(_ cards: [SoundCard]) -> [String] {
        let usb = cards.filter { $0.isUSB && $0.busDevice != nil }
        guard usb.count >= 2 else { return [] }
        var out = ["USB sound cards (ALSA card id, USB port):"]
        out += usb.map { "  card \($0.index) '\($0.id)' on USB \($0.busDevice!)" }
        out += ["Identical microphones get their ids in plug-in order, which can change at the next boot — and an earshot@NAME",
                "would then hear, and name in its alerts, another room. Pin each id to its socket: these lines in",
                "/etc/udev/rules.d/85-earshot-microphones.rules (rename mic1, mic2 … to the rooms; at most 15 characters),",
                "then replug or reboot and use device: plughw:CARD=mic1,DEV=0 …"]
        out += usb.enumerated().map { "  " + $0.element.udevRule(naming: "mic\($0.offset + 1)")! }
        return out
    }
}
