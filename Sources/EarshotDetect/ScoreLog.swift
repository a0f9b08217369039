import Foundation

/// earshotd's score log read back (`ScoreLogFile`s, from files or folders of them), for `earshot calibrate
/// --scores`: the windows one model scored, joined into the streams the detector saw, turned into
/// `StreamScores` that recompute events for any threshold, with each event's UTC time.
public struct ScoreLog: Sendable {
    public struct Entry: Sendable {
        public var path: String
        public var file: ScoreLogFile
    }
    /// The readable files, in time order (of their first window; then by stream and frame).
    public var entries: [Entry] = []
    /// Files that could not be used, with the reason (`ScoreLogError`'s text).
    public var problems: [(path: String, message: String)] = []

    public init(entries: [Entry] = []) { self.entries = entries }

    /// Files and folders → score log files: a folder gives its `*.esl` files, sorted by name.
    public static func expand(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var dir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &dir), dir.boolValue else { return [path] }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                .filter { !$0.hasPrefix(".") && ($0 as NSString).pathExtension == ScoreLogFile.fileExtension }.sorted()
            return names.isEmpty ? [path] : names.map { (path as NSString).appendingPathComponent($0) }
        }
    }

    /// Reads every file of `paths` (expanded); one that cannot be read is a problem, the rest are used.
    public static func load(_ paths: [String]) -> ScoreLog {
        var log = ScoreLog()
        for p in expand(paths) {
            var dir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &dir), dir.boolValue {
                log.problems.append((p, "\(p): a folder with no score log (.\(ScoreLogFile.fileExtension)) files in it — earshotd writes them to scores.directory (default /var/lib/earshot/scores) while scores.enabled is true"))
                continue
            }
            do { log.entries.append(Entry(path: p, file: try ScoreLogFile.read(URL(fileURLWithPath: p)))) } catch {
                log.problems.append((p, "\(error)"))
            }
        }
        log.entries.sort {
            let (a, b) = ($0.file.header, $1.file.header)
            return (a.utcStart, a.stream, a.firstFrame) < (b.utcStart, b.stream, b.firstFrame)
        }
        return log
    }

    /// Seconds of audio the windows cover (one hop each).
    public var seconds: Double { entries.reduce(0) { $0 + $1.file.seconds } }

    public var windowCount: Int { entries.reduce(0) { $0 + $1.file.count } }

    /// Seconds of windows heard while paging was muted.
    public var mutedSeconds: Double {
        entries.reduce(0) { t, e in t + Double(e.file.flags.lazy.filter { $0 & ScoreLogFile.mutedFlag != 0 }.count) * e.file.header.grid.hopSeconds }
    }

    /// The files of the model with `fingerprint`, and the others by model: (name, fingerprint, files, seconds).
    public func split(fingerprint: String) -> (matching: ScoreLog, others: [(model: String, fingerprint: String, files: Int, seconds: Double)]) {
        let m = ScoreLog(entries: entries.filter { $0.file.header.modelFingerprint == fingerprint })
        var others: [String: (model: String, files: Int, seconds: Double)] = [:]
        for e in entries where e.file.header.modelFingerprint != fingerprint {
            let h = e.file.header
            var o = others[h.modelFingerprint] ?? (h.model, 0, 0)
            o.files += 1; o.seconds += e.file.seconds
            others[h.modelFingerprint] = o
        }
        return (m, others.map { ($0.value.model, $0.key, $0.value.files, $0.value.seconds) }.sorted { $0.seconds > $1.seconds })
    }

    /// The header of the file that starts last (the daemon's current settings).
    public var newest: ScoreLogHeader? { entries.max { $0.file.header.utcStart < $1.file.header.utcStart }?.file.header }

    /// The hops (seconds) the files were scored at, distinct.
    public var hops: [Double] { Array(Set(entries.map { $0.file.header.grid.hopSeconds })).sorted() }

    /// Indices of `entries` per stream: one detector's files in frame order, split where windows are missing
    /// (a crash lost the last seconds, a file was deleted).
    public var chains: [[Int]] {
        let byStream = Dictionary(grouping: entries.indices) { entries[$0].file.header.stream }
        var out: [[Int]] = []
        for (_, idx) in byStream.sorted(by: { $0.key < $1.key }) {
            var chain: [Int] = []
            for i in idx.sorted(by: { entries[$0].file.header.firstFrame < entries[$1].file.header.firstFrame }) {
                if let last = chain.last, entries[last].file.nextFrame == entries[i].file.header.firstFrame,
                   entries[last].file.header.grid == entries[i].file.header.grid {
                    chain.append(i)
                } else {
                    if !chain.isEmpty { out.append(chain) }
                    chain = [i]
                }
            }
            if !chain.isEmpty { out.append(chain) }
        }
        return out.sorted { entries[$0[0]].file.header.utcStart < entries[$1[0]].file.header.utcStart }
    }

    /// Where an event of a stream of `scores(floor:keepBelow:)` happened: the file and the UTC time of `time`
    /// (seconds on the stream's clock), and how far into that file it is.
    public struct Place: Sendable, Equatable {
        public var path: String
        public var utc: Date
        /// Seconds from the start of the file's first window (its `utcStart`, the time in its name) to `time`.
        public var offset: Double
    }

    /// The streams' windows as `StreamScores` (one stream per chain), and per stream a function from its
    /// clock to a file and UTC time. Windows scoring below `floor` are cut to the first `keepBelow` of each
    /// run of them: events at any threshold ≥ `floor` are counted exactly as from all the windows when
    /// `keepBelow` ≥ `keepBelow(for:)` of the rule (below-threshold windows past those change nothing the
    /// tracker keeps), and a day of windows takes a few thousand, not 864,000. `floor` 0 keeps every window.
    /// Windows starting within an `excluding` span (UTC seconds: a real shot or a test firing), and windows heard
    /// while paging was muted unless `includeMuted` (a planned noisy event), are left out with their seconds, and
    /// the stream goes on after them as a new one.
    public func scores(floor: Float = 0, keepBelow: Int = .max, excluding: [ClosedRange<Double>] = [], includeMuted: Bool = false) -> (scores: StreamScores, places: [(Double) -> Place]) {
        var s = StreamScores()
        var places: [(Double) -> Place] = []
        var windows: [ScoredWindow] = []
        var seconds = 0.0
        var starts: [(start: Double, utc: Double, path: String, fileUTC: Double)] = []
        func finish() {
            guard !windows.isEmpty else { return }
            s.add(windows, seconds: seconds)
            let table = starts
            places.append { t in
                let f = table.last { $0.start <= t } ?? table.first ?? (0, 0, "", 0)
                let utc = f.utc + (t - f.start)
                return Place(path: f.path, utc: Date(timeIntervalSince1970: utc), offset: utc - f.fileUTC)
            }
            windows = []; seconds = 0; starts = []
        }
        for chain in chains {
            var below = 0
            for i in chain {
                let f = entries[i].file
                guard f.count > 0 else { continue }
                let (t0, hop) = (f.window(0).start, f.header.grid.hopSeconds)
                var fileStarted = false
                for k in 0..<f.count {
                    let w = f.window(k)
                    let utc = f.header.utcStart + (w.start - t0)
                    if (!includeMuted && f.isMuted(k)) || excluding.contains(where: { $0.contains(utc) }) { finish(); fileStarted = false; below = 0; continue }
                    if !fileStarted { starts.append((w.start, utc, entries[i].path, f.header.utcStart)); fileStarted = true }
                    seconds += hop
                    if f.scores[k] >= floor { below = 0 } else { below += 1; if below > keepBelow { continue } }
                    windows.append(w)
                }
            }
            finish()
        }
        return (s, places)
    }

    /// The fewest below-floor windows in a row that `scores(floor:keepBelow:)` must keep for `rule` to count
    /// exactly: enough to break a run being confirmed (`maxDips` + 1) and to close an open event (the merge gap
    /// in windows).
    public static func keepBelow(for rule: DecisionRule) -> Int {
        max(rule.maxDips + 1, max(1, Int((rule.mergeGap / rule.hopSeconds).rounded(.up))))
    }

    /// Windows per score bin of width 2⁻¹⁶ (the last bin holds the scores of 1).
    func histogram() -> [Int] {
        var hist = [Int](repeating: 0, count: (1 << 16) + 1)
        for e in entries { for s in e.file.scores { hist[Int(s * Float(1 << 16))] += 1 } }
        return hist
    }

    /// The highest bin edge with at least `n` windows of `hist` scoring at or above it (0 when there are fewer).
    static func floor(windowsAbove n: Int, in hist: [Int]) -> Float {
        var total = 0
        for b in stride(from: hist.count - 1, through: 1, by: -1) {
            total += hist[b]
            if total >= n { return Float(b) / Float(hist.count - 1) }
        }
        return 0
    }

    /// `scores` cut at a floor low enough that every threshold for up to `maxRate` false alarms per hour, and
    /// `threshold` itself, lies above it: tried from a high floor down (each try ×16 the windows kept) until the
    /// events at the floor exceed `maxRate` per hour, or the floor is 0 (every window kept).
    public func calibrationScores(rule: DecisionRule, maxRate: Double, threshold: Float, excluding: [ClosedRange<Double>] = [],
                                  includeMuted: Bool = false) -> (scores: StreamScores, places: [(Double) -> Place], floor: Float) {
        let keep = Self.keepBelow(for: rule)
        // at most every window (an absurd rate would not fit an Int)
        var n = max(10_000, Int(min(64 * maxRate * seconds / 3600 * Double(rule.minConsecutive), Double(windowCount) + 1)))
        let hist = histogram()
        while true {
            let floor = min(Self.floor(windowsAbove: n, in: hist), threshold)
            let (s, p) = scores(floor: floor, keepBelow: keep, excluding: excluding, includeMuted: includeMuted)
            var r = rule
            r.threshold = floor
            if floor <= 0 || s.falseAlarmsPerHour(rule: r) > maxRate { return (s, p, floor) }
            n = n > windowCount ? Int.max : n * 16
        }
    }
}
