/// `recording:` section — the site's own sound, recorded by the daemon while it listens, for `earshot
/// calibrate` and `earshot-train adapt` (the service holds the microphone, so `arecord` cannot have it, and
/// stopping the service to record would leave the venue unprotected). Off by default: it keeps everything
/// the microphone hears, which the venue's privacy rules must allow.
public struct RecordingSettings: Sendable, Equatable {
    /// `recording.enabled` (default false).
    public var enabled: Bool = false
    /// `recording.directory`: where `site-<UTC time>.wav` files go (default /var/lib/earshot/recordings).
    public var directory: String = "/var/lib/earshot/recordings"
    /// `recording.hours`: recording stops once the directory holds this many hours of recordings — across
    /// restarts; move the files away to record again (default 24, 0.01…720; ≈ 115 MB per hour).
    public var hours: Double = 24
    /// `recording.file_minutes`: a new file every this many minutes (default 60, 1…1440).
    public var fileMinutes: Double = 60

    public init(enabled: Bool = false, directory: String = "/var/lib/earshot/recordings", hours: Double = 24, fileMinutes: Double = 60) {
        self.enabled = enabled; self.directory = directory; self.hours = hours; self.fileMinutes = fileMinutes
    }

    public func validate() throws {
        try SettingsError.checkAbsolutePath(directory, key: "recording.directory")
        try Self.hoursRange.check(hours, key: "recording.hours")
        try Self.fileMinutesRange.check(fileMinutes, key: "recording.file_minutes")
    }

    // Each key's range, for the config parser and `validate()` alike (`SettingRange`).
    public static let hoursRange = SettingRange(0.01...720, unit: " hours")
    public static let fileMinutesRange = SettingRange(1...1440.0, unit: " minutes")
}
