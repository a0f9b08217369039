import EarshotDaemon
import Foundation
import Testing

/// The journal entry an alert becomes (fields checked one by one; delivery itself is in DaemonJournalTests).
@Suite struct JournalAlertSinkTests {
    static let start = Date(timeIntervalSince1970: 1_764_000_000.25)
    static func fields(_ a: Alert, priority: Int = 2) -> [String: String] {
        Dictionary(JournalAlertSink.fields(a, priority: priority).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func alertFields() {
        let f = Self.fields(Alert(eventID: "e1", score: 0.9712, start: Self.start, device: "hw:1,0", model: "m.safetensors"), priority: 1)
        #expect(f["MESSAGE"] == "Gunshot detected on hw:1,0, score 0.97")
        #expect(f["MESSAGE_ID"] == EarshotMessageID.alert && EarshotMessageID.alert.count == 32)
        #expect(f["PRIORITY"] == "1")
        #expect(f["SYSLOG_IDENTIFIER"] == "earshotd")
        #expect(f["EARSHOT_EVENT_ID"] == "e1")
        #expect(Double(f["EARSHOT_SCORE"] ?? "") == 0.9712)
        #expect(f["EARSHOT_START"] == "2025-11-24T16:00:00.250Z")
        #expect(f["EARSHOT_DEVICE"] == "hw:1,0" && f["EARSHOT_MODEL"] == "m.safetensors")
        #expect(f["EARSHOT_CLIP"] == nil && f["EARSHOT_TEST"] == nil)
    }

    @Test func testAlertsAreMarkedAndCarryTheClip() {
        let f = Self.fields(Alert(eventID: "e2", score: 1, start: Self.start, device: "default", model: "m", clipPath: "/var/lib/earshot/clips/e2.wav", test: true))
        #expect(f["MESSAGE"] == "[TEST] Gunshot detected on default, score 1.00")
        #expect(f["EARSHOT_TEST"] == "1")
        #expect(f["EARSHOT_CLIP"] == "/var/lib/earshot/clips/e2.wav")
    }

    @Test func locationNamesWhereTheShotWasHeard() {
        let f = Self.fields(Alert(eventID: "e3", score: 0.9712, start: Self.start, device: "hw:1,0", location: "North entrance", model: "m"))
        #expect(f["MESSAGE"] == "Gunshot detected at North entrance (hw:1,0), score 0.97")
        #expect(f["EARSHOT_LOCATION"] == "North entrance" && f["EARSHOT_DEVICE"] == "hw:1,0")
        #expect(Self.fields(Alert(eventID: "e4", score: 1, start: Self.start, device: "d", model: "m"))["EARSHOT_LOCATION"] == nil,
                "no location: no empty field")
    }

    @Test func mutedAlertSaysSoAndIsAWarning() {
        var a = Alert(eventID: "e5", score: 0.98, start: Self.start, device: "hw:1", location: "Stage", model: "m")
        a.mute = Mute(until: Date(timeIntervalSince1970: 1_764_007_200), reason: "Act 3: blank-firing scene", by: "alice", since: Self.start)
        let f = Self.fields(a, priority: 2)
        #expect(f["MESSAGE"]?.hasPrefix("Gunshot detected at Stage (hw:1), score 0.98 — MUTED until ") == true
                && f["MESSAGE"]?.hasSuffix(" by alice: Act 3: blank-firing scene: no hook run") == true, "\(f["MESSAGE"] ?? "")")
        #expect(f["PRIORITY"] == "4", "a muted alert pages nobody: warning, not the alert's critical")
        #expect(f["EARSHOT_MUTED"] == "1" && f["EARSHOT_MUTE_UNTIL"] == "2025-11-24T18:00:00.000Z"
                && f["EARSHOT_MUTE_REASON"] == "Act 3: blank-firing scene" && f["EARSHOT_MUTE_BY"] == "alice")
        #expect(Self.fields(a, priority: 6)["PRIORITY"] == "6", "never raised above the configured priority")
        #expect(Self.fields(Alert(eventID: "e6", score: 1, start: Self.start, device: "d", model: "m"))["EARSHOT_MUTED"] == nil)
    }

    @Test func fieldNamesAreValidJournalFields() {
        var a = Alert(eventID: "e", score: 0.5, start: Self.start, device: "d", location: "l", model: "m", clipPath: "c", test: true, streamOffset: 1)
        a.mute = Mute(until: Self.start.addingTimeInterval(60), reason: "r", by: "b", since: Self.start)
        for (k, _) in JournalAlertSink.fields(a, priority: 2) {
            #expect(k.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" } && !k.hasPrefix("_"), "bad field name \(k)")
        }
    }
}
