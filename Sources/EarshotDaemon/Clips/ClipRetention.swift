import Foundation
import Logging

/// Deletes evidence clips (`*.wav` in the clip directory) beyond `clips.max_age_days`, then the oldest beyond
/// `clips.max_count` and `clips.max_bytes`. "Oldest" = earliest modification time (then name). The clip just
/// written is never deleted.
struct ClipRetention: Sendable {
    let settings: ClipSettings

    /// Returns the paths it deleted.
    @discardableResult
    func enforce(keeping newest: String? = nil, now: Date = Date(), logger: Logger? = nil) -> [String] {
        let fm = FileManager.default
        let dir = settings.directory
        guard let names = try? fm.contentsOfDirectory(atPath: dir) else { return [] }
        var clips: [(path: String, date: Date, size: Int)] = names.compactMap { name in
            guard name.hasSuffix(".wav"), !name.hasPrefix(".") else { return nil }
            let path = (dir as NSString).appendingPathComponent(name)
            guard let a = try? fm.attributesOfItem(atPath: path), (a[.type] as? FileAttributeType) == .typeRegular else { return nil }
            return (path, a[.modificationDate] as? Date ?? .distantPast, (a[.size] as? NSNumber)?.intValue ?? 0)
        }
        clips.sort { ($0.date, $0.path) < ($1.date, $1.path) }
        var deleted: [String] = []
        var bytes = clips.reduce(0) { $0 + $1.size }
        let maxAge = settings.maxAgeDays * 86_400
        var i = 0
        while i < clips.count {
            let c = clips[i]
            let tooOld = maxAge > 0 && now.timeIntervalSince(c.date) > maxAge
            let over = clips.count > settings.maxCount || bytes > settings.maxBytes
            guard (tooOld || over) && c.path != newest else {
                if !tooOld && !over { break }
                i += 1; continue
            }
            do {
                try fm.removeItem(atPath: c.path)
                deleted.append(c.path)
                bytes -= c.size
                clips.remove(at: i)
            } catch {
                logger?.error("cannot delete old evidence clip \(c.path): \(error); fix the permissions of \(dir)")
                i += 1
            }
        }
        if !deleted.isEmpty { logger?.info("clip retention deleted \(deleted.count) old clip(s) from \(dir)") }
        return deleted
    }
}
