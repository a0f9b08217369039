/// `metrics:` section — counters as a Prometheus text file for node_exporter's textfile collector
/// (`--collector.textfile.directory=/var/lib/earshot`), rewritten atomically.
public struct MetricsSettings: Sendable, Equatable {
    /// `metrics.enabled`: write the file (default true).
    public var enabled: Bool = true
    /// `metrics.path`: the file; must end in `.prom` for the collector (default /var/lib/earshot/earshot.prom).
    public var path: String = "/var/lib/earshot/earshot.prom"
    /// `metrics.interval_seconds`: how often it is rewritten (default 15, 1…3600); also after every alert.
    public var intervalSeconds: Double = 15

    public init(enabled: Bool = true, path: String = "/var/lib/earshot/earshot.prom", intervalSeconds: Double = 15) {
        self.enabled = enabled; self.path = path; self.intervalSeconds = intervalSeconds
    }

    public func validate() throws {
        try SettingsError.checkAbsolutePath(path, key: "metrics.path")
        guard path.hasSuffix(".prom") else {
            throw SettingsError(key: "metrics.path", value: path, problem: "does not end in .prom",
                                fix: "name the file *.prom, e.g. /var/lib/earshot/earshot.prom (node_exporter reads only those)")
        }
        try Self.intervalSecondsRange.check(intervalSeconds, key: "metrics.interval_seconds")
    }

    /// `metrics.interval_seconds`'s range, for the config parser and `validate()` alike (`SettingRange`).
    public static let intervalSecondsRange = SettingRange(1...3600.0, unit: " seconds")
}
