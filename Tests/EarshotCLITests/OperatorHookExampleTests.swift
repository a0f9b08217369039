import Foundation
import Testing

@Suite("config/hooks examples run against stand-in curl / mosquitto_pub / sendmail")
struct OperatorHookExampleTests {
    static let event = #"{"clip":"/var/lib/earshot/clips/a.wav","device":"default","event_id":"e-1","host":"venue-1","model":"m","score":0.973,"start":"2026-11-25T08:41:02.123Z","test":true}"# + "\n"

    static let healthEvent = #"{"device":"hw:1","health":"device","host":"venue-1","message":"capture device hw:1 unavailable","problem":true,"time":"2026-11-25T08:41:02.123Z"}"# + "\n"

    /// Runs `config/hooks/<name>` as earshotd would (EARSHOT_* env, the JSON on stdin) with a PATH whose
    /// `tool` records its arguments and stdin; returns (status, recorded args, recorded stdin). `extra` adds to
    /// the environment (without it, the variables an older earshotd set: the examples must not need the rest).
    static func run(_ name: String, tool: String, health: Bool = false, extra: [String: String] = [:]) throws -> (Int32, String, String) {
        let dir = TestPaths.tempDir("op-example")
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        _ = try Operator.write("#!/bin/sh\nprintf '%s\\n' \"$@\" > '\(dir.path)/args'\ncat > '\(dir.path)/stdin'\n",
                               to: bin.appendingPathComponent(tool), mode: 0o755)
        let p = Process()
        p.executableURL = TestPaths.repo.appendingPathComponent("config/hooks/\(name)")
        p.environment = health
            ? ["PATH": bin.path + ":/usr/bin:/bin", "EARSHOT_HEALTH": "device", "EARSHOT_PROBLEM": "1", "EARSHOT_MESSAGE": "capture device hw:1 unavailable",
               "EARSHOT_DEVICE": "hw:1", "EARSHOT_TIME": "2026-11-25T08:41:02.123Z", "EARSHOT_HOST": "venue-1"]
            : ["PATH": bin.path + ":/usr/bin:/bin", "EARSHOT_EVENT_ID": "e-1", "EARSHOT_SCORE": "0.973",
               "EARSHOT_START": "2026-11-25T08:41:02.123Z", "EARSHOT_DEVICE": "default", "EARSHOT_MODEL": "m",
               "EARSHOT_CLIP": "/var/lib/earshot/clips/a.wav", "EARSHOT_HOST": "venue-1", "EARSHOT_TEST": "1"]
        p.environment?.merge(extra) { $1 }
        let input = Pipe()
        p.standardInput = input
        // A hook may exit without reading stdin (email.sh with an unreadable clip): as earshotd's HookRunner
        // does, ignore SIGPIPE and let the write fail with EPIPE instead of killing the test process.
        signal(SIGPIPE, SIG_IGN)
        try p.run()
        try? input.fileHandleForWriting.write(contentsOf: Data((health ? healthEvent : event).utf8))
        try? input.fileHandleForWriting.close()
        p.waitUntilExit()
        let args = (try? String(contentsOf: dir.appendingPathComponent("args"), encoding: .utf8)) ?? ""
        let stdin = (try? String(contentsOf: dir.appendingPathComponent("stdin"), encoding: .utf8)) ?? ""
        return (p.terminationStatus, args, stdin)
    }

    @Test("ntfy/webhook example POSTs the JSON event with a [TEST] title")
    func ntfy() throws {
        let (status, args, stdin) = try Self.run("ntfy-webhook.sh", tool: "curl")
        #expect(status == 0)
        #expect(args.contains("Title: [TEST] Gunshot detected on venue-1") && args.contains("--data-binary") && args.contains("https://ntfy.sh/"))
        #expect(stdin == Self.event)
    }

    @Test("an alert of a shooting that goes on says so: ntfy's title, the e-mail's text")
    func incidentGoesOn() throws {
        let more = ["EARSHOT_TEST": "0", "EARSHOT_INCIDENT_ID": "e-0", "EARSHOT_INCIDENT_START": "2026-11-25T08:40:51.004Z", "EARSHOT_INCIDENT_EVENTS": "4"]
        let (s1, a1, _) = try Self.run("ntfy-webhook.sh", tool: "curl", extra: more)
        #expect(s1 == 0 && a1.contains("Title: Gunshots continue on venue-1: event 4 since 08:40:51.004Z\n"), "\(a1)")
        let (s2, _, in2) = try Self.run("email.sh", tool: "sendmail", extra: more)
        #expect(s2 == 0 && in2.contains("It is gunshot event 4 of an incident since 2026-11-25T08:40:51.004Z"), "\(in2)")
        // the first event of an incident reads as before
        let (s3, a3, _) = try Self.run("ntfy-webhook.sh", tool: "curl", extra: more.merging(["EARSHOT_INCIDENT_EVENTS": "1"]) { $1 })
        #expect(s3 == 0 && a3.contains("Title: Gunshot detected on venue-1\n"), "\(a3)")
    }

    @Test("as clip_hook the ntfy, MQTT and e-mail examples send the clip file itself")
    func clipHook() throws {
        let ready = ["EARSHOT_CLIP_READY": "1", "EARSHOT_TEST": "0", "EARSHOT_LOCATION": "Gate 3"]
        let (s1, a1, _) = try Self.run("ntfy-webhook.sh", tool: "curl", extra: ready)
        #expect(s1 == 0 && a1.contains("-T\n/var/lib/earshot/clips/a.wav\n") && a1.contains("Filename: a.wav\n")
                && a1.contains("Title: Recording: gunshot at Gate 3 (venue-1)\n") && a1.contains("e-1"), "\(a1)")
        let (s2, a2, _) = try Self.run("mqtt.sh", tool: "mosquitto_pub", extra: ready)
        #expect(s2 == 0 && a2.contains("earshot/venue-1/alert/clip\n") && a2.contains("-f\n/var/lib/earshot/clips/a.wav\n"), "\(a2)")
        // e-mail: the WAV as a base64 attachment that decodes to the file
        let dir = TestPaths.tempDir("op-clip")
        let wav = dir.appendingPathComponent("20261125T084102.123Z_e-1.wav")
        let bytes = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try bytes.write(to: wav)
        let (s4, _, in4) = try Self.run("email.sh", tool: "sendmail", extra: ready.merging(["EARSHOT_CLIP": wav.path]) { $1 })
        #expect(s4 == 0 && in4.contains("Subject: Recording: Gunshot detected at Gate 3 (venue-1)") && in4.contains("filename=\"\(wav.lastPathComponent)\""), "\(in4)")
        let part = in4.components(separatedBy: "Content-Transfer-Encoding: base64").last?.components(separatedBy: "\n\n").dropFirst().first ?? ""
        let body = part.components(separatedBy: "\n--").first ?? ""   // up to the closing boundary
        #expect(Data(base64Encoded: body.replacingOccurrences(of: "\n", with: "")) == bytes, "the attachment is the clip")
        // a clip it cannot read fails the hook (earshotd retries it) and mails nothing, rather than an empty attachment
        let gone = dir.appendingPathComponent("gone.wav").path
        let (s5, a5, in5) = try Self.run("email.sh", tool: "sendmail", extra: ready.merging(["EARSHOT_CLIP": gone]) { $1 })
        #expect(s5 != 0 && a5.isEmpty && in5.isEmpty, "status \(s5), sendmail got: \(a5) \(in5)")
        // without the variable (the alert's own hook, or an older earshotd): the alert, not the clip
        let (_, a3, _) = try Self.run("ntfy-webhook.sh", tool: "curl")
        #expect(!a3.contains("-T\n") && a3.contains("Gunshot detected"), "\(a3)")
    }

    @Test("MQTT example publishes the JSON event to the test topic")
    func mqtt() throws {
        let (status, args, stdin) = try Self.run("mqtt.sh", tool: "mosquitto_pub")
        #expect(status == 0)
        #expect(args.contains("earshot/venue-1/test") && args.contains("-s"))
        #expect(stdin == Self.event)
    }

    @Test("MQTT example as incident_hook publishes each step, retained, to the incident topic; a drill to the test topic")
    func mqttIncident() throws {
        let step = ["EARSHOT_TEST": "0", "EARSHOT_INCIDENT_UPDATE": "heard", "EARSHOT_INCIDENT_SEQ": "2", "EARSHOT_INCIDENT_ID": "e-0"]
        let (s1, a1, in1) = try Self.run("mqtt.sh", tool: "mosquitto_pub", extra: step)
        #expect(s1 == 0 && a1.split(separator: "\n").map(String.init) == ["-h", "mqtt.example.org", "-p", "1883", "-q", "1", "-r", "-t", "earshot/venue-1/incident", "-s"], "\(a1)")
        #expect(in1 == Self.event)
        let (s2, a2, _) = try Self.run("mqtt.sh", tool: "mosquitto_pub", extra: step.merging(["EARSHOT_TEST": "1"]) { $1 })
        #expect(s2 == 0 && a2.contains("earshot/venue-1/test\n") && !a2.contains("-r\n"), "a drill is not retained: \(a2)")
    }

    @Test("e-mail example hands sendmail a message with subject, fields and the event")
    func email() throws {
        let (status, args, stdin) = try Self.run("email.sh", tool: "sendmail")
        #expect(status == 0)
        #expect(args.contains("-t"))
        #expect(stdin.contains("Subject: [TEST] Gunshot detected on venue-1 (score 0.973)"))
        #expect(stdin.contains("Clip:     /var/lib/earshot/clips/a.wav"))
        #expect(stdin.contains(#""event_id":"e-1""#))
    }

    @Test("with location: set, the examples say where the shot was heard; a drill of the health hook is marked [TEST]")
    func location() throws {
        let place = ["EARSHOT_LOCATION": "Gate 3"]
        let (s1, a1, _) = try Self.run("ntfy-webhook.sh", tool: "curl", extra: place)
        #expect(s1 == 0 && a1.contains("Title: [TEST] Gunshot detected at Gate 3 (venue-1)"), "\(a1)")
        let (s2, _, in2) = try Self.run("email.sh", tool: "sendmail", extra: place)
        #expect(s2 == 0 && in2.contains("Subject: [TEST] Gunshot detected at Gate 3 (venue-1) (score 0.973)")
                && in2.contains("Earshot at Gate 3 (venue-1) heard a probable gunshot."), "\(in2)")
        let drill = place.merging(["EARSHOT_TEST": "1"]) { $1 }
        let (s3, a3, _) = try Self.run("ntfy-webhook.sh", tool: "curl", health: true, extra: drill)
        #expect(s3 == 0 && a3.contains("Title: [TEST] Earshot at Gate 3 (venue-1): device problem"), "\(a3)")
        let (s4, _, in4) = try Self.run("email.sh", tool: "sendmail", health: true, extra: drill)
        #expect(s4 == 0 && in4.contains("Subject: [TEST] Earshot at Gate 3 (venue-1): device problem"), "\(in4)")
        let (s5, a5, _) = try Self.run("mqtt.sh", tool: "mosquitto_pub", health: true, extra: drill)
        #expect(s5 == 0 && a5.contains("earshot/venue-1/test"), "a drill goes to the test topic: \(a5)")
    }

    /// The RFC 2047 encoded words after `prefix` in `text` (the header's value, with its folded continuation lines),
    /// decoded ("" if there are none, or one is not a whole word of UTF-8).
    static func encodedWord(after prefix: String, in text: String) -> String {
        guard let r = text.range(of: prefix + "=?UTF-8?B?") else { return "" }
        let lines = text[r.lowerBound...].dropFirst(prefix.count).split(separator: "\n", omittingEmptySubsequences: false)
        let value = lines.prefix(1) + lines.dropFirst().prefix { $0.hasPrefix(" ") }
        return Operator.decodeEncodedWords(value.joined(separator: "\n")) ?? ""
    }

    @Test("a location outside ASCII reaches headers as an RFC 2047 encoded word, never as raw bytes")
    func nonASCIILocation() throws {
        let place = ["EARSHOT_LOCATION": "Café Süd"]
        let (s1, a1, _) = try Self.run("ntfy-webhook.sh", tool: "curl", extra: place)
        #expect(s1 == 0 && Self.encodedWord(after: "Title: ", in: a1) == "[TEST] Gunshot detected at Café Süd (venue-1)", "\(a1)")
        let (s2, _, in2) = try Self.run("email.sh", tool: "sendmail", extra: place)
        #expect(s2 == 0 && Self.encodedWord(after: "Subject: ", in: in2) == "[TEST] Gunshot detected at Café Süd (venue-1) (score 0.973)", "\(in2)")
        #expect(in2.contains("Content-Type: text/plain; charset=UTF-8") && in2.contains("Earshot at Café Süd (venue-1) heard"), "the body may be UTF-8")
        let (s3, a3, _) = try Self.run("ntfy-webhook.sh", tool: "curl", health: true, extra: place)
        #expect(s3 == 0 && Self.encodedWord(after: "Title: ", in: a3) == "Earshot at Café Süd (venue-1): device problem", "\(a3)")
    }

    @Test("the heartbeat example pings its URL with the status line as the body")
    func heartbeat() throws {
        let (status, args, _) = try Self.run("heartbeat-ping.sh", tool: "curl",
                                             extra: ["EARSHOT_HEALTH": "heartbeat", "EARSHOT_MESSAGE": "listening on hw:1 (16000 Hz) · 0 events today"])
        #expect(status == 0 && args.contains("--fail") && args.contains("https://hc-ping.com/"), "\(args)")
        #expect(args.contains("--data-raw\nlistening on hw:1 (16000 Hz) · 0 events today\n"), "\(args)")
    }

    @Test("each example also works as health_hook: a health title, topic or subject, never a gunshot")
    func asHealthHook() throws {
        let (s1, a1, in1) = try Self.run("ntfy-webhook.sh", tool: "curl", health: true)
        #expect(s1 == 0 && a1.contains("Title: Earshot on venue-1: device problem") && !a1.contains("Gunshot") && in1 == Self.healthEvent, "\(a1)")
        let (s2, a2, in2) = try Self.run("mqtt.sh", tool: "mosquitto_pub", health: true)
        #expect(s2 == 0 && a2.contains("earshot/venue-1/health") && in2 == Self.healthEvent, "\(a2)")
        let (s3, _, in3) = try Self.run("email.sh", tool: "sendmail", health: true)
        #expect(s3 == 0 && in3.contains("Subject: Earshot on venue-1: device problem") && in3.contains("capture device hw:1 unavailable") && !in3.contains("Gunshot"), "\(in3)")
        // earshot mute's notices say paging is off, and on again
        let muted = ["EARSHOT_HEALTH": "muted", "EARSHOT_MESSAGE": "Paging muted until 2026-12-31 23:59 UTC by alice: fireworks"]
        let (s4, a4, _) = try Self.run("ntfy-webhook.sh", tool: "curl", health: true, extra: muted)
        #expect(s4 == 0 && a4.contains("Title: Earshot on venue-1: paging MUTED\n"), "\(a4)")
        let (s5, _, in5) = try Self.run("email.sh", tool: "sendmail", health: true, extra: muted.merging(["EARSHOT_PROBLEM": "0"]) { $1 })
        #expect(s5 == 0 && in5.contains("Subject: Earshot on venue-1: paging on again\n") && in5.contains("fireworks"), "\(in5)")
        // the alert-rate watch's notices ask for a look at the site, and say when the rate is normal again
        let rate = ["EARSHOT_HEALTH": "alert_rate", "EARSHOT_MESSAGE": "More alerts than the threshold is calibrated for: 19 paged in the last 0.88 h"]
        let (s6, a6, _) = try Self.run("ntfy-webhook.sh", tool: "curl", health: true, extra: rate)
        #expect(s6 == 0 && a6.contains("Title: Earshot on venue-1: too many alerts, check the site\n") && !a6.contains("Gunshot"), "\(a6)")
        let (s7, _, in7) = try Self.run("email.sh", tool: "sendmail", health: true, extra: rate.merging(["EARSHOT_PROBLEM": "0"]) { $1 })
        #expect(s7 == 0 && in7.contains("Subject: Earshot on venue-1: alert rate normal again\n") && in7.contains("19 paged"), "\(in7)")
    }
}
