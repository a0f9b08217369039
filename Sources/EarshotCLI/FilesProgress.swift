import EarshotDSP
import Foundation

/// `earshot detect`'s and `earshot calibrate`'s progress on a terminal: one bar over the audio of all the
/// files (their lengths from the headers), advanced as each file finishes and after each 10-minute segment of
/// a long recording, with an ETA. Nothing is drawn when stderr is not a terminal (scripts, logs) or with
/// `--trace`. Result lines are printed through `printing`, which lifts the bar off the line first, so the two
/// never tear.
final class FilesProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let bar: ProgressBar
    private let durations: [Double]
    private var done: [Double]

    /// nil when there is nothing to draw (not a terminal, or not `enabled`). `command`: the bar's label.
    init?(_ command: String, files: [String], enabled: Bool = true) {
        guard enabled, ProgressBar.onTerminal else { return nil }
        durations = files.map { f in
            (try? AudioFile.info(URL(fileURLWithPath: f))).map { Double($0.frames) / Double(max(1, $0.sampleRate)) } ?? 0
        }
        done = Array(repeating: 0, count: files.count)
        let total = durations.reduce(0, +)
        bar = ProgressBar("\(command): \(files.count) file\(files.count == 1 ? "" : "s"), seconds of audio", total: Int(total.rounded(.up)), plainLines: false)
    }

    /// File `i` has been analysed up to `seconds`.
    func advance(file i: Int, to seconds: Double) {
        lock.withLock {
            done[i] = min(max(done[i], seconds), durations[i])
            bar.update(Int(done.reduce(0, +).rounded()))
        }
    }

    /// Runs `body` (which prints results) with the bar lifted off the terminal line; the next advance
    /// draws it again.
    func printing(_ body: () -> Void) {
        lock.withLock {
            bar.clear()
            body()
        }
    }

    /// Runs `body` through `progress` (lifting the bar off the terminal), or directly without one.
    static func printing(_ progress: FilesProgress?, _ body: () -> Void) {
        if let progress { progress.printing(body) } else { body() }
    }

    /// Takes the bar off the terminal for good.
    func finish() { lock.withLock { bar.clear() } }
}
