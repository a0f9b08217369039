import ArgumentParser
import EarshotDaemon
import EarshotDetect
import EarshotNN
import Foundation

/// `earshot calibrate --scores DIR`: the same calibration from earshotd's score log (`ScoreLog`) instead of audio.
extension CalibrateCommand {
    func runScores() throws {
        // earshotd's config: where its log is and which model wrote it (a missing file: the defaults)
        let daemon: DaemonConfig
        do { daemon = try DaemonConfig.load(path: config, instance: try Instance(name: instance)) } catch {
            guard !files.isEmpty else { throw CommandError("\(error)") }   // it would name the log's folder
            FileHandle.standardError.write(Data("earshot: warning: \(error) — not used: the score log is named\(model == nil ? ", and the shipped model is taken" : "")\n".utf8))
            return try calibrateScores(paths: files, model: FileWorkers.loadModel(model))
        }
        let paths = files.isEmpty ? [daemon.scores.directory] : files
        if files.isEmpty && !json { print("score log: \(daemon.scores.directory)\(daemon.scores.enabled ? "" : " (scores.enabled is false: earshotd writes no new windows there)")") }
        try calibrateScores(paths: paths, model: FileWorkers.loadModel(model ?? daemon.model))
    }

    private func calibrateScores(paths: [String], model m: Model) throws {
        let log = ScoreLog.load(paths)
        for p in log.problems {
            FileHandle.standardError.write(Data("earshot: \(p.message)\n".utf8))
            if json { print(JSONLine.error(file: p.path, p.message)) }
        }
        let (mine, others) = log.split(fingerprint: m.scoreFingerprint)
        for o in others {
            FileHandle.standardError.write(Data(String(format: "earshot: note: %d score log file%@ (%.2f h) were scored by another model, %@ (fingerprint %@), and are left out: calibrate them with --model set to that model file\n",
                                                       o.files, o.files == 1 ? "" : "s", o.seconds / 3600, o.model, o.fingerprint).utf8))
        }
        guard let newest = mine.newest, mine.windowCount > 0 else {
            let by = others.isEmpty ? "" : " (they were scored by \(others.map(\.model).joined(separator: ", ")): pass --model with that file, earshotd's `model:`)"
            FileHandle.standardError.write(Data("earshot: no windows scored by \(m.name) in these score logs\(by)\n".utf8))
            throw ExitCode(1)
        }
        let hops = mine.hops
        guard hops.count == 1 else {
            throw CommandError("these score logs were scored at different hops (\(hops.map { String(format: "%g s", $0) }.joined(separator: ", "))): calibrate the files of each hop separately")
        }
        if let h = hop, abs(h - hops[0]) > 1e-6 {
            throw CommandError(String(format: "--hop %g: the score log was scored every %g s, and a log cannot be rescored at another hop — leave out --hop (or record audio with `recording:` to calibrate another hop)", h, hops[0]))
        }
        // the rule earshotd ran (the newest file's), unless options say otherwise
        let base = DecisionRule(threshold: m.threshold, minConsecutive: minConsecutive ?? newest.minConsecutive, maxDips: maxDips ?? newest.maxDips,
                                mergeGap: newest.mergeGap, cooldown: cooldown ?? newest.cooldown, hopSeconds: hops[0])
        do { try base.validate() } catch { throw CommandError("\(error)") }
        if !json {
            print("score log: \(base.countingDescription) (\(minConsecutive == nil && maxDips == nil && cooldown == nil ? "as earshotd ran" : "as given, the rest as earshotd ran"))")
        }
        // a real shot or a test firing is not a false alarm: its minute is left out, seconds and all
        let spans = excluded.compactMap(Self.utc).map { ($0.timeIntervalSince1970 - 30)...($0.timeIntervalSince1970 + 30) }
        // the threshold earshotd runs now (the newest file's: `threshold:` or a false_alarms_per_hour point), counted too
        var running = base
        running.threshold = newest.threshold
        let (s, places, floor) = mine.calibrationScores(rule: base, maxRate: targets.max() ?? 10, threshold: min(m.threshold, running.threshold),
                                                        excluding: spans, includeMuted: includeMuted)
        let muted = mine.mutedSeconds
        // every window left out: nothing to count events per hour of (a rate over 0 h is no number)
        guard s.seconds > 0 else {
            var why: [String] = []
            if muted > 0 && !includeMuted { why.append(String(format: "%.1f min heard while paging was muted (earshot mute) are left out; --include-muted counts them", muted / 60)) }
            if !spans.isEmpty { why.append("30 s either side of \(excluded.joined(separator: ", ")) is left out (--exclude)") }
            FileHandle.standardError.write(Data(String(format: "earshot: no audio left to calibrate on: all %.1f min of windows of these score logs are left out%@ — calibrate on a longer log, or with fewer left out\n",
                                                       mine.seconds / 60, why.isEmpty ? "" : ": " + why.joined(separator: ", and ")).utf8))
            throw ExitCode(1)
        }
        let runningEvents = s.events(rule: running).reduce(0, +)
        if !json {
            if running.threshold != m.threshold {
                print(String(format: "earshotd runs at threshold %@ (the newest log's, not the model's own): %d event%@ in this log (%.1f per hour)%@",
                             String(describing: running.threshold), runningEvents, runningEvents == 1 ? "" : "s", Double(runningEvents) / max(1e-9, s.seconds / 3600),
                             ShotScores.summary(model: m, rule: running).map { ", \($0)" } ?? ""))
            }
            if muted > 0 {
                print(String(format: "muted: %.1f min heard while paging was muted (earshot mute: a planned noisy event) are %@", muted / 60,
                             includeMuted ? "counted (--include-muted)" : "left out; --include-muted counts them"))
            }
            if !spans.isEmpty {
                print(String(format: "left out: 30 s either side of %@ (%.1f min of windows in all)", excluded.joined(separator: ", "), (mine.seconds - s.seconds) / 60))
            }
        }
        let utc = ISO8601DateFormatter()
        utc.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        report(s, files: mine.entries.count, model: m, base: base, heading: "score log", minimum: floor,
               fields: ",\"running_threshold\":\(JSONLine.number(running.threshold)),\"running_threshold_events\":\(runningEvents)\(Self.shotsField("running_threshold_test_shots_found", ShotScores.share(model: m, rule: running))),\"muted_hours\":\(JSONLine.number(muted / 3600, 4)),\"muted_counted\":\(includeMuted)",
               check: "each is a time, not a sound: look for an alert or a test at that time in the journal (`journalctl -u earshot`) and its evidence clip; a real shot means this log cannot calibrate as it is") { i, e in
            let p = places[i](e.start)
            let d = e.end - e.start
            let json = "{\"type\":\"event\",\"file\":\(JSONLine.quote(p.path)),\"utc\":\(JSONLine.quote(utc.string(from: p.utc))),\"offset\":\(JSONLine.num(p.offset)),\"duration\":\(JSONLine.num(d)),\"score\":\(JSONLine.num(Double(e.peakScore)))}"
            return (json, String(format: "%@  lasting %.2f s, at %.2f s into %@", utc.string(from: p.utc), d, p.offset, (p.path as NSString).lastPathComponent))
        }
        if !log.problems.isEmpty { throw ExitCode(1) }
    }
}
