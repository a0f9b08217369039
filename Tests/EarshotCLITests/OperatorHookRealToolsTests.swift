import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The config/hooks examples, edited as their README tells an operator (the BROKER/URL/TO lines pointed at local
/// servers), run against the REAL tools — mosquitto_pub, curl, msmtp as sendmail — and REAL servers on 127.0.0.1:
/// Debian's mosquitto broker, an HTTP server (python3's http.server) and an SMTP server (aiosmtpd), each started
/// on a free port and stopped by the test. OperatorHookExampleTests checks the arguments the scripts pass; this
/// checks that the page really arrives, intact, and that a server down fails the hook (earshotd then retries).
@Suite("config/hooks examples against real mosquitto, curl, msmtp and local servers")
struct OperatorHookRealToolsTests {
    // The events, tools, processes and servers are in the extensions OperatorHookRealToolsTests+*.swift.

    /// A hung server must fail the hook by the example's own limit, before earshotd's `timeout:` (the default
    /// config's, for every hook section) kills it: a kill is logged only as "timed out", the example's own end says
    /// why. The hung-server tests show each limit ends the run (no wall clock there); this checks each limit is
    /// below the default config's, so the example's end comes first.
    @Test("each example's own network time limit is below the default config's hook timeout")
    func ownLimitsBelowHookTimeout() throws {
        let config = try String(contentsOf: TestPaths.repo.appendingPathComponent("config/earshot.yaml"), encoding: .utf8)
        let timeouts = config.split(separator: "\n").compactMap { line -> Double? in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("timeout:") ? Double(t.dropFirst(8).split(separator: "#")[0].trimmingCharacters(in: .whitespaces)) : nil
        }
        try #require(timeouts.count >= 4, "config/earshot.yaml's hook sections' timeout: lines: \(timeouts)")
        for name in ["mqtt.sh", "ntfy-webhook.sh", "email.sh", "heartbeat-ping.sh"] {
            let script = try String(contentsOf: TestPaths.repo.appendingPathComponent("config/hooks/\(name)"), encoding: .utf8)
            let limits = ["timeout --foreground ", "--max-time "].flatMap { flag in
                script.components(separatedBy: flag).dropFirst().compactMap { Double($0.prefix { $0.isNumber || $0 == "." }) }
            }
            #expect(!limits.isEmpty, "\(name) gives its network tool no time limit of its own")
            for limit in limits { #expect(limit < timeouts.min()!, "\(name): its limit \(limit) s is not below the hook timeout \(timeouts.min()!) s") }
        }
    }

    // MARK: MQTT

    @Test("MQTT: the alert's JSON, a drill and as clip_hook the clip's bytes reach a real broker's subscriber intact")
    func mqttAlertDrillClip() throws {
        try Self.requireTool("/usr/bin/mosquitto_pub", package: "mosquitto-clients")
        let dir = TestPaths.tempDir("real-mqtt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (broker, port) = try Self.startBroker(in: dir)
        defer { broker.stop() }
        let script = try Self.mqttScript(in: dir, port: port)
        // The subscriber is subscribed once it got the retained "ready" message: the alerts (not retained) come after.
        let ready = try Operator.run("/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-u", Self.mqttUser, "-P", Self.mqttPassword,
                                                                "-r", "-t", "ready", "-m", "1"])
        try #require(ready.status == 0, "\(ready.output)")
        let sub = try Self.subscribe(port: port, topics: ["earshot/#", "ready"], count: 4, dir: dir, tag: "sub")
        defer { sub.stop() }
        try #require(Self.wait(10) { !Self.messages(sub.stdout).isEmpty }, "mosquitto_sub got nothing: \(sub.stderr)")

        let alert = Self.alert()
        let r1 = try Self.runHook(script, alert)
        #expect(r1.status == 0 && !r1.killed, "alert: \(r1)")
        let drill = Self.alert(test: true)
        let r2 = try Self.runHook(script, drill)
        #expect(r2.status == 0 && !r2.killed, "drill: \(r2)")
        let (clipURL, clipBytes) = try Self.clip(in: dir)
        let r3 = try Self.runHook(script, Self.alert(clip: clipURL.path, clipReady: true))
        #expect(r3.status == 0 && !r3.killed, "clip: \(r3)")

        #expect(sub.exited(within: 15), "mosquitto_sub did not get 4 messages")
        let got = Self.messages(sub.stdout).filter { $0.topic != "ready" }
        #expect(got.map(\.topic) == ["earshot/venue-1/alert", "earshot/venue-1/test", "earshot/venue-1/alert/clip"], "\(got.map(\.topic))\n\(broker.stderr)")
        if got.count == 3 {
            #expect(got[0].payload == alert.stdin, "the alert's JSON arrives byte for byte")
            #expect(Self.jsonObject(got[0].payload)?["event_id"] as? String == Self.eventID)
            #expect(got[1].payload == drill.stdin && Self.jsonObject(got[1].payload)?["test"] as? Bool == true)
            #expect(got[2].payload.count == clipBytes.count && got[2].payload == clipBytes, "the clip arrives whole: \(got[2].payload.count) of \(clipBytes.count) bytes")
            #expect(got.allSatisfy { !$0.retained && $0.qos == 1 }, "alerts are QoS 1, not retained")
        }
        // mosquitto_pub logged in with the options file in XDG_CONFIG_HOME: user and client-id prefix
        #expect(broker.stderr.contains("as earshot-") && broker.stderr.contains("u'earshot'"), "\(broker.stderr)")
    }

    @Test("MQTT as incident_hook: the latest step is retained — a dashboard that connects after it still gets it")
    func mqttIncidentRetained() throws {
        try Self.requireTool("/usr/bin/mosquitto_pub", package: "mosquitto-clients")
        let dir = TestPaths.tempDir("real-mqtt-inc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (broker, port) = try Self.startBroker(in: dir)
        defer { broker.stop() }
        let script = try Self.mqttScript(in: dir, port: port)
        let first = Self.incidentStep("alert", seq: 1), over = Self.incidentStep("over", seq: 2)
        let r1 = try Self.runHook(script, first), r2 = try Self.runHook(script, over)
        #expect(r1.status == 0 && r2.status == 0, "\(r1) \(r2)")
        // no subscriber was connected when they were published
        let late = try Self.subscribe(port: port, topics: ["earshot/#"], count: 1, dir: dir, tag: "late")
        defer { late.stop() }
        #expect(late.exited(within: 15), "the late subscriber got no retained step")
        let got = Self.messages(late.stdout)
        #expect(got.count == 1 && got.first?.topic == "earshot/venue-1/incident" && got.first?.retained == true, "\(got.map { ($0.topic, $0.retained) })")
        #expect(got.first?.payload == over.stdin, "the retained step is the latest, intact")
        #expect(Self.jsonObject(got.first?.payload ?? Data())?["update"] as? String == "over")
    }

    @Test("MQTT: broker down, hung or refusing the login — the hook fails (earshotd retries), by its own time limit when hung, saying why")
    func mqttFailures() throws {
        try Self.requireTool("/usr/bin/mosquitto_pub", package: "mosquitto-clients")
        let dir = TestPaths.tempDir("real-mqtt-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        // down: a stopped broker's port
        let (broker, port) = try Self.startBroker(in: dir)
        defer { broker.stop() }
        // no options file: mosquitto_pub connects without the login, the broker refuses
        let noLogin = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("nologin"), port: port, optionsFile: false), Self.alert())
        #expect(noLogin.status != 0 && noLogin.stderr.contains("not authorised"), "\(noLogin)")
        broker.stop()
        let down = try Self.runHook(Self.mqttScript(in: dir, port: port), Self.alert())
        #expect(down.status != 0 && down.stderr.contains("refused") && !down.stderr.contains("no answer"), "fails at once, not by the 8 s limit: \(down)")
        // hung: the connection opens, no CONNACK ever comes
        let hung = Self.hungServer()
        defer { close(hung.fd) }
        let stuck = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("hung"), port: hung.port), Self.alert(), limit: 20)
        #expect(!stuck.killed && stuck.status == 124, "ends by its own time limit (timeout's status 124), not killed: \(stuck)")
        #expect(stuck.stderr.contains("no answer"), "and says why: \(stuck.stderr)")
        let stuckClip = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("hung-clip"), port: hung.port),
                                         Self.alert(clip: try Self.clip(in: dir).0.path, clipReady: true), limit: 20)
        #expect(!stuckClip.killed && stuckClip.status == 124 && stuckClip.stderr.contains("no answer"), "\(stuckClip)")
        let stuckStep = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("hung-inc"), port: hung.port),
                                         Self.incidentStep("alert", seq: 1), limit: 20)
        #expect(!stuckStep.killed && stuckStep.status == 124 && stuckStep.stderr.contains("no answer"), "\(stuckStep)")
    }

    // MARK: HTTP — ntfy / webhook

    @Test("ntfy/webhook: real curl POSTs the alert with title, priority, tags and the JSON; a health notice; the clip as an upload")
    func ntfyDelivers() throws {
        try Self.requireTool("/usr/bin/curl", package: "curl")
        let dir = TestPaths.tempDir("real-ntfy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, port, requests) = try Self.startHTTP(in: dir)
        defer { server.stop() }
        let script = try Self.ntfyScript(in: dir, url: "http://127.0.0.1:\(port)/earshot-venue-1")
        let place = "Café Süd"
        let alert = Self.alert(location: place)
        let r1 = try Self.runHook(script, alert)
        let health = Self.health(location: place)
        let r2 = try Self.runHook(script, health)
        let (clipURL, clipBytes) = try Self.clip(in: dir)
        let r3 = try Self.runHook(script, Self.alert(location: place, clip: clipURL.path, clipReady: true))
        let r4 = try Self.runHook(script, Self.alert(test: true, incidentEvents: 4))
        #expect([r1, r2, r3, r4].allSatisfy { $0.status == 0 }, "\([r1, r2, r3, r4])")
        let got = requests()
        try #require(got.count == 4, "\(got.count) requests: \(server.stderr)")
        let (a, h, c, d) = (got[0], got[1], got[2], got[3])
        // the alert
        #expect(a.method == "POST" && a.path == "/earshot-venue-1")
        #expect(a.header("Title").map { $0.allSatisfy(\.isASCII) } == true, "header values go as ASCII: \(a.header("Title") ?? "none")")
        #expect(a.header("Title").map(Self.rfc2047) == "Gunshot detected at Café Süd (venue-1)", "\(a.headers)")
        #expect(a.header("Priority") == "urgent" && a.header("Tags") == "rotating_light", "\(a.headers)")
        #expect(a.header("X-Earshot-Score") == "0.973" && a.header("X-Earshot-Device") == "default", "\(a.headers)")
        #expect(a.body == alert.stdin, "the JSON event, unchanged: \(String(decoding: a.body, as: UTF8.self))")
        #expect(Self.jsonObject(a.body)?["location"] as? String == place)
        // the health notice
        #expect(h.method == "POST" && h.header("Title").map(Self.rfc2047) == "Earshot at Café Süd (venue-1): device problem", "\(h.headers)")
        #expect(h.header("Priority") == "high" && h.header("Tags") == "warning" && h.body == health.stdin, "\(h.headers)")
        // the clip, as clip_hook: uploaded whole, with its name
        #expect(c.method == "PUT" && c.path == "/earshot-venue-1", "\(c.method) \(c.path)")
        #expect(c.header("Filename") == Self.clipName && c.header("Priority") == "urgent" && c.header("Tags") == "loud_sound", "\(c.headers)")
        #expect(c.header("Title").map(Self.rfc2047) == "Recording: gunshot at Café Süd (venue-1)", "\(c.headers)")
        #expect(c.header("Message").map(Self.rfc2047)?.contains("Evidence clip of event \(Self.eventID) (score 0.973)") == true, "\(c.headers)")
        #expect(c.body.count == clipBytes.count && c.body == clipBytes, "the clip arrives whole: \(c.body.count) of \(clipBytes.count) bytes")
        // a drill of a shooting that goes on
        #expect(d.header("Title") == "[TEST] Gunshots continue on venue-1: event 4 since 08:40:51.004Z", "\(d.headers)")
    }

    @Test("ntfy/webhook: HTTP 500, the server down or hung — the hook exits non-zero, by its own time limit when hung, saying why")
    func ntfyFailures() throws {
        try Self.requireTool("/usr/bin/curl", package: "curl")
        let dir = TestPaths.tempDir("real-ntfy-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, port, requests) = try Self.startHTTP(in: dir, status: 500)
        defer { server.stop() }
        let script = try Self.ntfyScript(in: dir.appendingPathComponent("500"), url: "http://127.0.0.1:\(port)/earshot-venue-1")
        let (clipURL, _) = try Self.clip(in: dir)
        for event in [Self.alert(), Self.health(), Self.alert(clip: clipURL.path, clipReady: true)] {
            let r = try Self.runHook(script, event)
            #expect(r.status != 0 && r.stderr.contains("500"), "a 500 answer is a page not delivered: \(r)")
        }
        #expect(requests().count == 3, "the requests reached the server, which failed them")
        server.stop()
        let down = try Self.runHook(Self.ntfyScript(in: dir.appendingPathComponent("down"), url: "http://127.0.0.1:\(port)/earshot-venue-1"), Self.alert())
        #expect(down.status != 0 && down.stderr.contains("Failed to connect"), "\(down)")
        let hung = Self.hungServer()
        defer { close(hung.fd) }
        let stuck = try Self.runHook(Self.ntfyScript(in: dir.appendingPathComponent("hung"), url: "http://127.0.0.1:\(hung.port)/t"), Self.alert(), limit: 20)
        #expect(!stuck.killed && stuck.status == 28 && stuck.stderr.contains("timed out"), "ends by curl's --max-time (status 28), not killed: \(stuck)")
    }

    // MARK: heartbeat — curl

    @Test("heartbeat: real curl pings the monitor with the status line; a failed ping exits non-zero and says why")
    func heartbeat() throws {
        try Self.requireTool("/usr/bin/curl", package: "curl")
        let dir = TestPaths.tempDir("real-beat")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, port, requests) = try Self.startHTTP(in: dir)
        defer { server.stop() }
        let beat = { (url: String, sub: String) throws -> URL in
            let d = dir.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            return try Self.edited("heartbeat-ping.sh", in: d, replacing: [("PING_URL=", "PING_URL=\"\(url)\"")])
        }
        var event = Self.health()
        event.env["EARSHOT_HEALTH"] = "heartbeat"; event.env["EARSHOT_PROBLEM"] = "0"
        event.env["EARSHOT_MESSAGE"] = "listening on hw:1 (16000 Hz) · 0 events today"
        let ok = try Self.runHook(beat("http://127.0.0.1:\(port)/ping/abc-123", "ok"), event)
        #expect(ok.status == 0, "\(ok)")
        let got = requests()
        #expect(got.count == 1 && got.first?.path == "/ping/abc-123", "\(got.map(\.path))")
        #expect(got.first.map { String(decoding: $0.body, as: UTF8.self) } == "listening on hw:1 (16000 Hz) · 0 events today")
        // the monitor answering an error, or down: non-zero with curl's reason on stderr — earshotd journals it
        // (a beat is not retried: the next one is); the monitor alarms when the beats stop
        let (failing, failPort, _) = try Self.startHTTP(in: dir, status: 500)
        defer { failing.stop() }
        let e500 = try Self.runHook(beat("http://127.0.0.1:\(failPort)/ping/abc-123", "500"), event)
        #expect(e500.status != 0 && e500.stderr.contains("500"), "\(e500)")
        server.stop()
        let down = try Self.runHook(beat("http://127.0.0.1:\(port)/ping/abc-123", "down"), event)
        #expect(down.status != 0 && down.stderr.contains("Failed to connect"), "\(down)")
    }

    // MARK: e-mail

    @Test("e-mail: real msmtp delivers the alert, a health notice and the clip attachment to an SMTP server, a non-ASCII location RFC 2047-encoded")
    func emailDelivers() throws {
        let dir = TestPaths.tempDir("real-mail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, port, mails) = try Self.startSMTP(in: dir)
        defer { server.stop() }
        let (script, bin, env) = try Self.emailSetup(in: dir, port: port)
        let place = "Café Süd"
        let alert = Self.alert(location: place, incidentEvents: 3)
        let r1 = try Self.runHook(script, alert, pathPrefix: bin, extraEnv: env)
        let r2 = try Self.runHook(script, Self.health(location: place), pathPrefix: bin, extraEnv: env)
        let (clipURL, clipBytes) = try Self.clip(in: dir)
        let r3 = try Self.runHook(script, Self.alert(location: place, clip: clipURL.path, clipReady: true), pathPrefix: bin, extraEnv: env)
        #expect([r1, r2, r3].allSatisfy { $0.status == 0 }, "\([r1, r2, r3])")
        let got = mails()
        try #require(got.count == 3, "\(got.count) mails: \(server.stderr)")
        for m in got {
            #expect(m["rcpt_tos"] as? [String] == ["guard@example.test"] && m["to"] as? String == "guard@example.test", "\(m)")
            #expect(m["from"] as? String == "earshot@venue-1" && m["mail_from"] as? String == "earshot@venue-1", "\(m)")
            #expect((m["subject_raw"] as? String)?.hasPrefix("=?UTF-8?B?") == true, "the Subject is an encoded word: \(m["subject_raw"] ?? "")")
            #expect((m["defects"] as? [String])?.isEmpty == true, "Python's email package finds no defect: \(m["defects"] ?? "")")
        }
        let (a, h, c) = (got[0], got[1], got[2])
        #expect(a["subject"] as? String == "Gunshot detected at Café Süd (venue-1) (score 0.973)", "\(a["subject"] ?? "")")
        let body = Self.text(a)
        for line in ["Earshot at Café Süd (venue-1) heard a probable gunshot.", "It is gunshot event 3 of an incident since 2026-11-25T08:40:51.004Z",
                     "Time:     2026-11-25T08:41:02.123Z", "Score:    0.973", "Device:   default", "Event id: \(Self.eventID)", "Clip:     none"] {
            #expect(body.contains(line), "the body has \(line): \(body)")
        }
        let jsonText = body.components(separatedBy: "Event (JSON):\n").last ?? ""
        #expect(Self.jsonObject(Data(jsonText.utf8))?["event_id"] as? String == Self.eventID && jsonText.hasSuffix("\n"), "\(jsonText)")
        #expect(Self.jsonObject(Data(jsonText.utf8))?["location"] as? String == place)
        #expect(h["subject"] as? String == "Earshot at Café Süd (venue-1): device problem" && Self.text(h).contains("capture device hw:1 unavailable"), "\(h)")
        // the clip, as clip_hook: an audio/wav attachment that decodes to the file's bytes
        #expect(c["subject"] as? String == "Recording: Gunshot detected at Café Süd (venue-1) (score 0.973)", "\(c["subject"] ?? "")")
        let attachment = (c["parts"] as? [[String: Any]] ?? []).first { $0["content_type"] as? String == "audio/wav" }
        #expect(attachment?["filename"] as? String == Self.clipName, "\(c["parts"] ?? "")")
        let decoded = (attachment?["data"] as? String).flatMap { Data(base64Encoded: $0) } ?? Data()
        #expect(decoded.count == clipBytes.count && decoded == clipBytes, "the attachment is the clip: \(decoded.count) of \(clipBytes.count) bytes")
        #expect(Self.text(c).contains("The evidence clip of event \(Self.eventID)"))
    }

    @Test("e-mail: the mail server down, hung or refusing the message — the hook exits non-zero, by its own time limit when hung, saying why")
    func emailFailures() throws {
        let dir = TestPaths.tempDir("real-mail-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, port, mails) = try Self.startSMTP(in: dir, mode: "reject")
        defer { server.stop() }
        let (script, bin, env) = try Self.emailSetup(in: dir.appendingPathComponent("reject"), port: port)
        let (clipURL, _) = try Self.clip(in: dir)
        for event in [Self.alert(), Self.health(), Self.alert(clip: clipURL.path, clipReady: true)] {
            let r = try Self.runHook(script, event, pathPrefix: bin, extraEnv: env)
            #expect(r.status != 0 && r.stderr.contains("451"), "a refused message is a page not delivered: \(r)")
        }
        #expect(mails().isEmpty)
        server.stop()
        let (s2, b2, e2) = try Self.emailSetup(in: dir.appendingPathComponent("down"), port: port)
        let down = try Self.runHook(s2, Self.alert(), pathPrefix: b2, extraEnv: e2)
        #expect(down.status != 0 && down.stderr.contains("Connection refused") && !down.stderr.contains("no answer"), "fails at once, not by the 8 s limit: \(down)")
        let hung = Self.hungServer()
        defer { close(hung.fd) }
        let (s3, b3, e3) = try Self.emailSetup(in: dir.appendingPathComponent("hung"), port: hung.port)
        for event in [Self.alert(), Self.health(), Self.alert(clip: clipURL.path, clipReady: true)] {
            let stuck = try Self.runHook(s3, event, pathPrefix: b3, extraEnv: e3, limit: 20)
            #expect(!stuck.killed && stuck.status == 124, "ends by its own time limit (timeout's status 124), not killed: \(stuck)")
            #expect(stuck.stderr.contains("no answer"), "and says why: \(stuck.stderr)")
        }
    }
}
