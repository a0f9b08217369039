import Foundation

/// The daemon's compact UTC time, `yyyyMMdd'T'HHmmss.SSS` (sortable as text, millisecond resolution): event
/// ids, evidence clip names and site recording names all use it.
enum UTCStamp {
    static func string(from date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss.SSS"
        return f.string(from: date)
    }
}
