import ArgumentParser
import EarshotDaemon
import EarshotDSP
import EarshotNN
import Foundation

/// The service's command line; `EarshotdCommandMain` starts it.
struct Earshotd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshotd",
        abstract: "Earshot's always-on gunshot detector service (systemd Type=notify).",
        discussion: """
        Normally started by systemd (systemd/earshot.service; earshot@NAME.service runs one per microphone as \
        earshotd --instance NAME). By hand:
          earshotd --config /etc/earshot/earshot.yaml

        Alerts go to the journal (MESSAGE_ID=88a049a25a974a828bee9f70b35c0a93) and to the configured hook; \
        without a journal they are printed to stderr.
        """,
        version: EarshotVersion.string
    )
    @Option(help: "Configuration file (default /etc/earshot/earshot.yaml if present, else built-in defaults; /etc/earshot/NAME.yaml with --instance).") var config: String?
    @Option(help: "One of several earshotd on this box, one per microphone (earshot@NAME.service): reads /etc/earshot/NAME.yaml, keeps clips, recordings, score log and metrics in /var/lib/earshot-NAME.") var instance: String?
    @Option(help: ArgumentHelp("Stop capturing after N device frames (tests; ALSA's file plugin repeats at end of file).", visibility: .hidden)) var maxFrames: Int?
    @Option(help: ArgumentHelp("Pace capture at this multiple of real time (tests/benchmarks).", visibility: .hidden)) var pace: Double = 0
    @Flag(help: "Exit when capture has stopped and all audio was analysed (--replay sets it; for demos and tests).") var exitAtEnd = false
    @Option(help: "Play this recording (any format) through the real ALSA capture path at real time, then exit; it is not the site's sound, so neither the site recording nor the score log takes it, and its alerts are drills: [REPLAY], EARSHOT_TEST=1 and EARSHOT_REPLAY in the journal and to the hooks, left out of earshot incidents. Example: earshotd --replay /usr/share/earshot/demo-gunshots.flac (the package's copy; demo/demo-gunshots.flac in the source)") var replay: String?

    /// OpenBLAS's kernel is fixed before anything else runs (it may re-execute this program once).
    static func main() async {
        OpenBLASKernel.upgradeIfNeeded()
        await main(nil)
    }

    func run() async throws {
        // evidence clips, site recordings, score logs and metrics hold the venue's sound and what happened there:
        // no one else's to read, also when started by hand with a login shell's 022 (the unit sets UMask=0027;
        // a stricter umask is kept)
        umask(umask(0) | 0o027)
        var o = RuntimeOptions()
        o.configPath = config; o.maxFrames = maxFrames; o.pace = pace; o.exitAtEnd = exitAtEnd
        do {
            o.instance = try Instance(name: instance)
            if replay != nil && pace == 0 { o.pace = 1 }
            try await Daemon.run(options: o, replay: replay)
        } catch {
            FileHandle.standardError.write(Data("earshotd: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
