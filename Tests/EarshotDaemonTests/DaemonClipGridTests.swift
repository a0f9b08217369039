import EarshotDetect
import EarshotDSP
import Foundation
import Testing

/// Operator QA 2: an evidence clip starts on the detector's window grid, so `earshot detect` on the clip scores
/// the very windows earshotd scored — re-checking an alert's own clip finds what earshotd found. (On another
/// grid a window sees the audio up to half a hop earlier or later, and a score near the threshold can fall below
/// it: 5 of 47 clips of a day showed no event.)
@Suite(.serialized) struct DaemonClipGridTests {
    @Test func detectOnAnEvidenceClipScoresEarshotdsOwnWindows() throws {
        let run = try DaemonRun()
        let fx = try AlsaFileFixture(DaemonTestSignals.recording(seconds: 14, shots: [4.0, 8.5]), rate: 16_000, dir: run.dir)
        let (clipDir, logDir) = (run.dir.appendingPathComponent("clips"), run.dir.appendingPathComponent("scores"))
        let r = try run.journalRun(fx, config: try run.writeConfig(clips: ["enabled: true", "directory: \(clipDir.path)", "pre_roll: 2", "post_roll: 2"],
                                                                   scores: ["enabled: true", "directory: \(logDir.path)"]))
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let clips = DaemonRun.alerts(r.entries).compactMap { $0["EARSHOT_CLIP"] }
        #expect(clips.count == 2, "\(r.entries.map { $0["MESSAGE"] ?? "" })")
        // every window earshotd scored, in order (one run: one stream)
        let log = ScoreLog.load([logDir.path])
        let daemon = log.entries.flatMap(\.file.scores)
        #expect(log.problems.isEmpty && daemon.count > 100, "\(log.problems.map(\.message)), \(daemon.count) windows")
        let cli = try DaemonProcess.requireBinary().deletingLastPathComponent().appendingPathComponent("earshot")
        for clip in clips {
            let p = try DaemonProcess(executable: cli, args: ["detect", "--trace", "--model", run.model.path, "--threshold", "0.5", clip], environment: [:], dir: run.dir)
            #expect(p.waitExit(timeout: 60) == 0, "\(p.stderr)")
            // "FILE TIME SCORE" per window (TIME its centre), scores to 4 decimals; the windows wholly inside the clip
            // (the others hear detect's padding, not the stream)
            let seconds = Double(try AudioFile.read(URL(fileURLWithPath: clip)).samples.count) / 16_000
            let rows = p.stderr.split(separator: "\n").filter { $0.hasPrefix(clip + " ") }.map { $0.split(separator: " ") }
            let trace = rows.filter { Double($0[1]).map { $0 >= 0.48 && $0 <= seconds - 0.48 } ?? false }.compactMap { Float($0[2]) }
            #expect(trace.count > 20, "\(p.stderr.prefix(500))")
            // the windows where the grid matters (a shot partly in them): on earshotd's grid each is one of its windows,
            // score for score; on another grid no shift of the clip's windows matches them
            let telling = trace.indices.filter { trace[$0] > 0.001 && trace[$0] < 0.999 }
            #expect(telling.count >= 4, "windows with a shot partly in them: \(trace)")
            var best = Float.infinity, at = -1
            for k in 0...(max(0, daemon.count - trace.count)) {
                let worst = telling.map { abs(trace[$0] - daemon[k + $0]) }.max() ?? .infinity
                if worst < best { (best, at) = (worst, k) }
            }
            #expect(best < 2e-4, "\(clip): the clip's windows are not earshotd's (closest: \(best) at window \(at))\n\(telling.map { "\(trace[$0]) vs \(at >= 0 ? daemon[at + $0] : -1)" })")
        }
    }
}
