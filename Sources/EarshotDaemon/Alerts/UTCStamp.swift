import Foundation

/// The daemon's compact UTC time, `yyyyMMdd'T'HHmmss.SSS` (sortable as text, millisecond resolution): event
/// ids, evidence clip names and site recording names all use it. `rfc3339` is the form hooks get.
enum UTCStamp {
    /// RFC 3339 with milliseconds, UTC (`2026-11-25T08:41:02.123Z`): EARSHOT_START, EARSHOT_TIME.
    static func rfc3339(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    /// The time of day, UTC, to the second: `21:04:10` (in journal messages).
    static func clock(_ date: Date) -> String { utc("HH:mm:ss").string(from: date) }

    static func string(from date: Date) -> String { utc("yyyyMMdd'T'HHmmss.SSS").string(from: date) }

    /// A formatter of `format` in UTC, whatever the box's locale and time zone.
    private static func utc(_ format: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = format
        return f
    }
}
