import Foundation
import Testing
@testable import EarshotDaemon

/// The ledger of problems told to the health hook and not yet over, which the next start withdraws.
@Suite struct HealthLedgerTests {
    func notice(_ condition: String, _ problem: Bool, test: Bool = false) -> HealthNotice {
        HealthNotice(condition: condition, problem: problem, message: "m", device: "hw:1", location: "Hall", time: Date(timeIntervalSince1970: 1_800_000_000), test: test)
    }

    @Test func whatIsToldAndNotOverIsLeftForTheNextStart() throws {
        let dir = TestPaths.tempDir("ledger")
        defer { try? FileManager.default.removeItem(at: dir) }
        var l = HealthLedger(stateDirectory: dir.path)
        for n in [notice("device", true), notice("silence", true), notice("device", false), notice("device", true, test: true),
                  notice("heartbeat", true), notice("muted", true)] {
            #expect(l.record(n) == nil)
        }
        #expect(l.entries.map(\.condition) == ["silence", "muted"], "the device's end, a drill and a heartbeat leave nothing")
        var next = HealthLedger(stateDirectory: dir.path)
        let (left, problem) = next.takeLeftovers()
        #expect(problem == nil && left.map(\.condition) == ["silence", "muted"] && left.first?.device == "hw:1" && left.first?.location == "Hall"
                && left.first?.since == Date(timeIntervalSince1970: 1_800_000_000), "\(left)")
        #expect(!FileManager.default.fileExists(atPath: l.path), "taken: the start after that withdraws nothing")
        #expect(next.takeLeftovers().entries.isEmpty)
        _ = l.record(notice("silence", false))
        _ = l.record(notice("muted", false))
        #expect(!FileManager.default.fileExists(atPath: l.path), "all over: no file")
    }

    @Test func aDamagedLedgerIsRemovedAndWithdrawsNothing() throws {
        let dir = TestPaths.tempDir("ledger-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        var l = HealthLedger(stateDirectory: dir.path)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: l.path))
        let (left, problem) = l.takeLeftovers()
        #expect(left.isEmpty && problem?.contains("health-told.json is not a list of health problems told") == true, "\(problem ?? "nil")")
        #expect(!FileManager.default.fileExists(atPath: l.path))
    }

    @Test func aLedgerThatCannotBeWrittenSaysWhy() {
        var l = HealthLedger(stateDirectory: "/nonexistent/earshot-state")
        let problem = l.record(notice("silence", true))
        #expect(problem?.hasPrefix("cannot write /nonexistent/earshot-state/.health-told.json.") == true, "\(problem ?? "nil")")
        #expect(l.entries.count == 1, "kept in memory all the same")
    }
}
