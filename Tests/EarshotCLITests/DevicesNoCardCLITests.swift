import Foundation
import Testing

/// `earshot devices` on a box with no sound card (install QA 7, finding 7): alsa-lib hints `null` everywhere, so the
/// advice for no microphone never came and the exit was 0, and the config's `device: default`, which cannot be
/// opened, was not shown. Here ALSA's configuration and the kernel's card list are files of the test's; this
/// machine has no sound card either, which the last test checks for real.
struct DevicesNoCardCLITests {
    /// An ALSA configuration with only `null`, hinted as alsa-lib's own is, and no `default`.
    static func onlyNull(_ dir: URL) throws -> URL {
        try Operator.write("""
            pcm.null {
                type null
                hint { show on description "Discard all samples (playback) or generate zero samples (capture)" }
            }
            """, to: dir.appendingPathComponent("asound-null.conf"))
    }

    @Test func noSoundCardIsSaidWithTheAdviceAndTheConfiguredDeviceIsOpened() throws {
        let dir = TestPaths.tempDir("devices-nocard")
        let cards = try Operator.write("--- no soundcards ---\n", to: dir.appendingPathComponent("cards"))
        let etc = dir.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        _ = try Operator.write("device: default\n", to: etc.appendingPathComponent("earshot.yaml"))
        let env = ["ALSA_CONFIG_PATH": try Self.onlyNull(dir).path]
        let r = try CLIRunner.run(["devices", "--config-directory", etc.path, "--asound-cards", cards.path], environment: env)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("No sound card found (\(cards.path) says --- no soundcards ---). Plug in a microphone, check `arecord -l`, and that the user is in the `audio` group.\n"), "\(r.stdout)")
        #expect(r.stdout.contains("\nConfigured, not listed by ALSA:\ndefault  [cannot open: snd_pcm_open on 'default' failed: No such file or directory (-2) — no such capture device")
                && r.stdout.contains("\n    named by earshot (\(etc.path)/earshot.yaml)\n"), "\(r.stdout)")
        // no card file at all (no sound driver), and no config: earshotd's built-in `default`
        let none = try CLIRunner.run(["devices", "--config-directory", dir.appendingPathComponent("none").path, "--asound-cards", "/nonexistent/cards"], environment: env)
        #expect(none.status == 1 && none.stdout.hasPrefix("No sound card found (/nonexistent/cards is absent: no sound driver is loaded)."), "\(none.stdout)")
        #expect(none.stdout.contains("default  [cannot open: ") && none.stdout.contains("named by earshot (built-in defaults: no "), "\(none.stdout)")
        // a card the user cannot see through ALSA: not said to be missing, but null is still no microphone
        let card = try Operator.write(" 0 [Mic            ]: USB-Audio - USB Mic\n                      USB Mic at usb-0000:00:14.0-2, full speed\n", to: dir.appendingPathComponent("cards1"))
        let one = try CLIRunner.run(["devices", "--config-directory", etc.path, "--asound-cards", card.path, "--no-probe"], environment: env)
        #expect(one.status == 1 && one.stdout.hasPrefix("No ALSA capture devices found but null, which captures silence. Plug in a microphone")
                && one.stdout.contains("\ndefault\n    named by earshot ("), "\(one.stdout)")
    }

    @Test func aPluginDeviceIsStillListedWithANoteThatThereIsNoCard() throws {
        let dir = TestPaths.tempDir("devices-plugin")
        let conf = try Operator.testMicrophone(in: dir)
        let cards = try Operator.write("--- no soundcards ---\n", to: dir.appendingPathComponent("cards"))
        let etc = dir.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        _ = try Operator.write("device: earshot_test_mic\n", to: etc.appendingPathComponent("earshot.yaml"))
        let r = try CLIRunner.run(["devices", "--config-directory", etc.path, "--asound-cards", cards.path], environment: ["ALSA_CONFIG_PATH": conf.path])
        #expect(r.status == 0 && r.stdout.contains("earshot_test_mic  [opens for capture]\n    Earshot test microphone (file plugin)\n    used by earshot ("), "\(r.stdout)")
        #expect(!r.stdout.contains("Configured, not listed") && r.stdout.contains("\nnote: no sound card found (\(cards.path) says --- no soundcards ---)"), "\(r.stdout)")
    }

    /// This machine's own ALSA and kernel: with no sound card (as here) `devices` exits 1 and says so.
    @Test func thisMachineWithoutASoundCard() throws {
        guard SoundCardProbe.noCard else { return }   // a box with a card: nothing to check here
        let dir = TestPaths.tempDir("devices-real")
        let r = try CLIRunner.run(["devices", "--config-directory", dir.path], unsetting: ["ALSA_CONFIG_PATH"])
        #expect(r.status == 1 && r.stdout.hasPrefix("No sound card found (/proc/asound/cards") && r.stdout.contains("default  [cannot open: "), "\(r.stdout)")
    }
}

/// Whether this machine has a sound card, as the kernel says.
enum SoundCardProbe {
    static var noCard: Bool {
        guard let t = try? String(contentsOfFile: "/proc/asound/cards", encoding: .utf8) else { return true }
        return t.contains("no soundcards")
    }
}
