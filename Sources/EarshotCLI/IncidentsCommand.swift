import ArgumentParser
import EarshotDaemon
import Foundation

/// `earshot incidents`: the shootings earshotd heard, from its journal entries — what a responder or an
/// investigator asks for the morning after: when, where, how many shots, which were paged, and the clips.
struct IncidentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "List the gunshot incidents earshotd journalled: their events, which were paged, and their evidence clips.",
        discussion: """
            Reads earshotd's journal entries (alerts, gunshot events the cooldown held back, and the notices that \
            an incident is over) and groups them by incident (EARSHOT_INCIDENT_ID): one block per incident with its \
            start, place, count of gunshot events and alerts, its end, and every event with its score and evidence \
            clip. An alert says whether its page went out, from its hook's journalled outcome: paged, page FAILED \
            (the hook gave up), not confirmed (a retry was due), or journal only (muted, or no hook configured). \
            Drills (earshot test-alert, earshotd --replay) are not listed. An incident with no end \
            notice is going on, or earshotd was killed before it could say it was over. Reading the system journal \
            needs root or the systemd-journal group: without them (or when the files of --directory cannot be \
            read as a journal) it says which files it cannot read and exits with status 1, rather than list no \
            incident; files it cannot read beside others it can are named in a warning.

            With --json: one object per incident and line, with "type":"incident", id, start, end, device, \
            location, events, alerts, over, stopped, and its entries (type "alert" or "heard", event_id, start, \
            score, clip, muted, continues: the event id of the heard entry an alert continues — one gunshot event \
            that was still going on when the cooldown ended, counted once).

            Examples:
              sudo earshot incidents                    # the last 7 days
              sudo earshot incidents --since 12h
              sudo earshot incidents --since 2026-12-05T21:00 --json
              earshot incidents --directory /mnt/box-journal
              sudo earshot incidents --since 2d --export /media/usb/shooting
            """
    )

    // read as given, a leading minus too (`--since -5m`), so that the product's own check says what is wrong
    @Option(parsing: .unconditional, help: "From when: a span back from now (30m, 12h, 7d) or a local time (2026-12-05, 2026-12-05T21:00).")
    var since = "7d"

    @Option(parsing: .unconditional, help: "Until when, the same forms (default: now).")
    var until: String?

    @Option(help: "Read the journal files in this directory (as journalctl --directory) instead of this machine's journal.")
    var directory: String?

    @Flag(help: "One JSON object per incident and line.")
    var json = false

    @Option(help: "Also copy each incident's evidence clips and record (incident.json) to DIR/<incident id>/, before the clips' retention deletes them.")
    var export: String?

    func validate() throws {
        if Self.when(since, now: Date()) == nil { throw ValidationError("--since \(since): give a span such as 12h or 7d, or a local time such as 2026-12-05T21:00") }
        if let u = until, Self.when(u, now: Date()) == nil { throw ValidationError("--until \(u): give a span such as 2h, or a local time such as 2026-12-05T22:00") }
        let now = Date()
        if let u = until, let from = Self.when(since, now: now), let to = Self.when(u, now: now), to < from {
            throw ValidationError("--until \(u) (\(Self.local(to))) is before --since \(since) (\(Self.local(from))): a span back from now reaches further with a larger number, e.g. --since 2h --until 1h")
        }
    }

    func run() throws {
        let now = Date()
        let from = Self.when(since, now: now) ?? now, to = until.flatMap { Self.when($0, now: now) }
        let (files, unreadable) = JournalReader.files(directory: directory)
        if let d = directory, files.isEmpty, unreadable.isEmpty {
            throw CommandError("\(d) holds no journal files (*.journal): give the directory they were copied to, e.g. a copy of a box's /var/log/journal")
        }
        try Self.checkReadable(files: files, unreadable: unreadable, directory: directory)
        let reader: JournalReader
        do { reader = try JournalReader(directory: directory) } catch {
            throw CommandError("cannot open \(directory.map { "the journal files in \($0)" } ?? "the system journal"): \(error)"
                               + (directory == nil ? "; run as root or as a member of the systemd-journal group" : "; give a directory holding *.journal files"))
        }
        let entries = try reader.entries(matching: [("SYSLOG_IDENTIFIER", ["earshotd"]), ("MESSAGE_ID", IncidentLog.readIDs)], since: from, until: to)
        let incidents = IncidentLog.incidents(entries)
        if let export {
            let (copied, missing) = try IncidentExport(directory: URL(fileURLWithPath: export)).write(incidents, record: Self.jsonLine)
            FileHandle.standardError.write(Data(("exported \(incidents.count) incident\(incidents.count == 1 ? "" : "s") to \(export): \(copied) clip\(copied == 1 ? "" : "s")"
                + (missing > 0 ? ", \(missing) no longer on this machine (deleted by clips: retention, or on the box the journal came from)" : "") + "\n").utf8))
        }
        if json {
            for i in incidents { print(Self.jsonLine(i)) }
            return
        }
        let span = "from \(Self.local(from)) to \(to.map(Self.local) ?? "now")"
        guard !incidents.isEmpty else {
            print("No gunshot incident \(span) in \(directory.map { "the journal files in \($0)" } ?? "the journal").")
            return
        }
        print("\(incidents.count) gunshot incident\(incidents.count == 1 ? "" : "s") \(span):")
        for i in incidents { print(""); print(Self.text(i)) }
    }

    /// A journal that cannot be read must not pass for one without incidents (libsystemd skips such files without a
    /// word): an error when none of the files earshotd's entries are in can be read — the system journal's
    /// (`system.journal`, `system@….journal`), or any when there are none of those — naming them and the fix; a
    /// warning on stderr when only some files cannot be read.
    static func checkReadable(files: [String], unreadable: [JournalReader.Unreadable], directory: String?) throws {
        guard !unreadable.isEmpty else { return }
        let bad = Set(unreadable.map(\.path))
        let system = files.filter { ($0 as NSString).lastPathComponent.hasPrefix("system") }
        let needed = system.isEmpty ? files : system
        let denied = unreadable.contains { $0.denied }
        let fix = directory == nil
            ? (denied ? "run it with sudo, or add the user to the systemd-journal group (sudo usermod -aG systemd-journal \(NSUserName()); then log in again)"
                      : "the files are damaged: journalctl --verify names them")
            : (denied ? "run it with sudo, or make the files readable" : "re-copy them from the box's /var/log/journal")
        let shown = unreadable.prefix(3).map { "\($0.path): \($0.reason)" }.joined(separator: "; ")
            + (unreadable.count > 3 ? "; and \(unreadable.count - 3) more" : "")
        if needed.isEmpty || needed.allSatisfy(bad.contains) {
            throw CommandError("cannot read \(directory.map { "the journal files in \($0)" } ?? "the system journal"), so no incident can be listed: \(shown) — \(fix)")
        }
        FileHandle.standardError.write(Data("warning: \(unreadable.count) of the \(files.count) journal files \(directory.map { "in \($0)" } ?? "of the system journal") cannot be read and are left out (incidents in them are not listed): \(shown) — \(fix)\n".utf8))
    }

    /// "12h", "7d", "30m" back from `now`, or a local "2026-12-05" / "2026-12-05T21:00".
    static func when(_ text: String, now: Date) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("d"), let days = Double(t.dropLast()), days > 0 { return now.addingTimeInterval(-days * 86_400) }
        if let s = MuteCommand.seconds(t) { return now.addingTimeInterval(-s) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone.current
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            f.dateFormat = format
            if let d = f.date(from: t) { return d }
        }
        return nil
    }

    static func local(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return f.string(from: d)
    }

    /// The incident's block: a heading line, then one line per event.
    static func text(_ i: IncidentRecord) -> String {
        let place = Alert.heardWhere(device: i.device, location: i.location)
        let count = "\(i.eventCount) gunshot event\(i.eventCount == 1 ? "" : "s"), \(i.alerts) alerted"
        let end = i.end.map { "\(i.stopped ? "ended by earshotd stopping" : "over") (last event ended \($0))" }
            ?? "NO END NOTICE: going on, or earshotd was stopped before it could say"
        var lines = ["Incident \(i.id) \(place): \(count); began \(i.start); \(end)"]
        if i.events.count < i.eventCount { lines.append("  (\(i.eventCount - i.events.count) earlier event(s) before the span read)") }
        for e in i.events {
            var kind = e.kind == .alert ? (e.muted ? "alert (muted: journal only)" : "alert (\(Self.page(e.page)))") : "heard in the cooldown (not paged)"
            // the same gunshot event as a heard entry above, still going on when the cooldown ended: counted once
            if let c = e.continues { kind += i.events.contains { $0.eventID == c } ? " — the event heard above, still going on" : " — continues event \(c)" }
            let clip = e.clip.map { IncidentExport.size($0) == nil ? "\($0) (not on this machine)" : $0 } ?? "no clip"
            lines.append("  \(e.start)  score \(e.score.map { String(format: "%.2f", $0) } ?? "?")  \(kind)  \(clip)")
        }
        return lines.joined(separator: "\n")
    }

    /// What became of an alert's page, in the listing's words.
    static func page(_ p: IncidentRecord.Page?) -> String {
        switch p {
        case .delivered: return "paged"
        case .failed: return "page FAILED: the hook gave up — page by hand (journalctl -u earshot names why)"
        case .retrying: return "page not confirmed: the hook failed and was to be retried"
        case .noHook: return "journal only: no hook configured"
        case nil: return "no hook outcome in the journal: the hook is still running, or an older earshotd did not journal it"
        }
    }

    static func jsonLine(_ i: IncidentRecord) -> String {
        let q = JSONLine.quote
        let entries = i.events.map { e in
            JSONLine.object(["type": q(e.kind.rawValue), "event_id": q(e.eventID), "start": q(e.start), "score": e.score.map { JSONLine.number($0, 4) } ?? "null",
                             "clip": e.clip.map(q) ?? "null", "muted": e.muted ? "true" : "false", "continues": e.continues.map(q) ?? "null",
                             "page": e.page.map { q($0.rawValue) } ?? "null"])
        }
        return JSONLine.object(["type": q("incident"), "id": q(i.id), "start": q(i.start), "end": i.end.map(q) ?? "null",
                                "device": q(i.device), "location": q(i.location), "events": "\(i.eventCount)", "alerts": "\(i.alerts)",
                                "over": i.over ? "true" : "false", "stopped": i.stopped ? "true" : "false",
                                "entries": "[" + entries.joined(separator: ",") + "]"])
    }
}
