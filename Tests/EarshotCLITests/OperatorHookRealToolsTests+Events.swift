import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The events OperatorHookRealToolsTests hands the hook examples, as earshotd hands them over.
extension OperatorHookRealToolsTests {
    static let eventID = "20261125T084102.123Z"
    static let clipName = "20261125T084102.123Z_\(eventID).wav"
    static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"   // what the service's PATH is

    /// The JSON line on stdin (sorted keys, as earshotd writes it).
    static func json(_ object: [String: Any]) -> Data {
        var d = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        d.append(0x0a)
        return d
    }

    /// An alert's environment and JSON; `location` is the config's location:, `clip` the evidence WAV.
    static func alert(test: Bool = false, location: String = "", clip: String = "", clipReady: Bool = false,
                      incidentEvents: Int = 1) -> (env: [String: String], stdin: Data) {
        let env = ["EARSHOT_EVENT_ID": eventID, "EARSHOT_SCORE": "0.973", "EARSHOT_START": "2026-11-25T08:41:02.123Z",
                   "EARSHOT_DEVICE": "default", "EARSHOT_LOCATION": location, "EARSHOT_MODEL": "m-1",
                   "EARSHOT_CLIP": clip, "EARSHOT_CLIP_READY": clipReady ? "1" : "0", "EARSHOT_HOST": "venue-1",
                   "EARSHOT_TEST": test ? "1" : "0", "EARSHOT_REPLAY": "", "EARSHOT_ATTEMPT": "1",
                   "EARSHOT_INCIDENT_ID": eventID, "EARSHOT_INCIDENT_START": "2026-11-25T08:40:51.004Z",
                   "EARSHOT_INCIDENT_EVENTS": String(incidentEvents), "EARSHOT_CONTINUES": ""]
        let object: [String: Any] = ["clip": clip, "clip_ready": clipReady, "device": "default", "event_id": eventID,
                                     "host": "venue-1", "incident_events": incidentEvents, "incident_id": eventID,
                                     "incident_start": "2026-11-25T08:40:51.004Z", "location": location, "model": "m-1",
                                     "score": 0.973, "start": "2026-11-25T08:41:02.123Z", "test": test]
        return (env, json(object))
    }

    /// A health notice (the capture device lost).
    static func health(location: String = "") -> (env: [String: String], stdin: Data) {
        let message = "capture device hw:1 unavailable"
        let env = ["EARSHOT_HEALTH": "device", "EARSHOT_PROBLEM": "1", "EARSHOT_MESSAGE": message, "EARSHOT_DEVICE": "hw:1",
                   "EARSHOT_LOCATION": location, "EARSHOT_TIME": "2026-11-25T08:41:02.123Z", "EARSHOT_HOST": "venue-1", "EARSHOT_TEST": "0"]
        return (env, json(["device": "hw:1", "health": "device", "host": "venue-1", "location": location, "message": message,
                           "problem": true, "test": false, "time": "2026-11-25T08:41:02.123Z"]))
    }

    /// An incident_hook step (`alert` seq 1, `over` seq 2 …).
    static func incidentStep(_ update: String, seq: Int) -> (env: [String: String], stdin: Data) {
        let env = ["EARSHOT_INCIDENT_UPDATE": update, "EARSHOT_INCIDENT_SEQ": String(seq), "EARSHOT_INCIDENT_ID": eventID,
                   "EARSHOT_INCIDENT_START": "2026-11-25T08:41:02.123Z", "EARSHOT_INCIDENT_EVENTS": "1", "EARSHOT_INCIDENT_ALERTS": "1",
                   "EARSHOT_INCIDENT_STOPPED": "0", "EARSHOT_MESSAGE": "step \(seq)", "EARSHOT_DEVICE": "default",
                   "EARSHOT_LOCATION": "", "EARSHOT_HOST": "venue-1", "EARSHOT_TEST": "0", "EARSHOT_ATTEMPT": "1"]
        return (env, json(["device": "default", "host": "venue-1", "incident_alerts": 1, "incident_events": 1, "incident_id": eventID,
                           "incident_start": "2026-11-25T08:41:02.123Z", "location": "", "message": "step \(seq)", "seq": seq,
                           "stopped": false, "test": false, "update": update]))
    }

    /// A clip file of `count` bytes: a WAV header and noise, every byte value present (a lost or mangled byte shows).
    static func clip(in dir: URL, count: Int = 320_044) throws -> (URL, Data) {
        var bytes = Data("RIFF".utf8)
        var x: UInt32 = 2463534242
        while bytes.count < count { x ^= x << 13; x ^= x >> 17; x ^= x << 5; bytes.append(UInt8(truncatingIfNeeded: x)) }
        let url = dir.appendingPathComponent(clipName)
        try bytes.write(to: url)
        return (url, bytes)
    }
}
