/// `alert_rate:` section — earshotd holds the alerts it pages against the false-alarm rate its threshold was
/// calibrated for, and says so (journal, health hook, STATUS=, metrics) when they are far more than that rate
/// allows: the site's own sounds set it off, and `earshot calibrate --scores` can choose its threshold before the
/// pages get the box unplugged. Only a notice: no alert is held back.
public struct AlertRateSettings: Sendable, Equatable {
    /// `alert_rate.enabled` (default true).
    public var enabled: Bool = true
    /// `alert_rate.expected_per_hour`: false alarms per hour to hold the alerts against; nil (default) = the
    /// threshold's own calibrated rate (`DaemonConfig.expectedAlertRate`), e.g. after `earshot calibrate` chose a
    /// threshold for this site's rate.
    public var expectedPerHour: Double? = nil

    public init(enabled: Bool = true, expectedPerHour: Double? = nil) {
        self.enabled = enabled; self.expectedPerHour = expectedPerHour
    }

    public func validate() throws {
        if let r = expectedPerHour { try Self.expectedPerHourRange.check(r, key: "alert_rate.expected_per_hour") }
    }

    /// `alert_rate.expected_per_hour`'s range, for the config parser and `validate()` alike (`SettingRange`).
    public static let expectedPerHourRange = SettingRange(0.001...3600, unit: " false alarms per hour")
}
