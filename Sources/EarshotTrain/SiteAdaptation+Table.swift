import EarshotDetect
import EarshotNN
import Foundation

extension SiteAdaptation.Result {
    /// What `earshot-train adapt` prints: the two models at each false-alarm rate of the held-out site audio
    /// (the most false alarms per hour those events allow, the test shots each finds and which only one of them
    /// found, with the exact McNemar p-value), then whether to switch — and whether the test shots can tell.
    public func table(out: String) -> String {
        let r = self
        func pValue(_ p: Double) -> String { p < 0.001 ? "p < 0.001" : String(format: "p = %.3f", p) }
        var lines = [
            String(format: "site: %d recording(s), %@ adapted on%@, %@ held out%@", r.siteFiles.count, Self.duration(r.adaptHours),
                   r.adaptHours < r.recordedAdaptHours - 0.001 ? " (spread over \(Self.duration(r.recordedAdaptHours)))" : "", Self.duration(r.heldOutHours),
                   // not "recordings skipped": site recordings, --false-alarm clips and corpus clips all count here
                   r.skipped.isEmpty ? "" : "; \(r.skipped.count) file(s) skipped — recordings, false-alarm clips or corpus clips (see above)"),
            String(format: "base %@ at its own threshold %.4f: %d event(s) on the held-out site audio", r.base, r.baseOwnThreshold, r.baseOwnEvents)
                + (r.baseOwnEventList.isEmpty ? "" : " — the recordings must hold no gunshot: listen to \(r.baseOwnEventList.count > 10 ? "the loudest 10" : "them"), and leave out a recording that holds one"),
        ]
        for e in r.baseOwnEventList.prefix(10) { lines.append(String(format: "  %@ at %.1f s, score %.3f", e.file, e.seconds, Double(e.score))) }
        lines += [
            "",
            "| false alarms/h on held-out site audio | threshold base / adapted | site events base / adapted (at most, per h, 95 %) | test gunshots found base / adapted | 3-shot incidents found base / adapted | found by one only, base / adapted (McNemar p) | corpus test negatives, false alarms/h base / adapted |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in r.rows {
            lines.append(String(format: "| %@%@ | %.4f / %.4f | %d / %d (≤ %.1f / %.1f) | %@ / %@ | %@ / %@ | %d / %d (%@) | %.1f / %.1f |", Model.rateKey(row.falseAlarmsPerHour), row.resolved ? "" : " (*)",
                                row.baseThreshold, row.adaptedThreshold, row.baseSiteEvents, row.adaptedSiteEvents,
                                row.baseSiteFalseAlarmsUpper95, row.adaptedSiteFalseAlarmsUpper95, Report.pct(row.baseRecall), Report.pct(row.adaptedRecall),
                                Report.pct(row.baseIncidents), Report.pct(row.adaptedIncidents),
                                row.shots.onlyFirst, row.shots.onlySecond, pValue(row.shots.pValue), row.baseCorpusFalseAlarms, row.adaptedCorpusFalseAlarms))
        }
        lines.append("(test gunshots: \(r.testGunshots) corpus clips neither model trained on; corpus test negatives: \(String(format: "%.2f", r.testNegativeHours)) h)")
        if r.rows.contains(where: { !$0.resolved }) {
            lines.append("(*) \(Self.duration(r.heldOutHours)) of held-out audio cannot measure this rate: its threshold is the lowest with no event there — record more")
        }
        lines.append("")
        let target = Model.rateKey(r.defaultTarget)
        let use = "To use it, `model: \(out)` in /etc/earshot/earshot.yaml (its threshold is already this site's), then `systemctl reload earshot`"
        let keep = "Keep the base model, with the threshold `earshot calibrate` gives on these recordings (written anyway: \(out))"
        if let main = r.rows.first(where: { $0.falseAlarmsPerHour == r.defaultTarget }) {
            let split = "\(main.shots.onlySecond) test shot(s) only the adapted model found, \(main.shots.onlyFirst) only the base (exact McNemar \(pValue(main.shots.pValue)))"
            let apart = main.shots.differs ? "" : "; the \(r.testGunshots) test shots cannot tell the two apart"
            // the threshold keeps the held-out audio at the rate; whether the site's true rate is that low takes hours:
            // a threshold from too little audio is no site threshold yet, and the model is not recommended as it is
            let short = !r.heldOutShowsTarget   // as `recommended` is set
            let heldNeeded = -log(0.025) / r.defaultTarget, share = r.heldOutHours / max(1e-9, r.heldOutHours + r.recordedAdaptHours)
            let record = String(format: "With no event, %.1f h held out would show it: record about %.0f h (at this hold-out share of %.0f %%), then adapt again.",
                                heldNeeded, (heldNeeded / max(1e-9, share)).rounded(.up), 100 * share)
            let bound = String(format: "its %d event(s) in %@ allow up to %.1f per hour (95 %%)", main.adaptedSiteEvents, Self.duration(r.heldOutHours), main.adaptedSiteFalseAlarmsUpper95)
            if r.adaptedIsBetter && short {
                lines.append("at \(target) false alarm(s)/hour here the adapted model finds \(main.shots.onlySecond > main.shots.onlyFirst ? "more" : "as many") test shots: \(split)\(apart). "
                             + "Do not use it yet: its threshold comes from held-out site audio too short to show that it keeps to \(target) false alarm(s)/hour here (\(bound)). \(record) (Written anyway: \(out).)")
            } else if r.adaptedIsBetter {
                lines.append("at \(target) false alarm(s)/hour here the adapted model finds \(main.shots.onlySecond > main.shots.onlyFirst ? "more" : "as many") test shots: \(split)\(apart). \(use)")
            } else {
                lines.append("at \(target) false alarm(s)/hour here the adapted model finds fewer test shots than the base: \(split)\(apart). \(keep)")
                if short {
                    lines.append("The held-out site audio is too short to show that the adapted model keeps to \(target) false alarm(s)/hour here: \(bound). \(record)")
                }
            }
        }
        if !r.falseAlarmClips.isEmpty { lines += [""] + falseAlarmLines(target: target) }
        return lines.joined(separator: "\n")
    }

    /// Hours of audio as people say them: hours from 0.1 h, else minutes from one, else seconds.
    static func duration(_ hours: Double) -> String {
        hours >= 0.1 ? String(format: "%.2f h", hours) : hours * 60 >= 1 ? String(format: "%.1f min", hours * 60) : String(format: "%.0f s", hours * 3600)
    }

    /// The false-alarm clips given: how many each model still alarms on at the default rate's threshold, and
    /// the clips one by one (the first 20).
    func falseAlarmLines(target: String) -> [String] {
        let c = falseAlarmClips
        func alarms(_ trained: Bool) -> String {
            let part = c.filter { $0.trainedOn == trained }
            return "\(part.filter(\.baseAlarms).count) / \(part.filter(\.adaptedAlarms).count) of \(part.count)"
        }
        let held = c.filter { !$0.trainedOn }.count
        var lines = [
            "False alarms given (\(c.count) evidence clip(s)), alarmed on at \(target) false alarm(s)/hour here by the base / the adapted model:",
            "- trained on: \(alarms(true)) (that it learned them, no more)",
            held > 0 ? "- held out, the latest \(held) (never trained on: the next such sound): \(alarms(false))"
                     : "- none held out (fewer than 4 given): whether the next such sound passes shows only on site audio that holds it (record the site while it happens)",
            "",
            "| false-alarm clip | trained on | highest score base / adapted | alarms base / adapted |",
            "|---|---|---|---|",
        ]
        for x in c.prefix(20) {
            lines.append(String(format: "| %@ | %@ | %.3f / %.3f | %@ / %@ |", (x.file as NSString).lastPathComponent, x.trainedOn ? "yes" : "held out",
                                x.baseMaxScore, x.adaptedMaxScore, x.baseAlarms ? "yes" : "no", x.adaptedAlarms ? "yes" : "no"))
        }
        if c.count > 20 { lines.append("(\(c.count - 20) more in --json)") }
        return lines
    }
}
