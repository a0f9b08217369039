import EarshotNN
import Foundation

/// The window scores of the held-out test split's gunshot clips, as the trainer's evaluation streamed them through
/// the detector, carried in the model file (metadata `eval.test_shots`). A box has no corpus, yet the other side of
/// a site's threshold is how many shots it misses: from these, `earshot calibrate` says how many of the model's
/// test shots each threshold still finds — exactly the trainer's count (a clip is found when the rule confirms an
/// event in it), at any threshold, `min_consecutive` and `max_dips`, at the hop they were scored at.
public struct ShotScores: Sendable, Equatable {
    /// The metadata key.
    public static let key = "eval.test_shots"
    /// Seconds between the scored windows.
    public var hop: Double
    /// Per clip, its windows' scores in order.
    public var clips: [[Float]]
    /// Per clip, the source (gun set) it came from; nil in files written before sources were kept. Incidents of
    /// several shots are drawn within a source (`incidentShare`).
    public var sources: [String]?
    /// Shots per incident in the share `earshot calibrate`, `check-config` and earshotd show beside the one-shot share.
    public static let incidentShots = 3

    /// `sources`, one per clip, are dropped when their count is not the clips'.
    public init(hop: Double, clips: [[Float]], sources: [String]? = nil) {
        self.hop = hop; self.clips = clips
        self.sources = sources?.count == clips.count ? sources : nil
    }

    /// The scores of `streams` (`StreamScores` of the test gunshot clips) at `hop`, with each clip's source.
    public init(hop: Double, streams: StreamScores, sources: [String]? = nil) {
        self.init(hop: hop, clips: streams.streams.map { $0.map(\.score) }, sources: sources)
    }

    /// `model`'s, nil when its file has none (trained before they were kept); a damaged record throws.
    public init?(model: Model) throws {
        guard let text = model.provenance[Self.key] else { return nil }
        struct Record: Decodable { var hop: Double; var windows: [Int]; var scores: String; var sources: [String]?; var source: [Int]? }
        func damaged(_ why: String) -> ModelFileError { .badMetadata(path: model.path ?? model.name, key: Self.key, reason: "\(why): rebuild the file's test-shot scores with `earshot-train evaluate --model FILE --data CORPUS --write-shot-scores FILE`, or remove the key") }
        guard let r = try? JSONDecoder().decode(Record.self, from: Data(text.utf8)) else { throw damaged("not a JSON record of hop, windows and scores") }
        guard let bytes = Data(base64Encoded: r.scores), bytes.count % 4 == 0, r.hop > 0, r.windows.allSatisfy({ $0 >= 0 }),
              r.windows.reduce(0, +) == bytes.count / 4 else { throw damaged("its window counts do not match its scores") }
        let all: [Float] = bytes.withUnsafeBytes { raw in (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
        guard all.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw damaged("a score outside 0…1") }
        var clips: [[Float]] = [], at = 0
        for n in r.windows { clips.append(Array(all[at..<(at + n)])); at += n }
        var clipSources: [String]?
        if let names = r.sources, let index = r.source {
            guard index.count == clips.count, index.allSatisfy({ names.indices.contains($0) }) else { throw damaged("its clips' sources do not match its clips") }
            clipSources = index.map { names[$0] }
        }
        self.init(hop: r.hop, clips: clips, sources: clipSources)
    }

    /// The metadata value: `{"hop":0.1,"windows":[per clip],"scores":"<base64 of little-endian Float32>",
    /// "sources":[names],"source":[per clip, an index into sources]}` — every score bit for bit (the thresholds
    /// that matter differ in the fourth decimal); the sources only when known.
    public func encoded() -> String {
        var bytes = Data(capacity: clips.reduce(0) { $0 + $1.count } * 4)
        for c in clips { for s in c { withUnsafeBytes(of: s.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } } }
        var sourceFields = ""
        if let sources {
            let names = Array(Set(sources)).sorted()
            let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            let quoted = names.map { n -> String in String(decoding: (try? JSONEncoder().encode(n)) ?? Data("\"\"".utf8), as: UTF8.self) }
            sourceFields = ",\"sources\":[\(quoted.joined(separator: ","))],\"source\":[\(sources.map { String(index[$0]!) }.joined(separator: ","))]"
        }
        return "{\"hop\":\(hop),\"windows\":[\(clips.map { String($0.count) }.joined(separator: ","))],\"scores\":\"\(bytes.base64EncodedString())\"\(sourceFields)}"
    }

    /// Whether these scores can answer for `rule`: the same hop (rounded to 1 ms).
    public func fits(_ rule: DecisionRule) -> Bool { abs(rule.hopSeconds - hop) < 0.0005 }

    /// Clips in which `rule` confirms an event (the trainer's "found"; its first event needs no cooldown or
    /// merging, so only the threshold, `minConsecutive` and `maxDips` decide).
    public func found(rule: DecisionRule) -> Int { foundClips(rule: rule).filter { $0 }.count }

    /// Per clip, whether `rule` confirms an event in it.
    func foundClips(rule: DecisionRule) -> [Bool] {
        clips.map { c in
            var t = EventTracker(rule: rule)
            var hit = false
            for (i, s) in c.enumerated() where !hit {
                let start = Double(i) * hop
                t.observe(score: s, windowStart: start, windowEnd: start + 1, onset: start) { if case .started = $0 { hit = true } }
            }
            return hit
        }
    }

    /// The share of incidents of `shots` shots that `rule` finds, nil without the clips' sources: each clip
    /// followed by `shots − 1` others of its source drawn at random (with replacement; the clip itself when it is its
    /// source's only one), found when any of its shots is — the expectation over the draws, computed exactly. The
    /// trainer streams such incidents whole (`ShotsInSuccession`, 0.3–3 s apart): for the shipped model this
    /// any-shot count came within 6 points of 1,200 streamed incidents at every threshold from its own to 1 false
    /// alarm per hour on a site, mostly below them (shots less than a window apart are also heard together).
    public func incidentShare(rule: DecisionRule, shots: Int = ShotScores.incidentShots) -> Double? {
        incidentShare(found: foundClips(rule: rule), shots: shots)
    }

    /// `incidentShare(rule:shots:)` from the clips a rule found.
    private func incidentShare(found: [Bool], shots: Int) -> Double? {
        guard let sources, !clips.isEmpty else { return nil }
        var foundBySource: [String: Int] = [:], clipsBySource: [String: Int] = [:]
        for (s, f) in zip(sources, found) { clipsBySource[s, default: 0] += 1; if f { foundBySource[s, default: 0] += 1 } }
        var sum = 0.0
        for (s, f) in zip(sources, found) {
            if f { sum += 1; continue }
            let others = clipsBySource[s]! - 1
            guard others > 0 else { continue }
            // none of the other shots found: each draw misses with probability (others − found) / others
            let miss = Double(others - foundBySource[s, default: 0]) / Double(others)
            sum += 1 - pow(miss, Double(max(0, shots - 1)))
        }
        return sum / Double(clips.count)
    }

    /// The clips a rule finds, of all.
    public struct Share: Sendable, Equatable, CustomStringConvertible {
        public var found: Int, total: Int
        /// The share of incidents of `ShotScores.incidentShots` shots found (`incidentShare`), nil without sources.
        public var incidents: Double? = nil
        /// ", 92.0 % of its 3-shot incidents", "" without sources.
        public var incidentText: String { incidents.map { String(format: ", %.1f %% of its %d-shot incidents", 100 * $0, ShotScores.incidentShots) } ?? "" }
        public var fraction: Double { Double(found) / Double(max(1, total)) }
        /// 95 % interval (Wilson).
        public var interval: ConfidenceInterval { .wilson(successes: found, trials: total) }
        /// "71.5 % (176 of 246)", as the CLI and earshotd print it.
        public var description: String { String(format: "%.1f %% (%d of %d)", 100 * fraction, found, total) }
    }

    /// The share of the clips `rule` finds.
    public func share(rule: DecisionRule) -> Share {
        let found = foundClips(rule: rule)
        return Share(found: found.filter { $0 }.count, total: clips.count, incidents: incidentShare(found: found, shots: Self.incidentShots))
    }

    /// `model`'s test shots' share under `rule`, nil when the file carries none, scored them at another hop, or
    /// holds a damaged record (`earshot model-info` names that).
    public static func share(model: Model, rule: DecisionRule) -> Share? {
        guard let s = (try? ShotScores(model: model)) ?? nil, s.fits(rule) else { return nil }
        return s.share(rule: rule)
    }

    /// "finds 71.5 % (176 of 246) of the model's held-out test shots, 92.0 % of its 3-shot incidents" (the second part
    /// when the file knows the clips' sources), nil as for `share(model:rule:)`.
    public static func summary(model: Model, rule: DecisionRule) -> String? {
        share(model: model, rule: rule).map { "finds \($0) of the model's held-out test shots\($0.incidentText)" }
    }
}
