import Foundation

/// A progress bar with ETA on a terminal (stderr is a TTY); plain lines otherwise (CI, logs): at a new 10 %
/// step once `plainEvery` seconds have passed since the start or the last line, so a task shorter than that
/// (a 5 s training epoch, whose own summary line follows) writes none, and a long one a line every ≥ 10 s.
/// `plainLines` off: nothing is written off a terminal. Used by the trainer and by `earshot detect`; not
/// thread-safe (callers serialise).
public final class ProgressBar {
    let label: String
    let total: Int
    let start: Date
    let tty: Bool
    let plainLines: Bool
    let plainEvery: TimeInterval
    let now: () -> Date
    let out: (String) -> Void
    /// Columns of the terminal the bar is drawn on: every redraw fits in one line less one column (a line
    /// that fills or wraps the terminal leaves a copy behind at every redraw).
    let columns: Int
    var lastTenth = 0
    var lastLine: Date
    var lastDraw = Date.distantPast

    public convenience init(_ label: String, total: Int, plainLines: Bool = true) {
        self.init(label, total: total, plainLines: plainLines, tty: ProgressBar.onTerminal, plainEvery: 10, now: Date.init,
                  out: { FileHandle.standardError.write(Data($0.utf8)) }, columns: ProgressBar.terminalColumns)
    }

    /// `now` and `out` stand in for the clock and stderr (tests).
    init(_ label: String, total: Int, plainLines: Bool, tty: Bool, plainEvery: TimeInterval, now: @escaping () -> Date, out: @escaping (String) -> Void, columns: Int = 80) {
        self.columns = max(40, columns)
        self.label = label
        self.total = max(1, total)
        self.plainLines = plainLines
        self.tty = tty
        self.plainEvery = plainEvery
        self.now = now
        self.out = out
        start = now()
        lastLine = start
    }

    /// Whether stderr is a terminal (where the bar is drawn).
    public static var onTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// The width of the terminal on stderr (TIOCGWINSZ), else $COLUMNS, else 80.
    static var terminalColumns: Int {
        var w = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
    }

    /// `s` cut to `n` characters, the cut marked by "…".
    static func fit(_ s: String, _ n: Int) -> String { s.count <= n ? s : n < 1 ? "" : String(s.prefix(n - 1)) + "…" }

    public func update(_ done: Int, note: String = "") {
        let frac = Double(done) / Double(total)
        let t = now(), elapsed = t.timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        if tty {
            guard t.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
            lastDraw = t
            // the figures first, then the label (the bar narrows from 30 to 10 cells for it), then the note
            let figures = String(format: " %3.0f%% %d/%d ETA %@", frac * 100, done, total, Self.clock(eta))
            var room = columns - 1 - figures.count
            let width = min(30, max(10, room - 1 - label.count))
            room -= width + 1
            let shown = Self.fit(label, room)
            let filled = Int(frac * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let rest = Self.fit(note, room - shown.count - 1)
            out("\r\(shown) \(bar)\(figures)\(rest.isEmpty ? "" : " " + rest)\u{1B}[K")
        } else if plainLines {
            let tenth = Int(frac * 10)
            guard tenth > lastTenth, t.timeIntervalSince(lastLine) >= plainEvery else { return }
            (lastTenth, lastLine) = (tenth, t)
            out(String(format: "%@: %3.0f%% (%d/%d), elapsed %@, ETA %@ %@\n", label, frac * 100, done, total, Self.clock(elapsed), Self.clock(eta), note))
        }
    }

    /// Erases the bar from the terminal line (before other output is printed there); the next `update`
    /// draws it again.
    public func clear() {
        if tty { out("\r\u{1B}[K"); lastDraw = .distantPast }
    }

    public func finish(_ note: String = "") {
        if tty { out("\r" + Self.fit("\(label): done in \(Self.clock(now().timeIntervalSince(start))) \(note)", columns - 1) + "\u{1B}[K\n") }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
