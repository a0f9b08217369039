import EarshotDSP
import EarshotDetect

/// Shots in succession: a shooting is seldom one shot, and a venue is warned when the detector hears any of them.
/// Recall of one clip is the per-shot figure; this is the per-incident one. Each test gunshot clip starts one
/// incident of `n` shots: itself, then `n − 1` other clips of its source (the same gun set, as one shooter's
/// weapon), each after a gap of 0.3–3 s (semi-automatic fire to a pause) of noise at that clip's own floor. The
/// incident is streamed after a window of floor noise and a random part of a hop, as a continuous stream hears
/// it, through exactly the detector `earshot detect` runs; it counts as found when the rule raises an event in it.
/// Shots of one incident are not independent (one gun, one recording set, one rule), so this is measured, not
/// computed from the per-shot recall.
public struct ShotsInSuccession: Codable, Sendable, Equatable {
    /// Shots per incident.
    public static let shotCounts = [2, 3, 5]
    /// Seconds between the end of one shot's clip and the start of the next.
    public static let gap = 0.3...3.0
    /// The seed of the incidents' draws (clips, gaps, noise), fixed so that every model hears the same incidents.
    static let seed: UInt64 = 2026

    /// Incidents per shot count (one per test gunshot clip).
    public var incidents: Int
    /// Share of incidents found at the model's threshold, by shot count ("2", "3", "5").
    public var recall: [String: Double]
    /// The same at each equal-false-alarm threshold (outer keys as `EvalReport.recallAtEqualFA`).
    public var recallAtEqualFA: [String: [String: Double]]
    /// Incidents of `crowdShots` shots with crowd noise mixed in, at the model's threshold, by SNR ("+10", "+0"; the
    /// incident's loudest 0.5 s against the crowd's mean power, as `EvalReport.recallAtSNR`): a shooting in a
    /// screaming crowd. Optional: reports written before it still load.
    public var recallInCrowd: [String: Double]?
    /// How many gunshot events the rule counted in each incident at the model's threshold, as earshotd counts them
    /// (EARSHOT_INCIDENT_EVENTS: events and those the cooldown held back), by shot count: element k is the number
    /// of incidents in which k were counted. Shots closer than a window or `merge_gap` are heard as one event, and
    /// one clip can hold a burst of several shots (or its echo) heard as more, so this tells how far the count can
    /// be read as shots. Optional: reports written before it still load.
    public var eventsCounted: [String: [Int]]?
    /// Shots per incident in `recallInCrowd`.
    public static let crowdShots = 3
    /// SNRs of `recallInCrowd`, in dB.
    public static let crowdSNRs: [Double] = [10, 0]

    public init(incidents: Int, recall: [String: Double], recallAtEqualFA: [String: [String: Double]], recallInCrowd: [String: Double]? = nil,
                eventsCounted: [String: [Int]]? = nil) {
        self.incidents = incidents; self.recall = recall; self.recallAtEqualFA = recallAtEqualFA; self.recallInCrowd = recallInCrowd
        self.eventsCounted = eventsCounted
    }

    /// A histogram of `counts`: element k is how many of them are k.
    static func histogram(_ counts: [Int]) -> [Int] {
        var h = [Int](repeating: 0, count: (counts.max() ?? 0) + 1)
        for c in counts { h[c] += 1 }
        return h
    }

    /// Of the incidents of `shots` clips found (`eventsCounted`): the median number of gunshot events counted and
    /// the shares (%) counted as many as the clips, fewer and more. Nil without counts or without one found.
    public func counted(shots: Int) -> (median: Int, same: Double, fewer: Double, more: Double)? {
        guard let h = eventsCounted?[String(shots)], h.count > 1 else { return nil }
        let found = h.dropFirst().reduce(0, +)
        guard found > 0 else { return nil }
        func share(_ ks: some Sequence<Int>) -> Double { 100 * Double(ks.reduce(0) { $0 + ($1 < h.count ? h[$1] : 0) }) / Double(found) }
        var seen = 0, median = 0
        for k in 1..<h.count { seen += h[k]; if 2 * seen >= found { median = k; break } }
        return (median, share([shots]), share(1..<shots), share((shots + 1)..<max(shots + 1, h.count)))
    }

    /// "5 clips: median 4 events; as many in 22.3 %, fewer in 59.1 %, more in 18.6 %" (`counted(shots:)`), nil without.
    public func countText(shots: Int) -> String? {
        counted(shots: shots).map { c in
            String(format: "%d clips: median %d event%@; as many in %.1f %%, fewer in %.1f %%, more in %.1f %%", shots, c.median, c.median == 1 ? "" : "s", c.same, c.fewer, c.more)
        }
    }

    /// The report's cell for `counted(shots:)`: "4; 22.3 / 59.1 / 18.6 %", "–" without.
    public func countCell(shots: Int) -> String {
        counted(shots: shots).map { String(format: "%d; %.1f / %.1f / %.1f %%", $0.median, $0.same, $0.fewer, $0.more) } ?? "–"
    }

    /// Streams every incident through `detector` and counts those found under `rule` and each of `equalRules`
    /// (keyed as `EvalReport.recallAtEqualFA`). Incidents are built one at a time: five shots of every test
    /// clip would otherwise hold minutes of audio per clip in memory.
    /// With `crowd` clips, also `recallInCrowd`: each 3-shot incident mixed with a crowd clip drawn at random (looped
    /// to its length) at each of `crowdSNRs`.
    public static func measure(gunshots: [Clip], crowd: [Clip] = [], detector: Detector, rule: DecisionRule, equalRules: [String: DecisionRule]) -> ShotsInSuccession {
        var rng = SeededRNG(seed: seed)
        var recall: [String: Double] = [:], equal: [String: [String: Double]] = [:], counted: [String: [Int]] = [:]
        for n in shotCounts {
            var scores = StreamScores()
            for i in gunshots.indices {
                scores.append(StreamScores.collect([incident(startingWith: i, shots: n, of: gunshots, detector: detector, rng: &rng)], detector: detector))
            }
            let key = String(n)
            recall[key] = scores.fractionWithEvents(rule: rule)
            counted[key] = histogram(scores.gunshotEvents(rule: rule))
            for (k, r) in equalRules { equal[k, default: [:]][key] = scores.fractionWithEvents(rule: r) }
        }
        var inCrowd: [String: Double]?
        if !crowd.isEmpty {
            var crowdRNG = SeededRNG(seed: seed &+ 1)
            inCrowd = [:]
            for snr in crowdSNRs {
                var scores = StreamScores()
                for i in gunshots.indices {
                    let x = incident(startingWith: i, shots: crowdShots, of: gunshots, detector: detector, rng: &crowdRNG)
                    let mixed = Augment.mix(x, noise: crowd[crowdRNG.int(crowd.count)].samples, snrDB: snr)
                    scores.append(StreamScores.collect([mixed], detector: detector))
                }
                inCrowd?[Evaluator.snrKey(snr)] = scores.fractionWithEvents(rule: rule)
            }
        }
        return ShotsInSuccession(incidents: gunshots.count, recall: recall, recallAtEqualFA: equal, recallInCrowd: inCrowd, eventsCounted: counted)
    }

    /// The samples of one incident: a window of floor noise and a random part of a hop, clip `first`, then
    /// `shots − 1` other clips of its source (drawn with replacement among the others; the clip itself again when
    /// it is its source's only one), each after a gap drawn from `gap`, the noise at the next clip's own floor.
    static func incident(startingWith first: Int, shots: Int, of clips: [Clip], detector: Detector, rng: inout SeededRNG) -> [Float] {
        let source = clips[first].info.source
        let others = clips.indices.filter { $0 != first && clips[$0].info.source == source }
        let rate = Double(detector.sampleRate)
        var x = NoiseFloor.noise(count: detector.model.features.windowSamples + rng.int(detector.hopSamples),
                                 amplitude: NoiseFloor.amplitude(clips[first].samples), rng: &rng)
        x += clips[first].samples
        for _ in 1..<max(1, shots) {
            let next = others.isEmpty ? first : others[rng.int(others.count)]
            let gapSamples = Int((rng.uniform(gap.lowerBound, gap.upperBound) * rate).rounded())
            x += NoiseFloor.noise(count: gapSamples, amplitude: NoiseFloor.amplitude(clips[next].samples), rng: &rng)
            x += clips[next].samples
        }
        return x
    }

    /// "79.3 / 35.0 %" for `crowdSNRs` from `recallInCrowd` (or the one-shot `EvalReport.recallAtSNR`), "–" without.
    public static func crowdCell(_ bySNR: [String: Double]?) -> String {
        guard let bySNR, crowdSNRs.contains(where: { bySNR[Evaluator.snrKey($0)] != nil }) else { return "–" }
        return percentages(crowdSNRs.map { bySNR[Evaluator.snrKey($0)] })
    }

    /// "88.6 / 94.3 / 99.2 %" for the shot counts, from `recall` (or an equal-rate entry); `oneShot` first when given
    /// ("71.5 / 86.6 / 93.1 / 98.4 %", the report's cells).
    public static func cell(_ byCount: [String: Double]?, oneShot: Double? = nil) -> String {
        guard let byCount else { return "–" }
        return percentages((oneShot.map { [$0] } ?? []) + shotCounts.map { byCount[String($0)] })
    }

    /// Shares as "12.6 / 21.1 %", a missing one as "–".
    static func percentages(_ shares: [Double?]) -> String {
        shares.map { $0.map { String(format: "%.1f", $0 * 100) } ?? "–" }.joined(separator: " / ") + " %"
    }
}
