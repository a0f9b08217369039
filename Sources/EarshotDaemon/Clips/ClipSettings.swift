import Foundation

/// `clips:` section — evidence clips: 16-bit WAV of the audio around every alert, so an operator can listen to
/// what the microphone heard. Retention keeps the newest clips within all three limits.
public struct ClipSettings: Sendable, Equatable {
    /// `clips.enabled`: write a clip per alert (default true).
    public var enabled: Bool = true
    /// `clips.directory`: where clips go (default /var/lib/earshot/clips, inside the unit's StateDirectory).
    public var directory: String = "/var/lib/earshot/clips"
    /// `clips.pre_roll`: seconds of audio before the event start (default 5, 0…60).
    public var preRoll: Double = 5
    /// `clips.post_roll`: seconds of audio after the event start (default 5, 0.1…60).
    public var postRoll: Double = 5
    /// `clips.max_count`: clips kept; the oldest are deleted beyond it (default 200, 1…100000).
    public var maxCount: Int = 200
    /// `clips.max_bytes`: total bytes of clips kept (default 200 MB, 1 MB…1 TB).
    public var maxBytes: Int = 200_000_000
    /// `clips.max_age_days`: clips older than this are deleted; 0 = no age limit (default 30, 0…3650).
    public var maxAgeDays: Double = 30

    public init(enabled: Bool = true, directory: String = "/var/lib/earshot/clips", preRoll: Double = 5,
                postRoll: Double = 5, maxCount: Int = 200, maxBytes: Int = 200_000_000, maxAgeDays: Double = 30) {
        self.enabled = enabled; self.directory = directory; self.preRoll = preRoll; self.postRoll = postRoll
        self.maxCount = maxCount; self.maxBytes = maxBytes; self.maxAgeDays = maxAgeDays
    }

    /// Why `directory` cannot be made, without making it (`earshot check-config`): a path through a file, or a
    /// read-only file system under it; nil when enabled clips look writable from here (the daemon's own user
    /// may still lack permission — earshotd says so at start). The corresponding C function is `access`.
    public func directoryProblem() -> String? {
        guard enabled else { return nil }
        var dir = directory
        while !dir.isEmpty, dir != "/" {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
                if !isDir.boolValue { return "clips.directory: \(dir) is a file, not a directory — \(ClipRecorder.directoryFix)" }
                if access(dir, W_OK) != 0 && errno == EROFS { return "clips.directory: \(dir) is on a read-only file system — \(ClipRecorder.directoryFix)" }
                return nil
            }
            dir = (dir as NSString).deletingLastPathComponent
        }
        return nil
    }

    // Each key's range, for the config parser and `validate()` alike (`SettingRange`).
    public static let preRollRange = SettingRange(0...60.0, unit: " seconds")
    public static let postRollRange = SettingRange(0.1...60, unit: " seconds")
    public static let maxCountRange = SettingRange(1...100_000)
    public static let maxBytesRange = SettingRange(1_000_000...1_000_000_000_000, unit: " bytes")
    public static let maxAgeDaysRange = SettingRange(0...3650.0, unit: " days (0 = keep forever)")

    public func validate() throws {
        try SettingsError.checkAbsolutePath(directory, key: "clips.directory")
        try Self.preRollRange.check(preRoll, key: "clips.pre_roll")
        try Self.postRollRange.check(postRoll, key: "clips.post_roll")
        try Self.maxCountRange.check(maxCount, key: "clips.max_count")
        try Self.maxBytesRange.check(maxBytes, key: "clips.max_bytes")
        try Self.maxAgeDaysRange.check(maxAgeDays, key: "clips.max_age_days")
    }
}
