import EarshotDaemon
import Foundation
import Testing

/// When `SystemdUnits` asks systemd at all, and which answers make a unit idle.
@Suite struct SystemdUnitsTests {
    @Test func askedOnlyWhereSystemdRunsAndOnlyAboutItsConfigs() throws {
        let dir = TestPaths.tempDir("systemd-units")
        let bin = dir.appendingPathComponent("bin"), run = dir.appendingPathComponent("run-systemd-system")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: bin.appendingPathComponent("systemctl").path, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        let env = ["PATH": bin.path]
        #expect(SystemdUnits.current(configDirectory: "/etc/earshot", environment: env, runDirectory: run.path).systemctl == bin.path + "/systemctl")
        #expect(SystemdUnits.current(configDirectory: "/etc/earshot/", environment: env, runDirectory: run.path).systemctl != nil)
        #expect(SystemdUnits.current(configDirectory: "/etc/earshot", environment: env, runDirectory: "/nonexistent").systemctl == nil, "systemd not running")
        #expect(SystemdUnits.current(configDirectory: dir.path, environment: env, runDirectory: run.path).systemctl == nil, "not its units' configs")
        #expect(SystemdUnits.current(configDirectory: dir.path, environment: ["EARSHOT_SYSTEMCTL": "/x/systemctl"], runDirectory: "/nonexistent").systemctl == "/x/systemctl")
        #expect(SystemdUnits(systemctl: nil).use(of: "earshot") == nil && !SystemdUnits(systemctl: nil).isIdle("earshot"))
        #expect(SystemdUnits(systemctl: "/nonexistent/systemctl").use(of: "earshot") == nil, "cannot run: no answer")
    }

    @Test func idleIsNeitherEnabledNorRunning() {
        #expect(UnitUse(unitFileState: "disabled", activeState: "inactive").isIdle)
        #expect(UnitUse(unitFileState: "not-found", activeState: "failed").isIdle)
        #expect(!UnitUse(unitFileState: "disabled", activeState: "active").isIdle, "started by hand")
        #expect(!UnitUse(unitFileState: "disabled", activeState: "activating").isIdle, "restarting after a crash")
        #expect(!UnitUse(unitFileState: "enabled", activeState: "failed").isIdle, "enabled and failed: CRITICAL, judged")
        #expect(!UnitUse(unitFileState: "static", activeState: "inactive").isIdle)
        #expect(!UnitUse(unitFileState: "bad", activeState: "inactive").isIdle, "an answer it does not know")
    }
}
