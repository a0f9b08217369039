import ArgumentParser
import EarshotDetect
import EarshotDSP
import EarshotNN
import EarshotTrain
import Foundation

/// The trainer's command line; `EarshotTrainCommandMain` starts it.
struct EarshotTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshot-train",
        abstract: "Train and evaluate Earshot gunshot models (the paper's three-model protocol, done right).",
        discussion: """
        Example (rebuilds the shipped model; 41–69 min on 2 cores, by the CPU):
          earshot-train train --data ../shared/corpus --out reports/latest \\
              --ship models/earshot-default.safetensors
          earshot-train evaluate --model models/earshot-default.safetensors \\
              --data ../shared/corpus --json
          earshot-train adapt --data ../shared/corpus --out site.safetensors \\
              /srv/recordings/venue-*.wav
        """,
        version: EarshotVersion.string,
        subcommands: [Train.self, Evaluate.self, Adapt.self]
    )

    /// OpenBLAS's kernel is fixed before anything else runs (it may re-execute this program once).
    static func main() {
        OpenBLASKernel.upgradeIfNeeded()
        if let note = OpenBLASKernel.note { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        main(nil)
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train models 1–10 on a labelled corpus (Model 8 averages the weights of Model 1's fine-tunes; Model 9 pools mean + max over time; Model 10 fine-tunes Model 9 with noise injection), rank them on validation, calibrate the best few out-of-fold, ship the best at equal out-of-fold false-alarm rates, write the report.")
    @Option(help: "Corpus folder (gunshot/, negative/, crowd/, rir/, manifest.tsv).") var data: String
    @Option(help: "Output folder for models, report.md, report.json and SVG plots.") var out: String = "reports/latest"
    @Option(help: "Seed for the split, initialisation and sampling.") var seed: UInt64 = 1
    @Option(help: "Scale every model's epoch budget (above 0, at most 100; e.g. 0.25 for a quick run).") var epochScale: Double = 1.0
    @Option(help: "Training windows per epoch (32…1048576).") var windowsPerEpoch: Int = 4096
    @Option(help: "Training threads: each batch is prepared (augmentation, features) on this many threads and split over this many workers, each with its own copy of the network and OpenBLAS on one thread (batch norm then normalises each share by its own statistics). At least 1; more than the CPU cores is lowered to them, with a note. Scoring uses one.") var threads: Int = 2
    @Option(help: "Also write the chosen model here (e.g. models/earshot-default.safetensors).") var ship: String?
    @Option(help: "Take each model saved in this folder by an earlier run instead of training it (models missing there are trained; so are, with a message, those unreadable, made with other feature parameters, or trained on another split — another --seed or corpus — whose test clips they would have trained on); calibration, thresholds, evaluation and the report are redone.") var reuse: String?
    @Option(help: "Folds of the out-of-fold calibration (0 = off: validation picks the model and sets its thresholds).") var folds: Int = 4
    @Option(help: "How many of the models ranked best on validation (clip recall at the 1 FA/h validation threshold) are calibrated out-of-fold, besides the two leaders of validation window recall at 1 % FPR (the best of them at equal out-of-fold false-alarm rates ships).") var candidates: Int = 3
    @Option(help: "False alarms per hour (1, 2, 5 or 10; 1.0 is 1) whose threshold becomes the shipped default.") var shipTarget: String = "1"

    /// Every numeric option in its range (`ThreeModelProtocol.Options.validate`), as a usage error (exit 64)
    /// before anything is read; `--threads` above the CPU cores is lowered in `run()` with a note, not refused.
    func validate() throws {
        do { try options().validate() } catch let e as TrainError { throw ValidationError(e.description) }
    }

    /// The protocol's settings from the flags (`validate()` checks their ranges before `run()`).
    func options() -> ThreeModelProtocol.Options {
        var o = ThreeModelProtocol.Options(data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out))
        o.seed = seed; o.epochScale = epochScale; o.windowsPerEpoch = windowsPerEpoch; o.threads = threads
        o.ship = ship.map { URL(fileURLWithPath: $0) }
        o.reuse = reuse.map { URL(fileURLWithPath: $0) }
        o.folds = folds; o.shipTarget = ThreeModelProtocol.Options.shipTargetKey(shipTarget) ?? shipTarget; o.oofCandidates = candidates
        o.command = "earshot-train " + CommandLine.arguments.dropFirst().joined(separator: " ")
        return o
    }

    func run() throws {
        var o = options()
        let (threads, note) = ThreeModelProtocol.Options.cappedThreads(o.threads)
        if let note { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        o.threads = threads
        let run = ThreeModelProtocol(o)
        // SIGINT/SIGTERM: one line saying where the run stopped, what in --out is incomplete and how to go on
        // (every file is written atomically, so what is there is whole); the exit status is the signal's
        let signals = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let line = run.state.interruptionMessage(signal: sig == SIGINT ? "SIGINT" : "SIGTERM")
                FileHandle.standardError.write(Data(((ProgressBar.onTerminal ? "\r\u{1B}[K" : "") + line + "\n").utf8))
                _exit(128 + sig)
            }
            source.resume()
            return source
        }
        defer { for s in signals { s.cancel() } }
        let results = try run.run()
        print(Report.table(results))
        if let c = results.first(where: \.chosen) {
            print("chosen: \(c.name) (\(c.chosenBecause ?? "best")), threshold \(String(format: "%.4f", c.model.threshold)) for \(o.shipTarget) FA/h" + (o.ship.map { "; shipped to \($0.path)" } ?? ""))
        }
        if let skipped = results.first?.skippedFiles, skipped > 0 {
            print("skipped: \(skipped) unreadable corpus file\(skipped == 1 ? "" : "s") (listed under \"Unreadable clips\" in report.md)")
        }
        print("report: \(out)/report.md")
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a model on a corpus split (or on all of a folder).")
    @Option(name: .customLong("model"), help: "Model file (default: the shipped model). Give it again to compare models clip by clip on the same clips: each against the first, at its own threshold and at equal false-alarm rates, with the exact McNemar test.") var models: [String] = []
    @Option(help: "Corpus folder.") var data: String
    @Option(help: "test (the held-out split for --seed; with a seed other than the model's train.seed it holds clips the model trained on, and the report says so first) or all.") var split: String = "test"
    @Option(help: "Seed of the split.") var seed: UInt64 = 1
    @Option(help: "Override the model's threshold.") var threshold: Float?
    @Option(help: "Seconds between scored windows (the detector's hop).") var hop: Double = 0.1
    @Option(help: "Consecutive above-threshold windows that confirm an event.") var minConsecutive: Int = 2
    @Option(help: "Below-threshold windows in a row that a run being confirmed survives (0: consecutive windows only).") var maxDips: Int = 0
    @Flag(help: "Print the report as JSON (with several models: one report per line, then a line with the clip-by-clip comparisons).") var json = false
    @Option(help: "Write the model, with the test split's gunshot clips' window scores added (eval.test_shots: `earshot calibrate` then says how many of them each threshold finds), to this file (it may be the model's own). One model, --split test, the model's own seed.") var writeShotScores: String?

    func validate() throws {
        if threshold != nil, models.count > 1 { throw ValidationError("--threshold sets one model's threshold: give it with one --model (compared models keep their own, and are also compared at equal false-alarm rates)") }
        if writeShotScores != nil, models.count > 1 || split != "test" {
            throw ValidationError("--write-shot-scores keeps one model's scores of its own held-out test shots: give one --model and --split test")
        }
    }

    func run() throws {
        let ms = try (models.isEmpty ? [nil] : models.map { Optional($0) }).map { try Model.load(DefaultModel.resolve($0)) }
        // the rules first: a bad --hop or --min-consecutive fails before minutes of decoding
        let rules = ms.map { DecisionRule(threshold: threshold ?? $0.threshold, minConsecutive: minConsecutive, maxDips: maxDips, hopSeconds: hop) }
        try rules[0].validate()
        // where --write-shot-scores writes, and whether its seed is the model's: before minutes of decoding
        if let out = writeShotScores {
            do { try OutputPath.checkFile(URL(fileURLWithPath: out), flag: "--write-shot-scores") } catch let e as TrainError { throw CommandError(e.description) }
            if let trained = ms[0].provenance["train.seed"].flatMap(UInt64.init), trained != seed {
                throw CommandError("--seed \(seed) is not the split \(ms[0].name) was trained with (train.seed \(trained)): its test shots would include clips it trained on; give --seed \(trained)")
            }
        }
        let corpus = try Corpus(root: URL(fileURLWithPath: data))
        let sp = GroupSplit(clips: corpus.clips, seed: seed)
        let chosen = corpus.clips.filter { $0.label != "rir" && (split == "all" || sp.side(of: $0).rawValue == split) }
        guard !chosen.isEmpty else { throw CommandError("no clips for split '\(split)' (use test or all)") }
        // a model split with another seed trained on part of this test split: say so first, not in a footnote
        let seedWarnings = split != "test" ? [] : ms.compactMap { m in
            m.provenance["train.seed"].flatMap(UInt64.init).flatMap { GroupSplit.seedWarning(model: m.name, trainedSeed: $0, seed: seed, test: chosen, corpus: corpus.clips) }
        }
        if json { for w in seedWarnings { FileHandle.standardError.write(Data("\(w)\n".utf8)) } }
        let (clips, skipped) = corpus.loadSkipping(chosen, progress: ProgressBar("decoding", total: chosen.count)) {
            FileHandle.standardError.write(Data("\($0)\n".utf8))
        }
        let unreadable = skipped.count - corpus.skipped.count
        let (guns, others) = (clips.filter { $0.info.label == "gunshot" }.count, clips.filter { $0.info.label != "gunshot" }.count)
        guard guns > 0, others > 0 else {
            throw CommandError("the \(split) clips hold \(guns) gunshot and \(others) negative/crowd clips\(unreadable > 0 ? " that could be read (\(unreadable) could not)" : ""): "
                               + "evaluation needs both (recall on the one, false alarms on the other); \(split == "all" ? "add" : "use --split all, or") a corpus with more recording groups\(split == "all" ? " of the missing kind" : "")")
        }
        if !json { for w in seedWarnings { print(w) } }
        var reports: [EvalReport] = []
        var evaluator = Evaluator(), shots = StreamScores()
        evaluator.onShotScores = { shots = $0 }
        for (m, rule) in zip(ms, rules) {
            let r = try evaluator.evaluate(model: m, name: m.name, rule: rule, gunshots: clips.filter { $0.info.label == "gunshot" },
                                             negatives: clips.filter { $0.info.label == "negative" }, crowd: clips.filter { $0.info.label == "crowd" })
            reports.append(r)
            // the report first: a file that cannot be written loses no evaluation
            if json {
                let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
                print(String(decoding: try e.encode(r), as: UTF8.self))
            } else {
                printReport(r, m)
                if ms.count > 1 { print("") }
            }
            if let out = writeShotScores {
                let name = m.name
                // Model is a class: the loaded model itself gains the key, and is saved with it
                m.provenance[ShotScores.key] = ShotScores(hop: rule.hopSeconds, streams: shots, sources: clips.filter { $0.info.label == "gunshot" }.map(\.info.source)).encoded()
                do { try m.save(to: URL(fileURLWithPath: out)) } catch {
                    throw CommandError("--write-shot-scores \(out): cannot write the file (\(error.localizedDescription)); the report above is complete — choose a file in a folder you can write to")
                }
                FileHandle.standardError.write(Data("wrote \(out): \(name) with its \(shots.streams.count) test shots' window scores at hop \(rule.hopSeconds) s (eval.test_shots)\n".utf8))
            }
        }
        guard reports.count > 1 else { return }
        let names = ms.map(\.name)
        if json {
            struct Paired: Encodable { var reference: String, model: String, point: String, comparison: PairedComparison }
            let rows = zip(names, reports).dropFirst().flatMap { name, r in
                PairedComparison.points(reports[0], r).map { Paired(reference: names[0], model: name, point: $0.point, comparison: $0.comparison) }
            }
            let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
            print(String(decoding: try e.encode(["paired": rows]), as: UTF8.self))
        } else {
            print("clip by clip against \(names[0]) (the same \(reports[0].metrics.tp + reports[0].metrics.fn) gunshot clips; McNemar p < 0.05: these clips tell the two apart, though among many rows about 1 in 20 does so by chance; rank by the equal-rate rows, since at its own threshold a model with more false alarms finds more):")
            print(Report.pairedTable(reference: (names[0], reports[0]), others: Array(zip(names, reports).dropFirst()).map { (name: $0.0, report: $0.1) }), terminator: "")
        }
    }

    private func printReport(_ r: EvalReport, _ m: Model) {
        print(String(format: "model %@  threshold %.3f  clips %d", m.name, r.threshold, r.clips))
        // precision is undefined (NaN) when nothing was detected: n/a, not a number
        print(String(format: "accuracy %.3f  precision %@  recall %.3f  F1 %.3f  ROC-AUC %.3f", r.accuracy, r.precision.isNaN ? "n/a" : String(format: "%.3f", r.precision), r.recall, r.f1, r.rocAUC))
        print(String(format: "false alarms per hour %.2f over %.2f h of negative/crowd audio", r.falseAlarmsPerHour, r.negativeHours))
        if let ri = r.recallInterval, let fi = r.falseAlarmsPerHourInterval {
            print(String(format: "95 %% intervals (the test set's sampling error): recall %.3f–%.3f (Wilson, %d of %d shots), false alarms per hour %.1f–%.1f (exact Poisson, %d events)",
                         ri.lower, ri.upper, r.metrics.tp, r.metrics.tp + r.metrics.fn, fi.lower, fi.upper, r.falseAlarms ?? 0))
        }
        print("confusion: TP \(r.metrics.tp) FN \(r.metrics.fn) FP \(r.metrics.fp) TN \(r.metrics.tn)")
        if let l = r.latency {
            let equal = Evaluator.equalFATargets.map { String(format: "%.0f", $0) }.compactMap { k in r.latencyAtEqualFA?[k].map { "\(k) FA/h \($0.summary)" } }
            print("confirmed after the shot's loudest 10 ms, each clip streamed after a window of floor noise (median / 90th percentile / max): \(l.summary)" + (equal.isEmpty ? "" : "; at equal false-alarm rates: " + equal.joined(separator: ", ")))
        }
        if let sc = r.succession {
            let counts = ShotsInSuccession.shotCounts.map(String.init).joined(separator: " / ")
            let equal = Evaluator.equalFATargets.map { String(format: "%.0f", $0) }.map { "\($0) FA/h \(ShotsInSuccession.cell(sc.recallAtEqualFA[$0]))" }
            let snrs = ShotsInSuccession.crowdSNRs.map { Evaluator.snrKey($0) }.joined(separator: " / ")
            print("incidents of \(counts) shots of one source, 0.3–3 s apart (\(sc.incidents) each; found when an event is raised): \(ShotsInSuccession.cell(sc.recall)); at equal false-alarm rates: " + equal.joined(separator: ", ")
                  + (sc.recallInCrowd.map { "; \(ShotsInSuccession.crowdShots) shots in crowd noise at \(snrs) dB SNR: \(ShotsInSuccession.crowdCell($0)) (one shot \(ShotsInSuccession.crowdCell(r.recallAtSNR)))" } ?? ""))
            let counted = ShotsInSuccession.shotCounts.compactMap { sc.countText(shots: $0) }
            if !counted.isEmpty {
                print("gunshot events counted per incident found, at the model's threshold (events and those the cooldown held back: earshotd's EARSHOT_INCIDENT_EVENTS; shots less than a window apart are one event, a clip may hold a burst): " + counted.joined(separator: "; "))
            }
        }
        // loudest first, in dB order (the keys are "+20", "-5", …: a string sort puts "-10" before "-5")
        func byLevel(_ d: [String: Double]) -> [(key: String, value: Double)] { d.sorted { (Double($0.key) ?? 0) > (Double($1.key) ?? 0) } }
        print("recall by SNR: " + byLevel(r.recallAtSNR).map { "\($0.key) dB \(String(format: "%.2f", $0.value))" }.joined(separator: ", "))
        print("recall by gain (above 0 dB clipped at full scale), with the share of negative clips that alarm: "
              + byLevel(r.recallAtGain).map { "\($0.key) dB \(String(format: "%.2f", $0.value)) (\(String(format: "%.2f", r.falseAlarmRateAtGain[$0.key] ?? 0)))" }.joined(separator: ", "))
        print("false alarms by source: " + (r.falseAlarmsBySource.isEmpty ? "none" : Report.sourceList(r.falseAlarmsBySource)))
        print("recall by peak level: " + r.recallByLevel.map { "\(LevelBands.label($0)) \(String(format: "%.2f", $0.fraction)) of \($0.clips)" }.joined(separator: ", "))
        print("false-alarm clips by peak level: " + r.falseAlarmClipsByLevel.map { "\(LevelBands.label($0)) \($0.withEvent) of \($0.clips)" }.joined(separator: ", "))
        print("recall by source: " + r.recallBySource.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.2f", $0.value))" }.joined(separator: ", "))
    }
}
