import ArgumentParser
import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation

/// `earshot detect`: the daemon's detector over audio files.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run the detector over audio files (any format/rate libsndfile reads), with earshotd's features, model and decision rule.",
        discussion: """
        Examples:
          earshot detect recording.wav
          earshot detect --json --threshold 0.8 /var/lib/earshot/clips/*.wav
          # more sensitive: the model's threshold for 10 false alarms per hour
          earshot detect --false-alarms-per-hour 10 recording.wav
          # per-window scores, for plotting
          earshot detect --trace clip.flac 2> scores.txt
          # amplify a quiet file to a −1 dBFS peak first
          earshot detect --normalize quiet-recorder.wav

        With --json, one object per line: {"type":"event",...} per event and {"type":"file",...} after each \
        file; an unreadable file gives {"type":"error",...}, the others are still analysed, and the exit \
        status is 1 at the end.

        Each file is analysed as a slice of a microphone stream: half a window (0.4 s at the default hop) \
        of noise at the file's own quiet floor is streamed before it and its end, mirrored, after it (the \
        sound goes on; after a clip shorter than that, floor noise too), so a clip shorter than a window, \
        or a shot in a file's first or last moments, is scored as the daemon would score it, and a \
        recording that ends on loud sound does not end on a step. earshotd's windows end where its capture \
        blocks end, so its 0.1 s window grid has another phase than detect's on a recording: a score near the \
        threshold can pass in one and not in the other, and two sounds about merge_gap apart can be one event \
        in one and two in the other. earshotd's evidence clips start on its grid: detect on an alert's clip \
        scores the windows earshotd scored.

        A file whose loudest sample is below −30 dBFS gets a warning on stderr: the shipped model rarely \
        detects shots that quiet; --normalize brings such a file up before analysing it. A float file that \
        goes above full scale (over 0 dBFS) is warned about too, and --normalize brings it down. A damaged float \
        file's NaN, infinite or absurdly large samples are analysed as silence, with a warning. On a \
        terminal, a progress bar over all the files' audio (with an ETA) is drawn on stderr.
        """
    )

    @Option(help: "Model file (default: the shipped model).") var model: String?
    // numbers are read as given, a leading minus too (`--threshold -1`), so that their range is what is checked
    @Option(parsing: .unconditional, help: "Score threshold (default: the model's, calibrated for ≤ 1 false alarm/hour).") var threshold: Float?
    @Option(parsing: .unconditional, help: "Use the model's threshold calibrated for this many false alarms per hour (earshot model-info lists them, e.g. 1, 2, 5, 10) instead of --threshold.") var falseAlarmsPerHour: Double?
    @Option(parsing: .unconditional, help: "Consecutive windows above threshold needed for an event.") var minConsecutive: Int = 2
    @Option(parsing: .unconditional, help: "Below-threshold windows in a row that a run being confirmed survives (0: consecutive windows only).") var maxDips: Int = 0
    @Option(parsing: .unconditional, help: "Seconds between CNN windows.") var hop: Double = 0.1
    @Option(parsing: .unconditional, help: "Seconds after an event during which no new event starts (earshotd's default too).") var cooldown: Double = 10
    @Flag(help: "Bring each quiet file's loudest sample up to −1 dBFS (by at most +60 dB), and a float file above full scale down to it, before detection (files peaking between −1 and 0 dBFS are left as they are): for re-checking recordings made with too little gain or exported too hot. Not what earshotd hears.") var normalize = false
    @Flag(help: "JSON lines output.") var json = false
    @Flag(help: "Also print every window's score to stderr as 'FILE TIME SCORE' lines (TIME = window centre, s).") var trace = false
    @Option(parsing: .unconditional, help: "Threads (default, and at most: one per CPU core; more would only cost memory, so a larger value is lowered with a note). Files are analysed in parallel; with fewer files than threads (one long recording), a file's windows are split among them — same scores and events. Reports keep the order of the files.") var jobs: Int?
    @Argument(help: "Audio files, or folders of them (their .wav, .flac, … files, by name).") var files: [String]

    func validate() throws {
        if threshold != nil, falseAlarmsPerHour != nil { throw ValidationError("--threshold and --false-alarms-per-hour both pick the threshold: give one") }
        if let r = falseAlarmsPerHour, !(r > 0 && r.isFinite) {
            throw ValidationError("--false-alarms-per-hour \(r): give a finite number > 0, one the model has a threshold for (earshot model-info lists them, e.g. 1, 2, 5, 10)")
        }
        // the settings given, before the model is loaded (the model's own threshold is checked once it is)
        do { try DecisionRule(threshold: threshold ?? 0.5, minConsecutive: minConsecutive, maxDips: maxDips, cooldown: cooldown, hopSeconds: hop).validate() } catch {
            throw ValidationError("\(error)")
        }
        try FileWorkers.validate(jobs: jobs)
    }

    func run() throws {
        let files = AudioPaths.expand(self.files)   // a folder: the audio files in it, by name
        let m = try FileWorkers.loadModel(model)
        let th: Float
        do { th = try m.threshold(explicit: threshold, falseAlarmsPerHour: falseAlarmsPerHour) } catch { throw CommandError("\(error)") }
        let rule = DecisionRule(threshold: th, minConsecutive: minConsecutive, maxDips: maxDips, cooldown: cooldown, hopSeconds: hop)
        do { try rule.validate() } catch { throw CommandError("\(error)") }
        if let problem = rule.calibrationProblem(model: m) { FileHandle.standardError.write(Data("earshot: warning: \(problem)\n".utf8)) }
        let workers = try FileWorkers(model: m, rule: rule, jobs: jobs, files: files.count, oneGroup: trace)
        let reports = OrderedReports(count: files.count)
        let progress = FilesProgress("earshot detect", files: files, enabled: !trace)
        defer { progress?.finish() }
        workers.run(reports) { i, group in
            let f = files[i]
            if trace {
                group[0].onScore = { t, s in FileHandle.standardError.write(Data("\(f) \(String(format: "%.3f %.4f", t, s))\n".utf8)) }
            }
            do {
                let r = try FileAnalyzer.analyze(URL(fileURLWithPath: f), detectors: group, normalize: normalize ? PeakNormalization() : nil,
                                                 progress: progress.map { p in { p.advance(file: i, to: $0) } })
                reports.finish(i, failed: false) { FilesProgress.printing(progress) { self.report(f, r, threshold: rule.threshold) } }
            } catch {
                progress?.advance(file: i, to: .infinity)
                reports.finish(i, failed: true) {
                    FilesProgress.printing(progress) {
                        FileHandle.standardError.write(Data("earshot: \(error)\n".utf8))
                        if self.json { print(JSONLine.error(file: f, "\(error)")) }
                    }
                }
            }
        }
        if reports.failed > 0 { throw ExitCode(1) }
    }

    private func report(_ f: String, _ r: FileResult, threshold: Float) {
        FileWarnings.write(FileWarnings.messages(file: f, r, normalizeRemedy: !normalize))
        // in time order: the events, and the gunshot events their cooldowns held back (marked)
        let all = (r.events.map { ($0, false) } + r.heard.map { ($0, true) }).sorted { $0.0.start < $1.0.start }
        if json {
            for (e, held) in all { print(held ? JSONLine.heard(file: f, e) : JSONLine.event(file: f, e)) }
            print(JSONLine.file(file: f, r))
        } else {
            for (e, held) in all {
                print("\(f)  gunshot  \(fmt(e.start, 2))–\(fmt(e.end, 2)) s  score \(fmt(Double(e.peakScore), 3))\(held ? "  (in the cooldown: earshotd journals it, pages nobody)" : "")")
            }
            let n = r.events.count
            let heard = r.heard.isEmpty ? "" : " and \(r.heard.count) more in their cooldown"
            let level = r.peak > 0 ? "peak \(fmt(PeakLevel.dBFS(r.peak), 1)) dBFS" : "digital silence"
            let gain = r.gain > 1 ? ", amplified by \(fmt(PeakLevel.dBFS(r.gain), 1)) dB" : r.gain < 1 ? ", attenuated by \(fmt(-PeakLevel.dBFS(r.gain), 1)) dB" : ""
            print("\(f): \(n) event\(n == 1 ? "" : "s")\(heard) in \(fmt(r.duration, 1)) s (max score \(fmt(Double(r.maxScore), 3)), threshold \(fmt(Double(threshold), 3)); \(level)\(gain))")
        }
    }

    private func fmt(_ x: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", x) }
}
