/// `scores:` section — every window's score, logged while earshotd listens (no sound: 6 bytes a window, about
/// 5 MB a day at the default hop), so `earshot calibrate --scores` can choose this site's threshold without a
/// recording of it (`recording:` keeps the sound itself, which the venue's privacy rules must allow).
public struct ScoreLogSettings: Sendable, Equatable {
    /// `scores.enabled` (default true).
    public var enabled: Bool = true
    /// `scores.directory`: where `scores-<UTC time>Z.esl` files go (default /var/lib/earshot/scores).
    public var directory: String = "/var/lib/earshot/scores"
    /// `scores.days`: files older than this many days are deleted (default 14, 0.01…3650).
    public var days: Double = 14
    /// `scores.file_minutes`: a new file every this many minutes of audio (default 60, 1…1440).
    public var fileMinutes: Double = 60

    public init(enabled: Bool = true, directory: String = "/var/lib/earshot/scores", days: Double = 14, fileMinutes: Double = 60) {
        self.enabled = enabled; self.directory = directory; self.days = days; self.fileMinutes = fileMinutes
    }

    public func validate() throws {
        try SettingsError.checkAbsolutePath(directory, key: "scores.directory")
        try Self.daysRange.check(days, key: "scores.days")
        try Self.fileMinutesRange.check(fileMinutes, key: "scores.file_minutes")
    }

    // Each key's range, for the config parser and `validate()` alike (`SettingRange`).
    public static let daysRange = SettingRange(0.01...3650, unit: " days")
    public static let fileMinutesRange = SettingRange(1...1440.0, unit: " minutes")
}
