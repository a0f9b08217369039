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

    @Test func fieldNamesAreValidJournalFields() {
        let a = Alert(eventID: "e", score: 0.5, start: Self.start, device: "d", location: "l", model: "m", clipPath: "c", test: true, streamOffset: 1)
        for (k, _) in JournalAlertSink.fields(a, priority: 2) {
            #expect(k.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" } && !k.hasPrefix("_"), "bad field name \(k)")
        }
    }
}
