import Foundation

/// Which capture device each earshotd config in a directory names: /etc/earshot/earshot.yaml for earshot.service,
/// /etc/earshot/NAME.yaml for earshot@NAME. Two earshotd cannot capture from one hardware device at once (the
/// second is told "device busy" and retries forever), so `earshot devices` shows who uses what and
/// `earshot check-config` warns about a device another config names too.
public struct ConfiguredDevice: Sendable, Equatable {
    /// The config file.
    public var path: String
    /// The unit that reads it: "earshot" or "earshot@NAME".
    public var unit: String
    public var device: String

    /// Every config in `dir` that parses (others are `earshot check-config`'s business), by file name.
    public static func scan(_ dir: String = "/etc/earshot") -> [ConfiguredDevice] {
        configs(in: dir).compactMap { c in
            (try? DaemonConfig.load(path: c.path, instance: c.instance)).map { ConfiguredDevice(path: c.path, unit: c.unit, device: $0.device) }
        }
    }

    /// Every earshotd config file in `dir`, by file name, with the unit that reads it ("earshot" or
    /// "earshot@NAME") and its instance; a file whose name no instance can have is left out.
    public static func configs(in dir: String) -> [(path: String, unit: String, instance: Instance)] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        return files.compactMap { file in
            let stem = String(file.dropLast(5))
            let single = stem == "earshot"
            let path = URL(fileURLWithPath: dir).appendingPathComponent(file).standardizedFileURL.path
            guard let instance = single ? Instance.single : try? Instance(name: stem, environment: [:]) else { return nil }
            return (path, single ? "earshot" : "earshot@\(stem)", instance)
        }
    }

    /// Those of `all` whose unit may capture: all but the ones `systemd` says are neither enabled nor running
    /// (earshot.service's conffile stays when a box runs earshot@NAME units instead).
    public static func inUse(_ all: [ConfiguredDevice], systemd: SystemdUnits) -> [ConfiguredDevice] {
        all.filter { !systemd.isIdle($0.unit) }
    }

    /// The other configs among `all` that name `device` (not the one at `path`).
    public static func others(naming device: String, besides path: String?, in all: [ConfiguredDevice]) -> [ConfiguredDevice] {
        let me = path.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return all.filter { $0.device == device && $0.path != me }
    }
}
