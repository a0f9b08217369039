import EarshotDetect
import Foundation

/// The evaluation report: markdown with the comparison table, JSON with every figure, SVG plots.
public enum Report {
    static func pct(_ x: Double?) -> String { x.map { String(format: "%.1f %%", $0 * 100) } ?? "–" }

    /// Precision as a percentage, "n/a" when it is undefined (NaN: the model detected nothing).
    static func precisionCell(_ p: Double) -> String { p.isNaN ? "n/a" : pct(p) }

    /// A figure with its 95 % interval when the report has one: "71.5 % (65.6–76.8)", "250.0 (187.1–327.0)".
    static func withInterval(_ value: String, _ i: ConfidenceInterval?, scale: Double = 1) -> String {
        guard let i else { return value }
        return value + String(format: " (%.1f–%.1f)", i.lower * scale, i.upper * scale)
    }

    /// The shipped model's test clips by peak level: recall of the gunshot clips, false-alarm clips of the rest.
    /// `logEpsilon`: the model's log floor (`FeatureConfig.logEpsilon`), named in the table's caption.
    static func levelTable(_ t: EvalReport, logEpsilon: Double) -> String {
        let e = log10(logEpsilon), eps = e == e.rounded() ? "1e\(Int(e))" : "\(logEpsilon)"
        var md = "By clip peak level (test; the features' log floor, ln(mel + \(eps)), flattens the cells of a quiet shot's spectrogram that fall below it — with 1e-6, most of a shot that peaks below about −40 dBFS):\n\n| peak level | gunshot clips | recall | negative + crowd clips | with a false alarm |\n|---|---|---|---|---|\n"
        for e in LevelBands.edges {
            let g = t.recallByLevel.first { $0.loudest == e }, n = t.falseAlarmClipsByLevel.first { $0.loudest == e }
            guard g != nil || n != nil else { continue }
            let label = LevelBands.label(g ?? n!)
            md += "| \(label) | \(g?.clips ?? 0) | \(pct(g.map(\.fraction))) | \(n?.clips ?? 0) | \(pct(n.map(\.fraction))) |\n"
        }
        return md
    }

    public static func table(_ rs: [ThreeModelProtocol.Trained]) -> String {
        var s = "| model | threshold | val recall | test acc | precision | recall (95 % interval) | F1 | ROC-AUC | FA/h (test; 95 % interval) | recall +20/+10/0/−5/−10 dB SNR | recall 0/−10/−20/−30/−40 dB gain | FA rate 0/−20/−40 dB gain | overdriven +20/+40 dB, clipped: recall · FA rate |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for r in rs {
            guard let t = r.test else { continue }
            let snr = ["+20", "+10", "+0", "-5", "-10"].map { pct(t.recallAtSNR[$0]) }.joined(separator: " / ")
            let gain = ["0", "-10", "-20", "-30", "-40"].map { pct(t.recallAtGain[$0]) }.joined(separator: " / ")
            let fa = ["0", "-20", "-40"].map { pct(t.falseAlarmRateAtGain[$0]) }.joined(separator: " / ")
            let over = ["+20", "+40"].map { pct(t.recallAtGain[$0]) }.joined(separator: " / ") + " · " + ["+20", "+40"].map { pct(t.falseAlarmRateAtGain[$0]) }.joined(separator: " / ")
            let recall = withInterval(pct(t.recall), t.recallInterval, scale: 100)
            let fah = withInterval(String(format: "%.1f", t.falseAlarmsPerHour), t.falseAlarmsPerHourInterval)
            s += String(format: "| %@%@ | %.6f | %@ | %@ | %@ | %@ | %.3f | %.3f | %@ | %@ | %@ | %@ | %@ |\n", r.title, r.model.provenance["train.thresholds"] == nil ? "" : " †", t.threshold, pct(r.valRecall), pct(t.accuracy), precisionCell(t.precision), recall, t.f1, t.rocAUC, fah, snr, gain, fa, over)
        }
        return s
    }

    /// Recall of every model at equal false-alarm rates set on the test negatives (ranking only).
    public static func equalFATable(_ rs: [ThreeModelProtocol.Trained]) -> String {
        let keys = Evaluator.equalFATargets.map { String(format: "%.0f", $0) }
        var s = "| model | " + keys.map { "recall @ \($0) FA/h" }.joined(separator: " | ") + " |\n|---|" + keys.map { _ in "---|" }.joined() + "\n"
        for r in rs { guard let t = r.test else { continue }; s += "| \(r.title) | " + keys.map { pct(t.recallAtEqualFA[$0]) }.joined(separator: " | ") + " |\n" }
        return s
    }

    /// How soon each model's rule confirmed the test shots it found (`ConfirmationLatency`): at its own
    /// threshold and at the equal-false-alarm thresholds. Nil when no report has the figures (older reports).
    static func latencyTable(_ rs: [ThreeModelProtocol.Trained]) -> String? {
        let keys = Evaluator.equalFATargets.map { String(format: "%.0f", $0) }
        guard rs.contains(where: { $0.test?.latency != nil }) else { return nil }
        var s = "| model | own threshold | " + keys.map { "@ \($0) FA/h" }.joined(separator: " | ") + " |\n|---|---|" + keys.map { _ in "---|" }.joined() + "\n"
        for r in rs {
            guard let t = r.test else { continue }
            s += "| \(r.title) | \(t.latency?.summary ?? "–") | " + keys.map { t.latencyAtEqualFA?[$0]?.summary ?? "–" }.joined(separator: " | ") + " |\n"
        }
        return s
    }

    /// Each model's recall of incidents of 2, 3 and 5 shots (`ShotsInSuccession`) beside its recall of one shot:
    /// at its own threshold and at the equal-false-alarm thresholds. Nil when no report has them (older reports).
    static func successionTable(_ rs: [ThreeModelProtocol.Trained]) -> String? {
        let keys = Evaluator.equalFATargets.map { String(format: "%.0f", $0) }
        guard rs.contains(where: { $0.test?.succession != nil }) else { return nil }
        let counts = "1 / " + ShotsInSuccession.shotCounts.map(String.init).joined(separator: " / ") + " shots"
        let snrs = ShotsInSuccession.crowdSNRs.map { Evaluator.snrKey($0) }.joined(separator: " / ")
        let most = ShotsInSuccession.shotCounts.max() ?? 5
        var s = "| model | own threshold: \(counts) | " + keys.map { "@ \($0) FA/h" }.joined(separator: " | ")
            + " | \(ShotsInSuccession.crowdShots) shots in crowd noise, \(snrs) dB SNR (1 shot) | \(most) clips found, gunshot events counted: median; as many / fewer / more |\n|---|---|"
            + keys.map { _ in "---|" }.joined() + "---|---|\n"
        func cell(_ one: Double?, _ more: [String: Double]?) -> String { one == nil ? "–" : ShotsInSuccession.cell(more, oneShot: one) }
        for r in rs {
            guard let t = r.test else { continue }
            let crowd = t.succession?.recallInCrowd.map { ShotsInSuccession.crowdCell($0) + " (" + ShotsInSuccession.crowdCell(t.recallAtSNR) + ")" } ?? "–"
            s += "| \(r.title) | \(cell(t.recall, t.succession?.recall)) | " + keys.map { cell(t.recallAtEqualFA[$0], t.succession?.recallAtEqualFA[$0]) }.joined(separator: " | ")
                + " | \(crowd) | \(t.succession?.countCell(shots: most) ?? "–") |\n"
        }
        return s
    }

    /// Other models against a reference on the same test gunshot clips, clip by clip: at each model's own
    /// threshold (their false-alarm rates on the test negatives beside it) and at equal false-alarm rates set on
    /// the test negatives. The recall columns differ by exactly the clips only one model found; the exact
    /// McNemar p-value says whether that split is more than chance. Models without the clips found are left out.
    public static func pairedTable(reference: (name: String, report: EvalReport), others: [(name: String, report: EvalReport)]) -> String {
        let ref = reference.report
        let shots = Double(max(1, ref.metrics.tp + ref.metrics.fn))
        var rows: [(String, String, Double?, Double?, PairedComparison)] = []
        for (name, r) in others {
            for (point, c) in PairedComparison.points(ref, r) {
                let (label, a, b) = point == "threshold"
                    ? (String(format: "own thresholds (%.1f / %.1f FA/h)", ref.falseAlarmsPerHour, r.falseAlarmsPerHour), ref.shotsFound, r.shotsFound)
                    : ("\(point) FA/h", ref.shotsFoundAtEqualFA?[point], r.shotsFoundAtEqualFA?[point])
                rows.append((name, label, a.map { Double($0.count) / shots }, b.map { Double($0.count) / shots }, c))
            }
        }
        return pairedRows(reference: reference.name, rows)
    }

    /// The out-of-fold candidates against the shipped one, clip by clip on the pooled held-out gunshot clips, at
    /// each rate's out-of-fold threshold. Candidates without the clips found (older summaries) are left out.
    static func candidatesPairedTable(_ cs: [OOFSummary], shipped: String) -> String? {
        guard let ref = cs.first(where: { $0.model == shipped }), let a = ref.shotsFound else { return nil }
        var rows: [(String, String, Double?, Double?, PairedComparison)] = []
        for c in cs where c.model != shipped && c.gunshotClips == ref.gunshotClips {
            guard let b = c.shotsFound else { continue }
            for key in ["1", "2", "5", "10"] {
                guard let x = a[key], let y = b[key] else { continue }
                rows.append((c.model, "\(key) FA/h", ref.recall[key], c.recall[key], PairedComparison(found: x, y)))
            }
        }
        return rows.isEmpty ? nil : pairedRows(reference: shipped, rows)
    }

    /// model | operating point | both recalls | the clips only one found | McNemar p.
    static func pairedRows(reference: String, _ rows: [(name: String, point: String, a: Double?, b: Double?, c: PairedComparison)]) -> String {
        var s = "| model | operating point | recall, \(reference) | recall, this model | found only by \(reference) | found only by this model | McNemar p |\n|---|---|---|---|---|---|---|\n"
        for r in rows {
            s += "| \(r.name) | \(r.point) | \(pct(r.a)) | \(pct(r.b)) | \(r.c.onlyFirst) | \(r.c.onlySecond) | \(r.c.pValue < 0.001 ? "< 0.001" : String(format: "%.3f", r.c.pValue)) |\n"
        }
        return s
    }

    /// "source n, source n" by descending count (ties by name).
    public static func sourceList(_ sources: [String: Int]) -> String {
        sources.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// One row per out-of-fold fold: its held-out gunshot clips by source and their recall at 1 and 10 FA/h.
    static func foldTable(_ folds: [OOFSummary.Fold]) -> String {
        var s = "| fold | held-out gunshot clips (by source) | recall @ 1 FA/h | @ 10 FA/h |\n|---|---|---|---|\n"
        for (k, f) in folds.enumerated() {
            // a fold without held-out gunshot clips has no recall ("–"), not 0 %
            let held = f.clips == 0 ? "0" : "\(f.clips): \(sourceList(f.sources))"
            s += "| \(k + 1) | \(held) | \(pct(f.clips == 0 ? nil : f.recall["1"])) | \(pct(f.clips == 0 ? nil : f.recall["10"])) |\n"
        }
        return s
    }

    /// Out-of-fold recall of every calibrated candidate at equal false-alarm rates (the selection table).
    public static func candidatesTable(_ cs: [OOFSummary], titles: [String: String], shipped: String) -> String {
        var s = "| model | epochs | recall @ 1 FA/h | @ 2 FA/h | @ 5 FA/h | @ 10 FA/h | mean | threshold @ 1 FA/h |\n|---|---|---|---|---|---|---|---|\n"
        for c in cs {
            let name = (titles[c.model] ?? c.model) + (c.model == shipped ? " **(shipped)**" : "")
            s += "| \(name) | \(c.epochs.map(String.init).joined(separator: "+")) | " + ["1", "2", "5", "10"].map { pct(c.recall[$0]) }.joined(separator: " | ")
                + String(format: " | %@ | %.6f |\n", pct(c.meanRecall), c.thresholds["1"] ?? 0)
        }
        return s
    }

    /// Every file `write` may write into the output folder. A run removes those an earlier run left there
    /// before it starts (it writes its own at the end), so none of them describes other models than the
    /// folder's, and `oof.json` does not outlive a later `--folds 0` run.
    public static let files = ["report.md", "report.json", "oof.json", "oof_candidates.json",
                               "roc.svg", "recall_vs_snr.svg", "recall_vs_gain.svg", "training_curves.svg", "loss_curves.svg"]

    public static func write(_ rs: [ThreeModelProtocol.Trained], best: Int, oof: OOFSummary?, candidates: [OOFSummary] = [], split: String, unreadable: [String], options o: ThreeModelProtocol.Options) throws {
        var md = "# Earshot model report\n\nCommand: `\(o.command)`  \nData: `\(o.data.path)` (seed \(o.seed)); split by recording group.\n\n"
        md += "## Comparison on the held-out test split\n\nEach model's threshold was chosen for ≤ 1 false alarm per hour of VALIDATION negative+crowd audio, except the shipped model's, which comes from the out-of-fold calibration below (when it ran); every figure below is on the TEST split, which no model or threshold saw. Recall = fraction of test gunshot clips with a detected event (the detector streams each clip exactly as `earshot detect` does); FA/h = events per hour streaming all test negative and crowd clips. In parentheses, 95 % intervals of the test set's sampling error (Wilson for recall, exact Poisson for the false-alarm count): two models whose intervals overlap widely are not told apart by this test set.\n\n"
        md += table(rs)
        if candidates.isEmpty {
            md += "\nShipped model: **\(rs[best].title)** (`\(rs[best].name)`), chosen by validation clip recall at each model's own 1 FA/h validation threshold (validation clip ROC-AUC breaks ties).\n"
        } else {
            md += "\nShipped model: **\(rs[best].title)** (`\(rs[best].name)`). Validation ranked the models (clip recall at each model's own 1 FA/h validation threshold, clip ROC-AUC breaking ties); the top \(o.oofCandidates) and the two leaders of validation window recall at 1 % window FPR (the early-stopping statistic; \(candidates.count) models in all) were calibrated out-of-fold, and the one with the best mean out-of-fold recall at 1, 2, 5 and 10 false alarms per hour ships.\n"
        }
        md += "\n### Every model at equal false-alarm rates\n\nThe thresholds above differ per model, so the table above mixes operating points. Here each model's threshold is set on the TEST negatives for the same false-alarm rate (so these thresholds saw the test negatives: use this table to rank models, not as a deployment figure).\n\n" + equalFATable(rs)
        if let lat = latencyTable(rs) {
            md += "\n### How soon the shots are confirmed\n\nFrom each found test shot's loudest 10 ms to the end of the window that confirmed it (the audio the detector must hear before it alerts: earshotd scores each window as the capture block holding its last sample arrives, and its windows end where blocks end with the default `period_ms` and hop, so its alert follows by the scoring time, a few ms): median / 90th percentile / max, and the share confirmed within the \(Int((ConfirmationLatency.target * 1000).rounded())) ms target. Each clip is streamed after a window of noise at its own floor and a random part of a hop, so that windows sweep across the shot's arrival at every point of the hop as in a continuous stream (the padding of `earshot detect`, half a window, would put a shot near its clip's start mid-window in the first window scored); the shots counted are those found so, less those whose first event came before their loudest moment (an earlier, quieter shot in the clip set it off). Decision rule: \(DecisionRule.calibration(of: rs[best].model)?.countingDescription ?? "the trainer's").\n\n" + lat
        }
        if let succession = successionTable(rs) {
            md += "\n### Shots in succession\n\nA shooting is seldom one shot, and the venue is warned when any of them is heard. Each test gunshot clip starts one incident: itself, then 1, 2 or 4 other clips of its source (one gun set, as one shooter's weapon), each after 0.3–3 s of noise at its own floor, streamed as a continuous stream hears it; an incident counts as found when the rule raises an event in it. The first figure in each cell is the one-shot recall of the tables above. The crowd column mixes each 3-shot incident with a crowd clip (children, street music, laughter, speech, screams; looped to its length) at +10 and 0 dB SNR (the incident's loudest 0.5 s against the crowd's mean power), at the model's own threshold: a shooting in a screaming crowd; in parentheses one shot at the same SNRs, from the first table. The last column counts, in each 5-clip incident found at the model's own threshold, the gunshot events as earshotd counts them into an incident (EARSHOT_INCIDENT_EVENTS: the events and those the cooldown held back): shots less than a window apart are one event, and a clip may hold a burst of several shots, so \"as many\" is as many as clips, not shots. Shots of one incident share a gun, a recording set and the rule, so these are measured, not computed from the one-shot recall as if the shots were independent.\n\n" + succession
        }
        let others = rs.indices.filter { $0 != best }.compactMap { i in rs[i].test.map { (rs[i].name, $0) } }
        if let shipped = rs[best].test, others.contains(where: { !PairedComparison.points(shipped, $0.1).isEmpty }) {
            md += "\n### The shipped model against each other, clip by clip\n\nAll models stream the same test gunshot clips, so two recalls differ by exactly the clips only one of them found; the exact McNemar test says whether that split is more than chance (p < 0.05: the test set tells the two apart). This is sharper than comparing the two recall intervals above, which ignore that most shots are found by both. The test counts each clip as independent: clips of one recording group are not, so with one group holding many of the shots the p-values are too small. Many rows make some p < 0.05 by chance (about 1 in 20 when two models are equally good); at its own threshold a model with more false alarms finds more shots (the rates are beside it), so rank by the equal-rate rows.\n\n" + pairedTable(reference: (rs[best].name, shipped), others: others)
        }
        if !candidates.isEmpty {
            let titles = Dictionary(rs.map { ($0.name, $0.title) }, uniquingKeysWith: { a, _ in a })
            md += "\n## Model selection out-of-fold\n\nEach candidate's recipe (with its base) was re-trained from scratch on all but one fold of the train+validation audio (grouped by recording, \(candidates[0].folds) folds), for the epoch counts its early stopping chose; every fold model scored only the fold it never trained on. Recall of held-out gunshot clips at thresholds set for equal false-alarm rates on the pooled held-out negative+crowd audio (\(String(format: "%.2f", candidates[0].negativeHours)) h):\n\n" + candidatesTable(candidates, titles: titles, shipped: rs[best].name)
            if let paired = candidatesPairedTable(candidates, shipped: rs[best].name) {
                md += "\nThe same clips, clip by clip against the shipped candidate (the candidates scored the same pooled held-out gunshot clips; exact McNemar test on the clips only one found — p < 0.05: these clips tell the two apart, though among many rows about 1 in 20 does so by chance, and the test counts each clip as independent where clips of one recording group are not — here one forest recording holds most of them, so the p-values are too small):\n\n" + paired
            }
        }
        if let f = oof {
            md += String(format: "\n## Out-of-fold thresholds of the shipped model\n\nThe recipe of `%@` was re-trained from scratch %d times (grouped %d-fold over all train+validation audio, epochs %@ as the main run's early stopping chose), each fold's model scoring only the fold it never trained on, with the shipped model's score temperature: %.2f h of negative+crowd audio and %d gunshot clips, streamed through the detector. The shipped model stores these thresholds; its default is the %@ FA/h one.\n\n| target false alarms per hour | threshold | out-of-fold false alarms per hour | out-of-fold gunshot-clip recall |\n|---|---|---|---|\n", f.model, f.folds, f.folds, f.epochs.map(String.init).joined(separator: "+"), f.negativeHours, f.gunshotClips, o.shipTarget)
            for k in ["1", "2", "5", "10"] { md += String(format: "| %@ | %.6f | %.2f | %@ |\n", k, f.thresholds[k] ?? 0, f.falseAlarmsPerHour[k] ?? 0, pct(f.recall[k])) }
            if let folds = f.byFold, !folds.isEmpty {
                md += "\nBy fold (each fold's held-out gunshot clips, at the pooled thresholds above):\n\n" + foldTable(folds)
            }
            md += "\nThe fold models run their fixed epoch count with the cosine learning-rate schedule fitted to it (annealed to the end), where the main run's best epoch sat part-way along a longer schedule.\n"
        }
        if let t = rs[best].test {
            md += "\nPer-source recall of the shipped model (test):\n\n| source | recall |\n|---|---|\n"
            for (k, v) in t.recallBySource.sorted(by: { $0.key < $1.key }) { md += "| \(k) | \(pct(v)) |\n" }
            md += "\nFalse alarms of the shipped model by source (test): " + (t.falseAlarmsBySource.isEmpty ? "none" : sourceList(t.falseAlarmsBySource)) + ".\n"
            md += "\n" + levelTable(t, logEpsilon: rs[best].model.features.logEpsilon)
            md += String(format: "\nTest negatives streamed: %.2f h. Confusion (clips): TP %d, FN %d, FP %d, TN %d.\n", t.negativeHours, t.metrics.tp, t.metrics.fn, t.metrics.fp, t.metrics.tn)
        }
        md += "\n## Training\n\n| model | epochs run | best val recall@1%FPR (windows) | val AUC (windows) |\n|---|---|---|---|\n"
        for r in rs {
            // no history: a weight average (not trained) or a model reused without its history
            guard let b = r.history.max(by: { $0.valRecallAt1pct < $1.valRecallAt1pct }) else { md += "| \(r.title) | — | — | — |\n"; continue }
            md += String(format: "| %@ | %d | %.3f | %.4f |\n", r.title, r.history.count, b.valRecallAt1pct, b.valAUC)
        }
        md += "\nPlots: [ROC](roc.svg) · [recall vs SNR](recall_vs_snr.svg) · [recall vs level](recall_vs_gain.svg) · [validation recall per epoch](training_curves.svg) · [loss curves](loss_curves.svg)\n"
        md += "\n## Split\n\nclips (groups, minutes) per side:\n\n\(split)\n"
        if !unreadable.isEmpty { md += "\n## Unreadable clips (skipped)\n\n" + unreadable.map { "- \($0)" }.joined(separator: "\n") + "\n" }
        try md.write(to: o.out.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)

        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(rs.compactMap(\.test)).write(to: o.out.appendingPathComponent("report.json"))
        if let f = oof { try enc.encode(f).write(to: o.out.appendingPathComponent("oof.json")) }
        if !candidates.isEmpty { try enc.encode(candidates).write(to: o.out.appendingPathComponent("oof_candidates.json")) }

        var roc = SVGPlot(title: "ROC (test clips, max window score)", xLabel: "false-positive rate", yLabel: "true-positive rate", xRange: 0...1, yRange: 0...1)
        var snr = SVGPlot(title: "Recall vs SNR (crowd mixed into test shots)", xLabel: "SNR (dB)", yLabel: "recall", xRange: -10...20, yRange: 0...1)
        var gain = SVGPlot(title: "Recall vs level (clean test shots; above 0 dB clipped at full scale)", xLabel: "gain (dB)", yLabel: "recall", xRange: -40...40, yRange: 0...1)
        let maxEpoch = Double(max(2, rs.map(\.history.count).max() ?? 2))
        var curves = SVGPlot(title: "Validation recall@1% FPR per epoch", xLabel: "epoch", yLabel: "recall", xRange: 1...maxEpoch, yRange: 0...1)
        let maxLoss = max(0.1, rs.flatMap { $0.history.flatMap { [$0.trainLoss, $0.valLoss] } }.filter(\.isFinite).max() ?? 1)
        var losses = SVGPlot(title: "Loss per epoch (solid names: train, \"val\": validation)", xLabel: "epoch", yLabel: "cross-entropy", xRange: 1...maxEpoch, yRange: 0...maxLoss)
        for r in rs {
            guard let t = r.test else { continue }
            roc.series.append(.init(name: r.name, points: t.roc.map { ($0[0], $0[1]) }))
            snr.series.append(.init(name: r.name, points: Evaluator.snrs.sorted().map { ($0, t.recallAtSNR[String(format: "%+.0f", $0)] ?? 0) }))
            gain.series.append(.init(name: r.name, points: Evaluator.gains.sorted().map { ($0, t.recallAtGain[Evaluator.gainKey($0)] ?? 0) }))
            curves.series.append(.init(name: r.name, points: r.history.map { (Double($0.epoch), $0.valRecallAt1pct) }))
            losses.series.append(.init(name: r.name, points: r.history.map { (Double($0.epoch), $0.trainLoss) }))
            losses.series.append(.init(name: r.name + " val", points: r.history.map { (Double($0.epoch), $0.valLoss) }))
        }
        for (p, f) in [(roc, "roc.svg"), (snr, "recall_vs_snr.svg"), (gain, "recall_vs_gain.svg"), (curves, "training_curves.svg"), (losses, "loss_curves.svg")] {
            try p.render().write(to: o.out.appendingPathComponent(f), atomically: true, encoding: .utf8)
        }
    }
}
