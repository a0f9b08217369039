import Foundation

/// Which earshotd this is when a box runs one per microphone: `earshot@NAME.service` starts
/// `earshotd --instance NAME`. An instance reads /etc/earshot/NAME.yaml (which must exist), keeps its evidence
/// clips, site recordings, score log and metrics file in its own state directory, /var/lib/earshot-NAME (the template
/// unit's `StateDirectory=earshot-%i`), labels its metrics `earshot_instance="NAME"`, and says NAME as its
/// `location:` unless the file names one. Without a name (`earshot.service`): /etc/earshot/earshot.yaml (or
/// built-in defaults) and /var/lib/earshot, as before.
///
/// Under systemd the state directory is what the unit's `StateDirectory=` made ($STATE_DIRECTORY), so a drop-in
/// that moves it moves the defaults too.
public struct Instance: Sendable, Equatable {
    /// The instance name, nil for the single service.
    public let name: String?
    /// Where clips/, recordings/ and earshot.prom go unless the config names other places.
    public let stateDirectory: String

    /// "earshot-" + 23 characters = 31, the longest user name systemd's strict rules accept (`User=earshot-%i`).
    public static let maxNameLength = 23
    /// The single service: no name, /var/lib/earshot.
    public static let single = Instance(checked: nil, stateDirectory: "/var/lib/earshot")

    private init(checked name: String?, stateDirectory: String) { self.name = name; self.stateDirectory = stateDirectory }

    /// - Parameters: name: `--instance`'s value (nil = the single service); environment: the process's, for
    ///   `STATE_DIRECTORY` (set by systemd from `StateDirectory=`; its first entry is used).
    /// - Throws: `ConfigError` for a name that cannot name a unit, a user and a directory alike.
    public init(name: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if let n = name {
            let allowed = n.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
            guard !n.isEmpty, n.count <= Self.maxNameLength, allowed, n.first != "-" else {
                throw ConfigError(source: "--instance", key: "", line: nil,
                                  problem: "'\(n)' cannot name an instance: use 1–\(Self.maxNameLength) lowercase letters, digits, '-' or '_', not starting with '-' (e.g. earshot@north-entrance)")
            }
        }
        let fromSystemd = environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init)
        self.init(checked: name, stateDirectory: fromSystemd ?? name.map { "/var/lib/earshot-\($0)" } ?? "/var/lib/earshot")
    }

    /// The config file read when no `--config` is given.
    public var configPath: String { name.map { "/etc/earshot/\($0).yaml" } ?? DaemonConfig.defaultPath }
}
