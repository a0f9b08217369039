import EarshotDaemon
import Foundation
import Testing

/// SoundCard over a sysfs tree laid out as the kernel does for two identical USB microphones and an onboard
/// (PCI) card. This machine has no sound class at all (/sys/class/sound is absent), so the tree is built here.
@Suite struct SoundCardTests {
    static func sysfs() throws -> URL {
        let root = TestPaths.tempDir("sysfs")
        let fm = FileManager.default
        let cards: [(Int, String, String)] = [
            (0, "PCH", "devices/pci0000:00/0000:00:1f.3"),
            (1, "Device", "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/1-1.2:1.0"),
            (2, "Device_1", "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.3/1-1.3:1.0"),
        ]
        for (n, id, parent) in cards {
            let card = root.appendingPathComponent("devices/virtual-or-parent/\(parent)/sound/card\(n)")
            try fm.createDirectory(at: card, withIntermediateDirectories: true)
            try fm.createDirectory(at: root.appendingPathComponent(parent), withIntermediateDirectories: true)
            try (id + "\n").write(to: card.appendingPathComponent("id"), atomically: true, encoding: .utf8)
            try fm.createSymbolicLink(at: card.appendingPathComponent("device"), withDestinationURL: root.appendingPathComponent(parent))
            let cls = root.appendingPathComponent("class/sound")
            try fm.createDirectory(at: cls, withIntermediateDirectories: true)
            try fm.createSymbolicLink(at: cls.appendingPathComponent("card\(n)"), withDestinationURL: card)
        }
        try fm.createDirectory(at: root.appendingPathComponent("class/sound/controlC0"), withIntermediateDirectories: true)
        return root
    }

    @Test func cardsAndTheirSockets() throws {
        let cards = SoundCard.list(sysfs: try Self.sysfs().path)
        #expect(cards.map(\.index) == [0, 1, 2] && cards.map(\.id) == ["PCH", "Device", "Device_1"])
        #expect(cards[0].busDevice == "0000:00:1f.3" && !cards[0].isUSB)
        #expect(cards[1].busDevice == "1-1.2:1.0" && cards[1].isUSB && cards[2].busDevice == "1-1.3:1.0")
        #expect(cards[1].udevRule(naming: "hall") == #"SUBSYSTEM=="sound", KERNELS=="1-1.2:1.0", ATTR{id}="hall""#)
        #expect(cards[0].udevRule(naming: "x") == nil, "only USB cards move between boots")
        #expect(SoundCard.list(sysfs: "/nonexistent").isEmpty)
    }

    @Test func twoUSBMicrophonesGetPinningRulesOneGetsNone() throws {
        let cards = SoundCard.list(sysfs: try Self.sysfs().path)
        let advice = SoundCard.pinningAdvice(cards)
        #expect(advice.contains("  card 2 'Device_1' on USB 1-1.3:1.0"), "\(advice)")
        #expect(advice.contains(#"  SUBSYSTEM=="sound", KERNELS=="1-1.2:1.0", ATTR{id}="mic1""#))
        #expect(advice.contains(#"  SUBSYSTEM=="sound", KERNELS=="1-1.3:1.0", ATTR{id}="mic2""#))
        #expect(!advice.joined().contains("PCH"), "the onboard card is not listed")
        #expect(SoundCard.pinningAdvice(Array(cards.prefix(2))).isEmpty, "one USB microphone cannot swap with another")
    }
}
