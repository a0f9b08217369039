import EarshotDaemon
import Foundation
import Testing

/// systemd/earshot.service and systemd/earshot.catalog, checked with systemd's own tools.
@Suite struct SystemdUnitTests {
    static let unit = TestPaths.repo.appendingPathComponent("systemd/earshot.service")
    static let catalog = TestPaths.repo.appendingPathComponent("systemd/earshot.catalog")

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

    static func directives() throws -> [String: [String]] {
        var d: [String: [String]] = [:]
        for line in try String(contentsOf: unit, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
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

    @Test func catalogCompilesAndCoversEveryMessageID() throws {
        let root = TestPaths.tempDir("catalog")
        let dir = root.appendingPathComponent("usr/lib/systemd/catalog")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.catalog, to: dir.appendingPathComponent("earshot.catalog"))
        let u = try Self.run("/usr/bin/journalctl", ["--root=\(root.path)", "--update-catalog"])
        #expect(u.status == 0, "\(u.out)")
        let l = try Self.run("/usr/bin/journalctl", ["--root=\(root.path)", "--list-catalog"])
        for id in [EarshotMessageID.alert, EarshotMessageID.liveness, EarshotMessageID.device] {
            #expect(l.out.contains("\(id) earshot:"), "catalog entry for \(id):\n\(l.out)")
        }
    }
}
