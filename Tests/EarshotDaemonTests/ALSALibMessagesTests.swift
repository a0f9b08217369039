import CALSA
@testable import EarshotDaemon
import Foundation
import Logging
import Synchronization
import Testing

/// alsa-lib's own error lines (install QA 7, finding 8): while the microphone is missing each capture retry wrote
/// 8–10 "ALSA lib …" lines to stderr, the journal under systemd. earshotd sends them to its logger at debug level.
/// The card `earshotmissing` is missing on every box; opening it makes alsa-lib say "Cannot get card index".
@Suite(.serialized) struct ALSALibMessagesTests {
    static let missing = "hw:CARD=earshotmissing"

    /// A log handler that keeps what it is given.
    struct Keeper: LogHandler {
        let kept: Kept
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? { get { nil } set {} }
        func log(event: LogEvent) { kept.lines.withLock { $0.append("\(event.level): \(event.message)") } }
    }
    final class Kept: Sendable { let lines = Mutex<[String]>([]) }

    @Test func routedToTheLoggerAtDebugLevel() throws {
        let kept = Kept()
        ALSALibMessages.route(to: Logger(label: "test") { _ in Keeper(kept: kept) })
        defer { ALSALibMessages.restore() }
        #expect(throws: ALSAError.self) { _ = try PCMCapture(device: Self.missing, rate: 16_000, channels: 1) }
        let lines = kept.lines.withLock { $0 }
        #expect(lines.contains { $0.hasPrefix("debug: ALSA lib confmisc.c:") && $0.contains("Cannot get card index for earshotmissing") }, "\(lines)")
        #expect(ALSALibMessages.line(file: "pcm.c", line: 2666, function: "snd_pcm_open_noupdate", err: -ENOENT, message: "Unknown PCM default")
                == "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default: No such file or directory")
    }

    /// The real earshotd on a missing device, retrying: no alsa-lib line on stderr at the default log level, each
    /// retry's as a debug line at `log_level: debug`.
    @Test func earshotdKeepsThemOutOfStderrUnlessDebug() throws {
        let run = try DaemonRun()
        for debug in [false, true] {
            let config = try run.writeConfig(device: Self.missing, extra: debug ? "log_level: debug" : "", name: "missing-\(debug).yaml")
            let d = try DaemonProcess(args: ["--config", config.path], environment: [:], dir: run.dir)
            let end = Date().addingTimeInterval(20)
            // retry_min 0.2 s, retry_max 1 s: three retries or more in 2.5 s
            while !d.stderr.contains("capture device unavailable") && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
            Thread.sleep(forTimeInterval: 2.5)
            d.signal(SIGTERM)
            #expect(d.waitExit(timeout: 15) == 0, "stderr:\n\(d.stderr)")
            let err = d.stderr
            #expect(err.contains("capture device unavailable, retrying"), "\(err)")
            let alsa = err.split(separator: "\n").filter { $0.contains("ALSA lib") }
            if debug {
                #expect(alsa.count >= 2 && alsa.allSatisfy { $0.hasPrefix("earshotd[debug]: ALSA lib confmisc.c:") }
                        && alsa[0].contains("Cannot get card index for earshotmissing"), "\(err)")
            } else {
                #expect(alsa.isEmpty, "alsa-lib's lines reached stderr at log_level info:\n\(err)")
            }
        }
    }
}
