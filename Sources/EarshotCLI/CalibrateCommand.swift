import ArgumentParser
import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation

/// `earshot calibrate`: thresholds for target false-alarm rates, from recordings of the operator's own site.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Choose the threshold for a target false-alarm rate from this site's own score log or recordings (with no gunshots in them).",
        discussion: """
        The model's thresholds were calibrated on the training corpus; a venue has its own sounds (a door \
        that slams, a kitchen, a PA). Record a few hours of the venue's normal sound — earshotd does it while \
        it listens (`recording:` in its config); without the service, e.g. `arecord -f S16_LE -r 16000 -c 1 \
        -d 3600 day1.wav` — then run it over them (files, or folders of them). Examples:
          earshot calibrate /var/lib/earshot/recordings
          earshot calibrate day1.wav day2.wav
          earshot calibrate --rate 1 --rate 0.5 --json /srv/recordings/*.flac

        Every event in these recordings counts as a false alarm. For each rate the command prints the lowest \
        threshold at which the detector (exactly earshot detect's and earshotd's: the same decision rule) \
        raises at most that many events per hour of this audio, and the loudest events at the model's own \
        threshold, with file and time, so you can listen to them. Put the chosen value into `threshold:` in \
        /etc/earshot/earshot.yaml. A rate below 1 per (hours of audio) cannot be measured: the command says \
        so. On a terminal, a progress bar over all the recordings' audio (with an ETA) is drawn on stderr.

        Without any recording: earshotd logs every window's score (`scores:` in its config, on by default; no \
        sound is kept), and `--scores` calibrates from that log instead of audio — the same events, counted \
        under the rule earshotd ran unless options say otherwise, listed by their UTC time:
          # the log and model of /etc/earshot/earshot.yaml; then earshot@hall's
          earshot calibrate --scores
          earshot calibrate --scores --instance hall
          earshot calibrate --scores /var/lib/earshot/scores
          # without the event of a test firing at that time
          earshot calibrate --scores --exclude 2026-12-05T21:02:36Z \\
              /var/lib/earshot/scores
        """
    )

    @Option(help: "Model file (default: the shipped model; with --scores, the model of earshotd's config).") var model: String?
    // numbers are read as given, a leading minus too (`--top -1`), so that their range is what is checked
    @Option(name: .customLong("rate"), parsing: .unconditionalSingleValue, help: "Target false alarms per hour (repeatable; default 1, 2, 5, 10).") var rates: [Double] = []
    @Option(parsing: .unconditional, help: "Consecutive windows above threshold needed for an event (as configured for earshotd; default 2, or as the score log's earshotd ran).") var minConsecutive: Int?
    @Option(parsing: .unconditional, help: "Below-threshold windows in a row that a run being confirmed survives (0: consecutive windows only; as configured for earshotd; default 0, or as the score log's earshotd ran).") var maxDips: Int?
    @Option(parsing: .unconditional, help: "Seconds between CNN windows (default 0.1; a score log has its own).") var hop: Double?
    @Option(parsing: .unconditional, help: "Seconds after an event during which no new event starts (default 10, or as the score log's earshotd ran).") var cooldown: Double?
    @Flag(name: .customLong("scores"), help: "The arguments are earshotd's score logs (its scores.directory, e.g. /var/lib/earshot/scores, or .esl files in it), not recordings.") var scoreLogs = false
    @Option(help: "With --scores: the earshotd config whose scores.directory and model to use (default /etc/earshot/earshot.yaml, or built-in defaults).") var config: String?
    @Option(help: "With --scores: earshot@NAME.service's config (/etc/earshot/NAME.yaml), log and model.") var instance: String?

    /// Where the chosen threshold goes and how it takes effect: the config named (`--config`, reloaded with
    /// SIGHUP to the earshotd reading it), earshot@NAME's, or earshot.service's (operator QA 7).
    var target: (file: String, reload: String) {
        if let config { return (config, "a reload of the earshotd that reads it (`systemctl reload` of its unit, or SIGHUP)") }
        if let instance { return ("/etc/earshot/\(instance).yaml", "`systemctl reload earshot@\(instance)`") }
        return ("/etc/earshot/earshot.yaml", "`systemctl reload earshot`")
    }
    @Flag(help: "With --scores: count the windows heard while paging was muted (earshot mute) too; by default they are left out, as a planned noisy event is not the site's normal sound.") var includeMuted = false
    @Option(name: .customLong("exclude"), help: "With --scores: a UTC time as the events are listed (e.g. 2026-12-05T21:02:36Z) to leave out, with 30 s either side — a real shot or a test firing that is not a false alarm (repeatable).") var excluded: [String] = []
    @Option(parsing: .unconditional, help: "Loudest events at the model's own threshold to list.") var top: Int = 10
    @Option(parsing: .unconditional, help: "Threads (default, and at most: one per CPU core; more would only cost memory, so a larger value is lowered with a note).") var jobs: Int?
    @Flag(help: "JSON lines output.") var json = false
    @Argument(help: "Recordings of the site (any format/rate libsndfile reads), or folders of them; with --scores, score logs or their folder (default: earshotd's scores.directory).") var files: [String] = []

    func validate() throws {
        if let bad = rates.first(where: { !($0 > 0 && $0.isFinite) }) {
            throw ValidationError("--rate \(bad): give the false alarms per hour as a finite number > 0 (e.g. --rate 1 --rate 0.5)")
        }
        guard top >= 0 else { throw ValidationError("--top must be ≥ 0 (got \(top))") }
        // the settings given (the rest: the defaults, or a score log's own, checked as it is read)
        do { try DecisionRule(threshold: 0.5, minConsecutive: minConsecutive ?? 2, maxDips: maxDips ?? 0, cooldown: cooldown ?? 10, hopSeconds: hop ?? 0.1).validate() } catch {
            throw ValidationError("\(error)")
        }
        try FileWorkers.validate(jobs: jobs)
        guard scoreLogs || !files.isEmpty else { throw ValidationError("name the site's recordings (files or folders of them), or calibrate from earshotd's score log with --scores") }
        guard scoreLogs || (config == nil && instance == nil) else { throw ValidationError("--config and --instance pick earshotd's score log and model (--scores); recordings are named as arguments") }
        guard !includeMuted || scoreLogs else { throw ValidationError("--include-muted is for score logs (--scores)") }
        guard excluded.isEmpty || scoreLogs else { throw ValidationError("--exclude picks times out of a score log (--scores); leave a recording with a real shot out, or cut it") }
        for t in excluded where Self.utc(t) == nil {
            throw ValidationError("--exclude \(t): not a UTC time; write it as the events are listed, e.g. 2026-12-05T21:02:36Z or 2026-12-05T21:02:36.582Z")
        }
    }

    /// An RFC 3339 UTC time, with or without fractional seconds.
    static func utc(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }

    /// The false-alarm rates asked for.
    var targets: [Double] { rates.isEmpty ? [1, 2, 5, 10] : rates }

    func run() throws {
        if scoreLogs { return try runScores() }
        let files = AudioPaths.expand(self.files)   // a folder: the recordings in it (e.g. earshotd's recording.directory)
        let m = try FileWorkers.loadModel(model)
        let base = DecisionRule(threshold: m.threshold, minConsecutive: minConsecutive ?? 2, maxDips: maxDips ?? 0, cooldown: cooldown ?? 10, hopSeconds: hop ?? 0.1)
        do { try base.validate() } catch { throw CommandError("\(error)") }

        let workers = try FileWorkers(model: m, rule: base, jobs: jobs, files: files.count)
        let reports = OrderedReports(count: files.count)
        // filled by the report closures, which OrderedReports runs one at a time in file order
        var scores = StreamScores()
        var names: [String] = [], durations: [Double] = []
        let progress = FilesProgress("earshot calibrate", files: files)
        workers.run(reports) { i, group in
            var windows: [ScoredWindow] = []
            group[0].onWindow = { windows.append($0) }
            defer { group[0].onWindow = nil }
            do {
                let r = try FileAnalyzer.analyze(URL(fileURLWithPath: files[i]), detectors: group,
                                                 progress: progress.map { p in { p.advance(file: i, to: $0) } })
                reports.finish(i, failed: false) {
                    FilesProgress.printing(progress) { FileWarnings.write(FileWarnings.messages(file: files[i], r, normalizeRemedy: false)) }
                    scores.add(windows, seconds: r.duration); names.append(files[i]); durations.append(r.duration)
                }
            } catch {
                progress?.advance(file: i, to: .infinity)
                reports.finish(i, failed: true) {
                    FilesProgress.printing(progress) {
                        FileHandle.standardError.write(Data("earshot: \(error)\n".utf8))
                        if self.json { print(JSONLine.error(file: files[i], "\(error)")) }
                    }
                }
            }
        }
        progress?.finish()
        guard scores.seconds > 0 else {
            FileHandle.standardError.write(Data("earshot: no readable audio to calibrate on\n".utf8))
            throw ExitCode(1)
        }
        let paths = names, seconds = durations
        report(scores, files: names.count, model: m, base: base, heading: "site audio") { i, e in
            // within the file, as earshot detect lists it (its windows reach into the padding after it)
            let e = e.clipped(to: seconds[i])
            return (JSONLine.event(file: paths[i], e), String(format: "%@  %.2f–%.2f s", paths[i], e.start, e.end))
        }
        if reports.failed > 0 { throw ExitCode(1) }
    }

    /// Why no share of test shots (or of incidents) is shown for `m` under `rule`, or nil when both are.
    static func shotsNote(_ m: Model, _ rule: DecisionRule) -> String? {
        do {
            guard let s = try ShotScores(model: m) else {
                return "\(m.name) carries no scores of its held-out test shots, so what each threshold costs in missed shots is not shown (`earshot-train evaluate --model FILE --data CORPUS --write-shot-scores FILE` adds them)"
            }
            guard s.fits(rule) else {
                return String(format: "%@'s test shots were scored every %g s, so at a hop of %g s what each threshold costs in missed shots is not known", m.name, s.hop, rule.hopSeconds)
            }
            return s.sources != nil ? nil : "\(m.name) keeps its test shots' scores but not their sources, so the share of \(ShotScores.incidentShots)-shot incidents is not shown (`earshot-train evaluate --model FILE --data CORPUS --write-shot-scores FILE` adds them)"
        } catch { return "\(error)" }
    }

    /// `,"<key>":0.3130` for the JSON records, "" when not known.
    /// With the clips' sources known, also `,"<key with test_shots → test_incidents>":0.4120` (the share of 3-shot
    /// incidents found).
    static func shotsField(_ key: String, _ s: ShotScores.Share?) -> String {
        guard let s else { return "" }
        return ",\(JSONLine.quote(key)):\(JSONLine.number(s.fraction, 4))"
            + (s.incidents.map { ",\(JSONLine.quote(key.replacingOccurrences(of: "test_shots", with: "test_incidents"))):\(JSONLine.number($0, 4))" } ?? "")
    }

    /// Prints the thresholds for `targets` and the loudest events at the model's own threshold; `place` gives an
    /// event of stream i as a JSON record and as text naming where it is. `minimum`: the lowest score the
    /// windows count exactly above (`ScoreLog.calibrationScores`); `fields`: more of the JSON calibration record
    /// (`,"key":value…`).
    func report(_ scores: StreamScores, files: Int, model m: Model, base: DecisionRule, heading: String, minimum: Float = 0, fields: String = "",
                check: String = "listen: is any a real shot? then this audio cannot calibrate",
                place: (Int, DetectionEvent) -> (json: String, text: String)) {
        let hours = scores.seconds / 3600
        let own = scores.detections(rule: base)
        let ownCount = own.reduce(0) { $0 + $1.count }
        let loudest = own.enumerated().flatMap { i, es in es.map { (i, $0) } }.sorted { $0.1.peakScore > $1.1.peakScore }.prefix(top)
        // what each threshold costs in shots: the share of the model's held-out test shots it still finds
        let testShots = (try? ShotScores(model: m)) ?? nil
        func shots(_ t: Float) -> ShotScores.Share? { var x = base; x.threshold = t; return testShots.flatMap { $0.fits(x) ? $0.share(rule: x) : nil } }
        let ownShots = shots(m.threshold)
        var rows: [(rate: Double, threshold: Float, events: Int, upper: Double, shots: ShotScores.Share?)] = []
        for t in targets.sorted() {
            var rule = base
            rule.threshold = scores.threshold(forFalseAlarmsPerHour: t, base: base, minimum: minimum)
            let events = scores.events(rule: rule).reduce(0, +)
            // the most false alarms per hour this audio is consistent with (95 %): a short recording bounds little
            rows.append((t, rule.threshold, events, ConfidenceInterval.poissonRate(events: events, exposure: hours).upper, shots(rule.threshold)))
        }
        let unresolved = targets.filter { $0 * hours < 1 }.sorted()
        let r = Model.rateKey
        if json {
            print("{\"type\":\"calibration\",\"files\":\(files),\"hours\":\(JSONLine.number(hours, 4)),\"model_threshold\":\(JSONLine.number(Double(m.threshold), 6)),\"model_threshold_events\":\(ownCount)\(ownShots.map { ",\"test_shots\":\($0.total)" + ($0.incidents == nil ? "" : ",\"incident_shots\":\(ShotScores.incidentShots)") } ?? "")\(Self.shotsField("model_threshold_test_shots_found", ownShots))\(fields)}")
            for row in rows {
                print("{\"type\":\"threshold\",\"false_alarms_per_hour\":\(r(row.rate)),\"threshold\":\(JSONLine.number(row.threshold)),\"events\":\(row.events),\"resolved\":\(row.rate * hours >= 1),\"false_alarms_per_hour_upper_95\":\(JSONLine.number(row.upper, 3))\(Self.shotsField("test_shots_found", row.shots))}")
            }
            for (i, e) in loudest { print(place(i, e).json) }
            return
        }
        print(String(format: "%@: %d file%@, %.2f h; model %@, its own threshold %.4f: %d event%@ here (%.1f per hour)%@",
                     heading, files, files == 1 ? "" : "s", hours, m.name, m.threshold, ownCount, ownCount == 1 ? "" : "s", Double(ownCount) / hours,
                     ownShots.map { ", finds \($0) of its held-out test shots\($0.incidentText)" } ?? ""))
        let incidentsShown = ownShots?.incidents != nil
        print("false alarms/hour   threshold   events in this audio   at most, 95 % (per hour)" + (ownShots == nil ? "" : "   " + (incidentsShown ? "test shots found".padding(toLength: 28, withPad: " ", startingAt: 0) + "\(ShotScores.incidentShots)-shot incidents found" : "test shots found")))
        for row in rows {
            print("\(r(row.rate).padding(toLength: 19, withPad: " ", startingAt: 0)) \(String(describing: row.threshold).padding(toLength: 11, withPad: " ", startingAt: 0)) "
                  + "\(String(row.events).padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(format: "%.2f", row.upper))"
                  + (row.shots.map { String(repeating: " ", count: max(1, 28 - String(format: "%.2f", row.upper).count)) + $0.description } ?? "")
                  + (row.shots?.incidents.map { String(repeating: " ", count: max(1, 28 - (row.shots?.description.count ?? 0))) + String(format: "%.1f %%", 100 * $0) } ?? ""))
        }
        if let note = Self.shotsNote(m, base) { print("note: \(note)") }
        if !loudest.isEmpty {
            print("loudest events at the model's own threshold (\(check)):")
            for (i, e) in loudest { print(String(format: "  %@  score %.3f", place(i, e).text, Double(e.peakScore))) }
        }
        if let first = rows.first { // the strictest rate asked for
            // Audio too short to measure the rate can show that the model's own threshold is too low here
            // (events at it), never that a lower one would do.
            let measured = first.rate * hours >= 1
            if measured || first.threshold > m.threshold {
                // the threshold holds only under the rule it was measured with: name the settings to set beside it
                let with = base.configLines(differingFrom: DecisionRule(threshold: base.threshold)).map { ", `\($0)`" }.joined()
                print("to use it: `threshold: \(first.threshold)`\(with) in \(target.file) (\(measured ? "≤ \(r(first.rate)) false alarm(s)/hour on this audio" : "no event at all in this audio: the least this site needs"); "
                      + String(format: "%.2f h of audio bound its rate at %.2f false alarms/hour with 95 %% confidence), then %@", hours, first.upper, target.reload))
                if first.threshold > m.threshold {
                    var cost = ""
                    if let a = first.shots, let b = ownShots {
                        cost = " — it finds \(a) of the model's held-out test shots, against \(b) at its own"
                        if let ai = a.incidents, let bi = b.incidents {
                            cost += String(format: " (of incidents of %d shots: %.1f %% against %.1f %%)", ShotScores.incidentShots, 100 * ai, 100 * bi)
                        }
                    }
                    print("note: this site needs a higher threshold than the model's own (\(m.threshold)), and a higher threshold also misses more shots\(cost); `earshot-train adapt` can teach the model this site's sounds instead (README: \"Or teach the model your site\")")
                } else if first.threshold < m.threshold {
                    print(String(format: "note: lower than the model's own threshold (%@): this site is quieter than the corpus, so the detector may be more sensitive here — %.2f h of audio measured it; run this again on more audio to confirm", String(describing: m.threshold), hours))
                }
            } else {
                print("keep the model's own threshold (\(m.threshold)): no event at it in this audio, which is too short to show that a lower one would do — record more")
            }
        }
        if !unresolved.isEmpty {
            print(String(format: "note: %.2f h of audio cannot measure %@ false alarm(s)/hour (they need ≥ %@ h): a threshold shown for them is the lowest with no event at all here, an underestimate of what the rate needs — record more",
                         hours, unresolved.map(r).joined(separator: ", "), unresolved.map { r(((1 / $0) * 100).rounded(.up) / 100) }.joined(separator: ", ")))
        }
    }
}
