import EarshotDSP

/// Train/validation/test assignment BY RECORDING GROUP (never by clip), seeded and stratified by class and
/// source: within each (class, source) the groups are shuffled and dealt in proportion, so no recording,
/// gun or upload appears on two sides. A source with fewer than three groups goes whole to one side
/// (chosen by the seed, with the largest such sources kept for training), which holds out whole guns.
public struct GroupSplit: Sendable {
    public let assignment: [String: Split] // group → side

    public init(clips: [ClipInfo], seed: UInt64, validation: Double = 0.15, test: Double = 0.15) {
        var rng = SeededRNG(seed: seed)
        var a: [String: Split] = [:]
        let buckets = Dictionary(grouping: clips.filter { $0.label != "rir" }) { "\($0.label)|\($0.source)" }
        var small: [(key: String, groups: [String], clips: Int)] = []
        for key in buckets.keys.sorted() {
            let groups = Array(Set(buckets[key]!.map(\.group))).sorted()
            if groups.count < 3 { small.append((key, groups, buckets[key]!.count)); continue }
            var g = groups
            rng.shuffle(&g)
            let nv = max(1, Int((Double(g.count) * validation).rounded()))
            let nt = max(1, Int((Double(g.count) * test).rounded()))
            for (i, name) in g.enumerated() where a[name] == nil {
                a[name] = i < nv ? .validation : (i < nv + nt ? .test : .train)
            }
        }
        // Whole-source assignment for sources with 1–2 groups: the largest per class stay in training,
        // the others are dealt in turn to test, validation, train.
        let byClass = Dictionary(grouping: small) { $0.key.split(separator: "|")[0] }
        for cls in byClass.keys.sorted() {
            var list = byClass[cls]!.sorted { $0.clips > $1.clips }
            let keep = list.removeFirst()
            for g in keep.groups where a[g] == nil { a[g] = .train }
            rng.shuffle(&list)
            let order: [Split] = [.test, .validation, .train]
            for (i, s) in list.enumerated() { for g in s.groups where a[g] == nil { a[g] = order[i % 3] } }
        }
        assignment = a
    }

    /// The warning for a test split (`test`, of `seed`) evaluated with a model whose split had another seed
    /// (`trainedSeed`, its `train.seed`): how many of the test clips (and gunshots) that split put on its train or
    /// validation side — clips the model trained on or was selected with. Nil for the same seed, or no such clip.
    public static func seedWarning(model: String, trainedSeed: UInt64, seed: UInt64, test: [ClipInfo], corpus: [ClipInfo]) -> String? {
        guard trainedSeed != seed else { return nil }
        let theirs = GroupSplit(clips: corpus, seed: trainedSeed)
        let seen = test.filter { theirs.side(of: $0) != .test }
        guard !seen.isEmpty else { return nil }
        let guns = seen.filter { $0.label == "gunshot" }.count
        return "warning: \(model) was trained with --seed \(trainedSeed) (its train.seed), this is the test split of --seed \(seed): \(seen.count) of its \(test.count) clips (\(guns) gunshot) were in the training or validation split of seed \(trainedSeed), so these figures include clips it trained on — give --seed \(trainedSeed) for held-out figures"
    }

    public func side(of clip: ClipInfo) -> Split { clip.label == "rir" ? .train : (assignment[clip.group] ?? .train) }

    /// "class/source: clips, groups, minutes per side" table.
    public func report(_ clips: [ClipInfo]) -> String {
        var lines = ["| class | source | train clips (groups, min) | validation | test |", "|---|---|---|---|---|"]
        let buckets = Dictionary(grouping: clips.filter { $0.label != "rir" }) { "\($0.label)|\($0.source)" }
        for key in buckets.keys.sorted() {
            let parts = key.split(separator: "|").map(String.init)
            var cells: [String] = []
            for s in Split.allCases {
                let c = buckets[key]!.filter { side(of: $0) == s }
                cells.append(c.isEmpty ? "–" : String(format: "%d (%d, %.1f)", c.count, Set(c.map(\.group)).count, c.reduce(0) { $0 + $1.seconds } / 60))
            }
            lines.append("| \(parts[0]) | \(parts[1]) | \(cells.joined(separator: " | ")) |")
        }
        for cls in ["gunshot", "negative", "crowd"] {
            var cells: [String] = []
            for s in Split.allCases {
                let c = clips.filter { $0.label == cls && side(of: $0) == s }
                cells.append(String(format: "**%d (%d, %.1f)**", c.count, Set(c.map(\.group)).count, c.reduce(0) { $0 + $1.seconds } / 60))
            }
            lines.append("| **\(cls)** | all | \(cells.joined(separator: " | ")) |")
        }
        return lines.joined(separator: "\n")
    }
}
