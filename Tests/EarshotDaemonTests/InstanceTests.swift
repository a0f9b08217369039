import EarshotDaemon
import EarshotDetect
import Foundation
import Testing

/// `--instance NAME` (earshot@NAME.service, one earshotd per microphone): its config file, state directory and
/// location, and names that cannot be an instance.
@Suite struct InstanceTests {
    @Test func namedInstanceHasItsOwnFileStateAndLocation() throws {
        let i = try Instance(name: "north-entrance", environment: [:])
        #expect(i.configPath == "/etc/earshot/north-entrance.yaml" && i.stateDirectory == "/var/lib/earshot-north-entrance")
        let c = try DaemonConfig.parse("device: hw:2\n", source: "t.yaml", instance: i)
        #expect(c.clips.directory == "/var/lib/earshot-north-entrance/clips")
        #expect(c.recording.directory == "/var/lib/earshot-north-entrance/recordings")
        #expect(c.metrics.path == "/var/lib/earshot-north-entrance/earshot.prom")
        #expect(c.location == "north-entrance", "the name says where when the file does not")
        let named = try DaemonConfig.parse("location: North entrance, level 1\nclips:\n  directory: /srv/clips\n", source: "t.yaml", instance: i)
        #expect(named.location == "North entrance, level 1" && named.clips.directory == "/srv/clips", "the file's own values win")
    }

    /// A copy of an older earshot.yaml names /var/lib/earshot/…, which earshot@NAME cannot write: said before it runs.
    @Test func placesOutsideTheStateDirectoryAreWarnedAbout() throws {
        let i = try Instance(name: "hall", environment: [:])
        let old = try DaemonConfig.parse("clips:\n  directory: /var/lib/earshot/clips\nrecording:\n  directory: /var/lib/earshot/recordings\nmetrics:\n  path: /var/lib/earshot-hall/m.prom\n",
                                         source: "t.yaml", instance: i)
        let w = old.placesOutside(i)
        #expect(w.count == 1 && w[0].hasPrefix("clips.directory: /var/lib/earshot/clips is outside /var/lib/earshot-hall"), "recording is off, metrics inside: \(w)")
        #expect(try DaemonConfig.parse("", source: "t.yaml", instance: i).placesOutside(i).isEmpty, "the defaults are inside")
        #expect(old.placesOutside(.single).isEmpty, "the single service may write wherever its unit allows")
    }

    @Test func singleServiceIsUnchanged() throws {
        let i = try Instance(name: nil, environment: [:])
        #expect(i == .single && i.configPath == DaemonConfig.defaultPath)
        #expect(try DaemonConfig.parse("", source: "t.yaml", instance: i) == DaemonConfig())
        #expect(DaemonConfig().clips.directory == "/var/lib/earshot/clips" && DaemonConfig().location.isEmpty)
    }

    /// systemd's $STATE_DIRECTORY (from StateDirectory=, e.g. moved by a drop-in) is where state goes.
    @Test func stateDirectoryFollowsSystemd() throws {
        let i = try Instance(name: "hall", environment: ["STATE_DIRECTORY": "/srv/earshot-hall:/srv/other"])
        #expect(i.stateDirectory == "/srv/earshot-hall")
        #expect(try DaemonConfig.parse("", source: "t.yaml", instance: i).metrics.path == "/srv/earshot-hall/earshot.prom")
        #expect(try Instance(name: nil, environment: ["STATE_DIRECTORY": "/var/lib/earshot"]).stateDirectory == "/var/lib/earshot")
    }

    @Test func namesThatCannotBeAnInstanceAreRefusedWithTheRule() {
        for bad in ["", "Hall", "hall b", "-hall", "../etc", "hall/b", "café", String(repeating: "a", count: Instance.maxNameLength + 1)] {
            do { _ = try Instance(name: bad, environment: [:]); Issue.record("'\(bad)' accepted") } catch let e as ConfigError {
                #expect(e.source == "--instance" && e.problem.contains("lowercase letters, digits"), "\(e)")
            } catch { Issue.record("untyped \(error)") }
        }
        #expect((try? Instance(name: "mic_2-b", environment: [:])) != nil)
    }

    /// A named instance's file must exist: a missing one is a typo in `systemctl start earshot@NAME`.
    @Test func missingInstanceFileSaysHowToCreateIt() throws {
        let name = "zz-missing-\(getpid())"
        let i = try Instance(name: name, environment: [:])
        do { _ = try DaemonConfig.load(path: nil, instance: i); Issue.record("loaded without a file") } catch let e as ConfigError {
            #expect(e.source == "/etc/earshot/\(name).yaml" && e.problem.contains("cp \(DefaultModel.shareDirectory.path)/earshot.yaml /etc/earshot/\(name).yaml"), "\(e)")
        }
        let dir = TestPaths.tempDir("instance")
        let file = dir.appendingPathComponent("mine.yaml")
        try "device: hw:3\n".write(to: file, atomically: true, encoding: .utf8)
        let c = try DaemonConfig.load(path: file.path, instance: i)
        #expect(c.device == "hw:3" && c.location == name, "--config with --instance: that file, the instance's defaults")
    }
}
