import Foundation

/// Scores a range of a stream's windows on several detectors at once: the range is cut into contiguous
/// stretches (starting at multiples of `Detector.windowPeriod`, at least `minWindows` each), one per
/// detector; each detector restarts its scoring at its stretch's first frame and is fed only that
/// stretch's samples — a window depends on its own frames, a frame on its own samples — collecting the
/// scored windows. Same windows, times and scores as one detector streaming the whole stream
/// (`FileAnalyzerTests`). The decision rule is not touched: the caller replays the windows in order.
struct StretchScorer {
    let detectors: [Detector]
    /// Time origin of the stream (see `Detector.reset(timeOrigin:)`).
    let origin: Double
    /// Windows a detector scores at least (≈ 6 s at the default hop): shorter ranges stay on one detector.
    static let minWindows = 64

    /// Contiguous sub-ranges of `windows`, at most `parts`, each starting (except possibly the first) on a
    /// multiple of `detector.windowPeriod`.
    static func split(_ windows: Range<Int>, detector: Detector, parts: Int) -> [Range<Int>] {
        let period = detector.windowPeriod
        let n = max(1, min(parts, windows.count / minWindows))
        var bounds = [windows.lowerBound]
        for i in 1..<n { bounds.append((windows.lowerBound + windows.count * i / n) / period * period) }
        bounds.append(windows.upperBound)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }.filter { !$0.isEmpty }
    }

    /// The scored windows of `windows`, in order. `feed(from, to, detector)` streams samples [from, to) of
    /// the stream through `detector` (window k starts at sample k · hop frames · frame hop).
    func score(_ windows: Range<Int>, feed: (Int, Int, Detector) -> Void) -> [ScoredWindow] {
        let d0 = detectors[0], f = d0.model.features
        let stretches = Self.split(windows, detector: d0, parts: detectors.count)
        let scored = Slots(count: stretches.count)
        DispatchQueue.concurrentPerform(iterations: stretches.count) { p in
            let d = detectors[p], w = stretches[p]
            let frame = w.lowerBound * d.hopFrames
            var out: [ScoredWindow] = []
            out.reserveCapacity(w.count)
            d.restartScoring(timeOrigin: origin, firstFrame: frame)
            d.collect = { out.append($0) }
            // the stretch's samples: its first window's first frame … its last window's last frame
            let end = ((w.upperBound - 1) * d.hopFrames + f.windowFrames - 1) * f.hop + f.nFFT
            feed(frame * f.hop, end, d)
            d.collect = nil
            scored.set(p, out)
        }
        return scored.all.flatMap { $0 }
    }
}

/// The workers' scored windows, one slot per stretch (each written by one worker).
private final class Slots: @unchecked Sendable {
    private(set) var all: [[ScoredWindow]]
    private let lock = NSLock()
    init(count: Int) { all = Array(repeating: [], count: count) }
    func set(_ i: Int, _ w: [ScoredWindow]) { lock.lock(); all[i] = w; lock.unlock() }
}
