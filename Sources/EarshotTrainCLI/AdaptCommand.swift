import ArgumentParser
import EarshotDetect
import EarshotDSP
import EarshotNN
import EarshotTrain
import Foundation

/// `earshot-train adapt`: fine-tune a model on a site's own recordings and compare it with the base at
/// equal false-alarm rates on the part of those recordings it never trained on.
struct Adapt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a model on recordings of one site (no gunshots in them) and compare it with the base model at equal false-alarm rates on held-out site audio.",
        discussion: """
        A venue has sounds the corpus never had; the model may keep taking one of them for a shot. Record \
        a few hours of the site's normal sound (no gunshots) — earshotd does it while it listens \
        (`recording:` in its config) — then:
          earshot-train adapt --data ../shared/corpus --out site.safetensors \\
              /var/lib/earshot/recordings

        The first 75 % of every recording is cut into 10 s clips that join the corpus's training negatives \
        (a quarter of the negative windows, and the noise mixed into shots); the shipped model's recipe then \
        fine-tunes the model for a few epochs (≈ 10–20 s each on 2 cores). The last 25 % of every recording \
        is held out: both models are calibrated on it for 1, 2, 5 and 10 false alarms per hour (as `earshot \
        calibrate` does) and, at those thresholds, scored on the corpus's held-out test gunshots. The table \
        says whether the adapted model finds more shots at the same false-alarm rate on this site, whether \
        the test shots can tell the two apart (exact McNemar test), and the most false alarms per hour the \
        held-out audio allows (95 %: no event in 1 h still allows 3.7 — record hours); the file written \
        carries the thresholds from the held-out site audio (`model:` in /etc/earshot/earshot.yaml).

        A sound that keeps paging (a dumpster lid, a roller door, a nail gun next door): give the evidence \
        clips of those alerts, checked and found to be no gunshot (EARSHOT_CLIP of each alert; earshot \
        incidents lists them), with --false-alarm (files or folders, repeatable). They are trained on as a \
        negative source of their own (--false-alarm-share of the negative windows, around the window that \
        scored highest), and the report says on which of them each model still alarms. Of four or more, the \
        last quarter by name (the latest alerts) is held out, never trained on: does the next one pass?
          mkdir no-shots && cp /var/lib/earshot/clips/20261206T0715*.wav no-shots/
          earshot-train adapt --data ../shared/corpus --out site.safetensors \\
              --false-alarm no-shots /var/lib/earshot/recordings

        Any event in the recordings counts as a false alarm, so they must hold no gunshots. Recordings of \
        any length: at most --max-site-hours of 10 s clips (spread evenly over all recordings) are trained \
        on, and the held-out parts are streamed from disk. Memory: the corpus (≈ 0.7 GB) plus ≈ 0.23 GB per \
        hour trained on.
        """
    )

    @Option(help: "Model to adapt (default: the shipped model).") var model: String?
    @Option(help: "Corpus folder (its train split is trained on again; its test split scores both models).") var data: String
    @Option(help: "Where to write the adapted model (not the model being adapted; an existing file only with --force).") var out: String
    @Flag(help: "Replace the file --out names if it exists (never the model being adapted).") var force = false
    @Option(help: "Epochs of fine-tuning.") var epochs: Int = 6
    @Option(help: "Learning rate (peak of the cosine schedule; above 0, at most 0.1).") var learningRate: Float = 3e-4
    @Option(help: "Share of the negative training windows taken from the site (0…1).") var siteShare: Double = 0.25
    @Option(help: "Final share of every recording held out for calibration and the comparison (0…1).") var holdOut: Double = 0.25
    @Option(help: "Training windows per epoch (32…1048576).") var windowsPerEpoch: Int = 4096
    @Option(help: "Hours of site audio trained on at most (10 s clips spread evenly over the recordings' first parts; ≈ 0.23 GB each).") var maxSiteHours: Double = 1
    @Option(help: "Seed of the corpus split and of the training (default: the base model's own split seed, `train.seed` in its file, so its test split stays unseen).") var seed: UInt64?
    @Option(help: "Training threads.") var threads: Int = 2
    @Option(help: "False alarms per hour (1, 2, 5 or 10) whose threshold becomes the adapted model's default.") var target: Double = 1
    @Option(name: .customLong("false-alarm"), help: "Evidence clip of an alert that was no gunshot (a file or a folder of them; repeatable): trained on as a negative, and both models checked on it.") var falseAlarms: [String] = []
    @Option(help: "Share of the negative training windows taken from the --false-alarm clips (0…1).") var falseAlarmShare: Double = 0.1
    @Flag(help: "Print the comparison as JSON.") var json = false
    @Argument(help: "Recordings of the site (files or folders of them; any format libsndfile reads).") var site: [String]

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads \(threads): use at least 1") }
        guard [1.0, 2, 5, 10].contains(target) else { throw ValidationError("--target \(target): use 1, 2, 5 or 10 (false alarms per hour)") }
        // as `train` (trainer QA D12): a value outside the range is said, not replaced in silence
        let range = ThreeModelProtocol.Options.windowsPerEpochRange
        guard range.contains(windowsPerEpoch) else {
            throw ValidationError("--windows-per-epoch \(windowsPerEpoch): use \(range.lowerBound)…\(range.upperBound) (at least one batch; the default is 4096)")
        }
        guard (1...1000).contains(epochs) else { throw ValidationError("--epochs \(epochs): use 1…1000") }
    }

    func run() throws {
        let baseURL = try DefaultModel.resolve(model)
        do { try SiteAdaptation.checkOut(URL(fileURLWithPath: out), base: baseURL, force: force) } catch let e as TrainError { throw CommandError(e.description) }
        let base = try Model.load(baseURL)
        try base.checkCompatible(with: FeatureConfig())
        var o = SiteAdaptation.Options(corpus: URL(fileURLWithPath: data), site: site.map { URL(fileURLWithPath: $0) })
        o.seed = seed ?? base.provenance["train.seed"].flatMap { UInt64($0) } ?? 1
        o.epochs = epochs; o.learningRate = learningRate; o.siteShare = siteShare; o.holdOut = holdOut
        o.windowsPerEpoch = windowsPerEpoch; o.maxSiteHours = maxSiteHours; o.threads = threads; o.defaultTarget = target
        o.falseAlarms = falseAlarms.map { URL(fileURLWithPath: $0) }; o.falseAlarmShare = falseAlarmShare
        o.command = "earshot-train " + CommandLine.arguments.dropFirst().joined(separator: " ")
        let (adapted, r): (Model, SiteAdaptation.Result)
        do { (adapted, r) = try SiteAdaptation(o).run(base: base) } catch let e as TrainError { throw CommandError(e.description) }
        let url = URL(fileURLWithPath: out)
        do { try SiteAdaptation.write(adapted, to: url, learningRate: learningRate) } catch let e as TrainError { throw CommandError(e.description) }
        if json {
            let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
            print(String(decoding: try e.encode(r), as: UTF8.self))
        } else {
            print(r.table(out: url.path))
        }
    }
}
