import EarshotDaemon
import Foundation

/// `earshot incidents --export DIR`: each incident's evidence clips and its record, copied to
/// `DIR/<incident id>/` (clips under their own names, the record as `incident.json`) — for handing a shooting's
/// audio over before the clips' retention (`clips:` max_count, max_bytes, max_age_days) deletes it.
struct IncidentExport {
    let directory: URL

    /// Copies what is still on this machine; returns how many clips were copied and how many were missing.
    /// A clip already copied (same name and size) is left as it is, so the export can be run again.
    func write(_ incidents: [IncidentRecord], record: (IncidentRecord) -> String) throws -> (copied: Int, missing: Int) {
        let fm = FileManager.default
        var (copied, missing) = (0, 0)
        for i in incidents {
            let dir = directory.appendingPathComponent(i.id)
            do {
                try fm.createDirectory(at: dir, withIntermediateDirectories: true)
                try Data((record(i) + "\n").utf8).write(to: dir.appendingPathComponent("incident.json"), options: .atomic)
            } catch {
                throw CommandError("cannot write to \(dir.path): \(error.localizedDescription); give --export a directory you may write to")
            }
            for clip in i.events.compactMap(\.clip) {
                guard let size = Self.size(clip) else { missing += 1; continue }
                let to = dir.appendingPathComponent((clip as NSString).lastPathComponent)
                if Self.size(to.path) == size { copied += 1; continue }
                try? fm.removeItem(at: to)
                do { try fm.copyItem(atPath: clip, toPath: to.path) } catch {
                    throw CommandError("cannot copy \(clip) to \(to.path): \(error.localizedDescription)")
                }
                copied += 1
            }
        }
        return (copied, missing)
    }

    /// The size of the file at `path`, nil when there is none.
    static func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }
}
