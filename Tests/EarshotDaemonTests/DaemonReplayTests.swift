import EarshotDSP
import Foundation
import Testing

/// `earshotd --replay FILE` (the README's demo): the recording is decoded, played through the real ALSA capture
/// path, alerts go to the journal, the daemon exits by itself — and the decoded copy it handed to ALSA's file
/// plugin is gone afterwards (a day of replays would otherwise leave gigabytes in /tmp).
@Suite(.serialized) struct DaemonReplayTests {
    @Test func replayAlertsExitsAndLeavesNoTemporaryFile() throws {
        let run = try DaemonRun()
        let tmp = run.dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let wav = run.dir.appendingPathComponent("replay.wav")
        try AudioFileWriter.writeWAV16(DaemonTestSignals.recording(seconds: 4, shots: [1.5]), sampleRate: 16_000, to: wav)
        let r = try run.journalRun(config: try run.writeConfig(), args: ["--replay", wav.path, "--pace", "8"],
                                   environment: ["TMPDIR": tmp.path], timeout: 60)
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let offsets = DaemonRun.alerts(r.entries).compactMap { $0["EARSHOT_OFFSET"].flatMap(Double.init) }
        #expect(offsets.count == 1 && offsets.allSatisfy { abs($0 - 1.5) < 0.6 }, "alerts at \(offsets)")
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        #expect(left.isEmpty, "left in TMPDIR: \(left)")
    }
}
