import EarshotDaemon
import Foundation
import Testing

/// systemd/earshot.service and systemd/earshot.catalog, checked with systemd's own tools.
@Suite struct SystemdUnitTests {
    static let unit = TestPaths.repo.appendingPathComponent("systemd/earshot.service")
    static let catalog = TestPaths.repo.appendingPathComponent("systemd/earshot.catalog")
    static let instanceScript = TestPaths.repo.appendingPathComponent("systemd/instance.sed")

    static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func directives(_ text: String? = nil) throws -> [String: [String]] {
        var d: [String: [String]] = [:]
        for line in try (text ?? String(contentsOf: unit, encoding: .utf8)).split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            d[String(line[..<eq]), default: []].append(String(line[line.index(after: eq)...]))
        }
        return d
    }

    @Test func serviceShape() throws {
        let d = try Self.directives()
        #expect(d["Type"] == ["notify"])
        #expect(d["ExecStart"] == ["/usr/local/bin/earshotd"])
        #expect(d["ExecReload"] == ["/bin/kill -HUP $MAINPID"])
        #expect(d["Restart"] == ["on-failure"])
        #expect(d["WatchdogSec"] != nil)
        #expect(d["StateDirectory"] == ["earshot"] && d["ConfigurationDirectory"] == ["earshot"])
        #expect(d["DynamicUser"] == ["yes"] && d["SupplementaryGroups"] == ["audio"])
    }

    @Test func verifyIsClean() throws {
        // verify checks that ExecStart exists: point it at the built binary in a copy.
        let exe = try DaemonProcess.requireBinary()
        let dir = TestPaths.tempDir("unit")
        let copy = dir.appendingPathComponent("earshot.service")
        let text = try String(contentsOf: Self.unit, encoding: .utf8).replacingOccurrences(of: "/usr/local/bin/earshotd", with: exe.path)
        try text.write(to: copy, atomically: true, encoding: .utf8)
        let r = try Self.run("/usr/bin/systemd-analyze", ["verify", copy.path])
        #expect(r.status == 0 && r.out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "systemd-analyze verify:\n\(r.out)")
    }

    @Test func hardenedButHooksKeepTheNetwork() throws {
        let r = try Self.run("/usr/bin/systemd-analyze", ["security", "--offline=true", Self.unit.path])
        let line = r.out.split(separator: "\n").first { $0.contains("Overall exposure level") }.map(String.init) ?? ""
        let score = line.split(separator: ":").last.flatMap { Double($0.split(separator: " ").first ?? "") }
        #expect(score != nil && score! <= 2.0, "exposure \(line)\n\(r.out)")
        let d = try Self.directives()
        #expect(d["PrivateNetwork"] == nil && d["IPAddressDeny"] == nil, "hook scripts must reach the network")
        let families = d["RestrictAddressFamilies"]?.joined(separator: " ") ?? ""
        #expect(families.contains("AF_INET") && families.contains("AF_INET6") && families.contains("AF_UNIX"), "\(families)")
        #expect(d["DeviceAllow"]?.contains("char-alsa rw") == true, "ALSA devices stay reachable")
    }

    /// @resources is filtered, but setpriority is let back in after it: libdispatch, linked into earshotd, sets its
    /// worker threads' priority and journals "Failed to set thread priority … errno=1" at every start when refused
    /// (QA 7 finding 9). A later filter line only takes effect after the one it amends, so the order is checked.
    @Test func setpriorityAllowedAfterResourcesFilter() throws {
        let filters = try Self.directives()["SystemCallFilter"] ?? []
        let resources = filters.firstIndex { $0.hasPrefix("~") && $0.contains("@resources") }
        let setpriority = filters.firstIndex { !$0.hasPrefix("~") && $0.split(separator: " ").contains("setpriority") }
        #expect(resources != nil && setpriority != nil && setpriority! > resources!, "SystemCallFilter= lines: \(filters)")
        #expect(try Self.directives()["Nice"] == ["-5"], "the detector's own priority stays raised")
    }

    /// earshot@.service, as `make install` derives it (the same sed script): one earshotd per microphone with its
    /// own config, state directory and user, and otherwise earshot.service directive for directive — so the
    /// hardening cannot drift between the two.
    @Test func instanceTemplateDiffersOnlyInWhatNamesTheInstance() throws {
        let r = try Self.run("/bin/sed", ["-f", Self.instanceScript.path, Self.unit.path])
        #expect(r.status == 0, "\(r.out)")
        var single = try Self.directives(), template = try Self.directives(r.out)
        #expect(template["ExecStart"] == ["/usr/local/bin/earshotd --instance %i"])
        #expect(template["StateDirectory"] == ["earshot-%i"] && template["WorkingDirectory"] == ["/var/lib/earshot-%i"])
        #expect(template["User"] == ["earshot-%i"] && template["DynamicUser"] == ["yes"])
        #expect(template["Description"] == ["Earshot gunshot detector (%i)"])
        for k in ["ExecStart", "StateDirectory", "WorkingDirectory", "User", "Description"] { single[k] = nil; template[k] = nil }
        #expect(single == template, "everything else is earshot.service's")

        let exe = try DaemonProcess.requireBinary()
        let dir = TestPaths.tempDir("unit-instance")
        let copy = dir.appendingPathComponent("earshot@north-entrance.service")
        try r.out.replacingOccurrences(of: "/usr/local/bin/earshotd", with: exe.path).write(to: copy, atomically: true, encoding: .utf8)
        let v = try Self.run("/usr/bin/systemd-analyze", ["verify", copy.path])
        #expect(v.status == 0 && v.out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "systemd-analyze verify:\n\(v.out)")
        // The longest name --instance accepts still makes a user name systemd's strict rules take (no warning).
        let longest = dir.appendingPathComponent("earshot@\(String(repeating: "m", count: Instance.maxNameLength)).service")
        try FileManager.default.copyItem(at: copy, to: longest)
        let vl = try Self.run("/usr/bin/systemd-analyze", ["verify", longest.path])
        #expect(vl.status == 0 && vl.out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "systemd-analyze verify:\n\(vl.out)")
        let s = try Self.run("/usr/bin/systemd-analyze", ["security", "--offline=true", copy.path])
        let line = s.out.split(separator: "\n").first { $0.contains("Overall exposure level") }.map(String.init) ?? ""
        let score = line.split(separator: ":").last.flatMap { Double($0.split(separator: " ").first ?? "") }
        #expect(score != nil && score! <= 2.0, "exposure \(line)\n\(s.out)")
    }

    @Test func catalogCompilesAndCoversEveryMessageID() throws {
        let root = TestPaths.tempDir("catalog")
        let dir = root.appendingPathComponent("usr/lib/systemd/catalog")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.catalog, to: dir.appendingPathComponent("earshot.catalog"))
        let u = try Self.run("/usr/bin/journalctl", ["--root=\(root.path)", "--update-catalog"])
        #expect(u.status == 0, "\(u.out)")
        let l = try Self.run("/usr/bin/journalctl", ["--root=\(root.path)", "--list-catalog"])
        #expect(Set(EarshotMessageID.all).count == EarshotMessageID.all.count, "every id once")
        for id in EarshotMessageID.all {
            #expect(l.out.contains("\(id) earshot:"), "catalog entry for \(id):\n\(l.out)")
        }
    }
}
