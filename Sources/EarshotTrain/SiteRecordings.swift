import EarshotDSP
import EarshotDetect
import Foundation

/// A site's recordings for `SiteAdaptation`, in bounded memory whatever their length: the first part of each
/// is cut into clips to train on — at most `maxSeconds` of them, spread evenly over all recordings (a day
/// of audio gives clips from every hour of it, not its first hour) — and the rest is only named (file and
/// first sample), to be streamed segment by segment through the detector (`StreamScores.collect(parts:)`).
/// Every recording is decoded to its end once here, so one that is cut short or damaged is skipped before
/// anything trains on it.
struct SiteRecordings {
    /// A recording's held-out part: its samples from `from` (at the model's rate) to the end.
    struct Part { var url: URL; var from: Int; var samples: Int }

    var files: [String] = []
    /// Recordings that could not be used, with the reason.
    var skipped: [String] = []
    /// The clips trained on (`file`: the recording they come from).
    var chunks: [(file: String, samples: [Float])] = []
    var heldOut: [Part] = []
    /// Seconds of the recordings' first parts, and of those kept as clips (≤ `maxSeconds`).
    var adaptSeconds = 0.0, keptSeconds = 0.0
    var heldOutSeconds = 0.0

    /// Reads the headers of every recording (folders: their audio files, sorted), plans the clips, then
    /// decodes each recording once, copying out the planned clips. A recording that cannot be read, is too
    /// short to split, or is damaged (cut short, NaN or infinite samples) is reported and skipped. Throws
    /// when nothing usable is left.
    static func load(_ urls: [URL], sampleRate: Int, holdOut: Double, chunk: Double, maxSeconds: Double = .infinity,
                     log: (String) -> Void) throws -> SiteRecordings {
        var site = SiteRecordings()
        func skip(_ url: URL, _ error: Error) {
            site.skipped.append(Corpus.skipped(url.path, error))
            log("skipping \(site.skipped.last!)")
        }
        // 1. headers: each recording's length and where its held-out part starts
        let chunkLen = Int(chunk * Double(sampleRate)), minPart = sampleRate   // each part ≥ 1 s
        var plans: [(url: URL, count: Int, cut: Int)] = []
        for url in try expand(urls) {
            do {
                let stream = try AudioFileStream(url, sampleRate: sampleRate)
                let count = stream.fileSamples
                if let p = LowSampleRate.problem(rate: stream.sourceSampleRate, modelRate: sampleRate) {
                    log("warning: \(url.path): recorded at \(stream.sourceSampleRate) Hz, \(p); adapting on it teaches the model a duller site than earshotd hears at \(sampleRate) Hz — record the site with earshotd itself (its recording: section)")
                }
                let cut = Int((1 - holdOut) * Double(count))
                guard cut >= minPart, count - cut >= minPart else {
                    throw TrainError.data(String(format: "%@: %.1f s is too short to split into audio to adapt on and audio to check on (needs ≥ %.0f s)",
                                                 url.path, Double(count) / Double(sampleRate), (1 / min(holdOut, 1 - holdOut)).rounded(.up)))
                }
                plans.append((url, count, cut))
            } catch {
                skip(url, error)
            }
        }
        // 2. the clips: every `chunkLen` of each first part (the last one if ≥ 1 s), thinned evenly to the budget
        var all: [(plan: Int, range: Range<Int>)] = []
        for (p, plan) in plans.enumerated() {
            for start in stride(from: 0, to: plan.cut, by: chunkLen) where min(plan.cut, start + chunkLen) - start >= minPart {
                all.append((p, start..<min(plan.cut, start + chunkLen)))
            }
        }
        let picked = Self.spread(all.map { Double($0.range.count) / Double(sampleRate) }, budget: maxSeconds)
        // 3. decode each recording to its end, copying out its clips
        for (p, plan) in plans.enumerated() {
            let ranges = picked.map { all[$0] }.filter { $0.plan == p }.map(\.range)
            do {
                let clips = try Self.decode(plan.url, sampleRate: sampleRate, clips: ranges)
                if !clips.isEmpty, clips.allSatisfy(Corpus.isDigitalSilence) {
                    log("warning: \(plan.url.path): digital silence (no sample of the audio to adapt on above −80 dBFS): a dead or muted microphone? It teaches the model nothing of the site — check the capture and record again")
                }
                site.chunks += clips.map { (plan.url.path, $0) }
                site.heldOut.append(Part(url: plan.url, from: plan.cut, samples: plan.count - plan.cut))
                site.adaptSeconds += Double(plan.cut) / Double(sampleRate)
                site.keptSeconds += Double(clips.reduce(0) { $0 + $1.count }) / Double(sampleRate)
                site.heldOutSeconds += Double(plan.count - plan.cut) / Double(sampleRate)
                site.files.append(plan.url.path)
            } catch {
                skip(plan.url, error)
            }
        }
        guard !site.files.isEmpty else {
            throw TrainError.data("no usable site audio (\(site.skipped.count) recording(s) skipped: \(site.skipped.joined(separator: "; "))): give recordings of the site, each at least a few seconds long")
        }
        return site
    }

    /// Indices of the items (durations in seconds, in recording order) to keep: all if they fit in `budget`,
    /// else as many as fit at an even stride over the whole list.
    static func spread(_ seconds: [Double], budget: Double) -> [Int] {
        let total = seconds.reduce(0, +)
        guard total > budget, !seconds.isEmpty else { return Array(seconds.indices) }
        let mean = total / Double(seconds.count)
        let k = max(1, min(seconds.count, Int(budget / mean)))
        return (0..<k).map { (2 * $0 + 1) * seconds.count / (2 * k) }
    }

    /// The samples of `clips` (sorted, disjoint ranges at `sampleRate`), decoding the whole file block by
    /// block: a few blocks in memory besides the clips. Throws the decoder's errors, and `damaged` for NaN
    /// or infinite samples.
    static func decode(_ url: URL, sampleRate: Int, clips: [Range<Int>]) throws -> [[Float]] {
        let stream = try AudioFileStream(url, sampleRate: sampleRate)
        var out: [[Float]] = []
        var buffer: [Float] = [], bufferStart = 0, next = 0, more = true
        while more {
            more = try stream.read(appendingTo: &buffer)
            // copy out every clip the buffer now holds, then drop what no later clip needs
            while next < clips.count, clips[next].upperBound <= bufferStart + buffer.count {
                out.append(Array(buffer[(clips[next].lowerBound - bufferStart)..<(clips[next].upperBound - bufferStart)]))
                next += 1
            }
            let keepFrom = next < clips.count ? min(clips[next].lowerBound, bufferStart + buffer.count) : bufferStart + buffer.count
            buffer.removeFirst(keepFrom - bufferStart)
            bufferStart = keepFrom
        }
        if let bad = stream.damaged { throw AudioFileError.damaged(path: url.path, bad) }
        guard next == clips.count else {
            throw AudioFileError.truncated(path: url.path, reason: "decoded \(bufferStart + buffer.count) samples, the header promised \(stream.fileSamples)")
        }
        return out
    }

    /// The recordings: folders replaced by the audio files in them (`AudioPaths.expand`). A path that does
    /// not exist is an error naming it.
    static func expand(_ urls: [URL]) throws -> [URL] {
        for u in urls where !BytePaths.exists(u.path) {
            throw TrainError.data("\(u.path): no such file or folder (give the site's recordings, e.g. site/*.wav or the folder site/)")
        }
        return AudioPaths.expand(urls.map(\.path)).map { URL(fileURLWithPath: $0) }
    }
}
