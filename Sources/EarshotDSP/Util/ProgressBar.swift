import Foundation

/// A progress bar with ETA on a terminal (stderr is a TTY); plain lines every ~10 % otherwise (CI, logs),
/// unless `plainLines` is off (then nothing is written off a terminal). Used by the trainer and by
/// `earshot detect`; not thread-safe (callers serialise).
public final class ProgressBar {
    let label: String
    let total: Int
    let start = Date()
    let tty = ProgressBar.onTerminal
    let plainLines: Bool
    var lastTenth = -1
    var lastDraw = Date.distantPast

    public init(_ label: String, total: Int, plainLines: Bool = true) {
        self.label = label
        self.total = max(1, total)
        self.plainLines = plainLines
    }

    /// Whether stderr is a terminal (where the bar is drawn).
    public static var onTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    public func update(_ done: Int, note: String = "") {
        let frac = Double(done) / Double(total)
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        if tty {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
            lastDraw = Date()
            let width = 30
            let filled = Int(frac * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data(String(format: "\r%@ %@ %3.0f%% %d/%d ETA %@ %@\u{1B}[K", label, bar, frac * 100, done, total, Self.clock(eta), note).utf8))
        } else if plainLines {
            let tenth = Int(frac * 10)
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            FileHandle.standardError.write(Data(String(format: "%@: %3.0f%% (%d/%d), elapsed %@, ETA %@ %@\n", label, frac * 100, done, total, Self.clock(elapsed), Self.clock(eta), note).utf8))
        }
    }

    /// Erases the bar from the terminal line (before other output is printed there); the next `update`
    /// draws it again.
    public func clear() {
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); lastDraw = .distantPast }
    }

    public func finish(_ note: String = "") {
        if tty { FileHandle.standardError.write(Data("\r\(label): done in \(Self.clock(Date().timeIntervalSince(start))) \(note)\u{1B}[K\n".utf8)) }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
