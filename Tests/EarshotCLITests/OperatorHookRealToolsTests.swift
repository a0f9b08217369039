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
    // MARK: the event, as earshotd hands it over

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

    // MARK: tools, ports, processes

    /// Fails (not skips) when a tool is missing: CI installs it with scripts/setup.sh.
    static func requireTool(_ path: String, package: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "\(path) is missing: apt-get install \(package) (scripts/setup.sh --tests installs it)")
    }

    static func requireAiosmtpd() throws {
        try requireTool("/usr/bin/python3", package: "python3")
        let r = try Operator.run("/usr/bin/python3", ["-c", "import aiosmtpd"])
        try #require(r.status == 0, "python3 cannot import aiosmtpd: apt-get install python3-aiosmtpd (scripts/setup.sh --tests installs it)\n\(r.output)")
    }

    /// A TCP socket on 127.0.0.1 (close-on-exec, so no concurrently spawned process inherits it).
    static func socket127(listening: Bool) -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, len)
                _ = getsockname(fd, $0, &len)
            }
        }
        if listening { _ = listen(fd, 16) }
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    /// A port nothing listens on right now (bound, then released).
    static func freePort() -> UInt16 {
        let (fd, port) = socket127(listening: false)
        close(fd)
        return port
    }

    /// A server that hangs: it listens — the kernel completes the connection — but never accepts or answers, like a
    /// broker or mail server that hung, or a half-open connection. Close the descriptor to end it.
    static func hungServer() -> (fd: Int32, port: UInt16) { socket127(listening: true) }

    static func accepts(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    static func wait(_ seconds: Double, until condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// The pids of `pid`'s descendants, read from /proc (to end a hook's children with it, by their ids).
    static func descendants(of pid: Int32) -> [Int32] {
        var parent: [Int32: Int32] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let p = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let pp = Int32(fields[1]) { parent[p] = pp }
        }
        var out: [Int32] = [], frontier = [pid]
        while let p = frontier.popLast() {
            let kids = parent.filter { $0.value == p }.map(\.key)
            out += kids; frontier += kids
        }
        return out
    }

    /// A process the test started (a server, a subscriber), its stdout and stderr in files; `stop()` ends it
    /// (SIGTERM, then SIGKILL) and is safe to call twice — call it in a `defer`, so it runs when an expectation fails.
    final class Proc {
        let process = Process()
        let out: URL, err: URL
        init(_ path: String, _ args: [String], dir: URL, tag: String, environment: [String: String]? = nil) throws {
            out = dir.appendingPathComponent("\(tag).out"); err = dir.appendingPathComponent("\(tag).err")
            FileManager.default.createFile(atPath: out.path, contents: nil)
            FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = args
            if let environment { process.environment = environment }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
        }
        var stdout: Data { (try? Data(contentsOf: out)) ?? Data() }
        var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
        /// Waits up to `seconds` for it to exit by itself.
        func exited(within seconds: Double) -> Bool { OperatorHookRealToolsTests.wait(seconds) { !process.isRunning } }
        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            if !exited(within: 3) { kill(process.processIdentifier, SIGKILL); _ = exited(within: 3) }
        }
    }

    /// A copy of `config/hooks/<name>` in `dir` with whole setting lines replaced, as the README tells an operator to
    /// edit it. Each `old` line must be in the example: a renamed setting fails here rather than testing the default.
    static func edited(_ name: String, in dir: URL, replacing lines: [(old: String, new: String)]) throws -> URL {
        var text = try String(contentsOf: TestPaths.repo.appendingPathComponent("config/hooks/\(name)"), encoding: .utf8)
        for (old, new) in lines {
            var found = false
            text = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                if line.hasPrefix(old) { found = true; return new }
                return String(line)
            }.joined(separator: "\n")
            try #require(found, "config/hooks/\(name) has no line starting with \(old)")
        }
        return try Operator.write(text, to: dir.appendingPathComponent(name), mode: 0o755)
    }

    struct HookRun { var status: Int32; var stderr: String; var seconds: Double; var killed: Bool }

    /// Runs the hook as earshotd does: argv the path alone, cwd /, only PATH and the EARSHOT_* variables (plus
    /// `extraEnv`), the JSON on stdin. One that runs past `limit` seconds is killed with its children (`killed`).
    static func runHook(_ script: URL, _ event: (env: [String: String], stdin: Data), pathPrefix: String? = nil,
                        extraEnv: [String: String] = [:], limit: Double = 25) throws -> HookRun {
        let p = Process()
        p.executableURL = script
        p.currentDirectoryURL = URL(fileURLWithPath: "/")
        var env = event.env.merging(extraEnv) { $1 }
        env["PATH"] = pathPrefix.map { "\($0):\(path)" } ?? path
        p.environment = env
        let errURL = TestPaths.tempDir("hook-stderr").appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL.deletingLastPathComponent()) }
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardOutput = FileHandle.nullDevice
        let input = Pipe()
        p.standardInput = input
        signal(SIGPIPE, SIG_IGN)   // a hook may exit without reading stdin
        let start = Date()
        try p.run()
        try? input.fileHandleForWriting.write(contentsOf: event.stdin)
        try? input.fileHandleForWriting.close()
        let done = wait(limit) { !p.isRunning }
        if !done {
            for pid in [p.processIdentifier] + descendants(of: p.processIdentifier) { kill(pid, SIGKILL) }
            p.waitUntilExit()
        }
        let seconds = Date().timeIntervalSince(start)
        return HookRun(status: p.terminationStatus, stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
                       seconds: seconds, killed: !done)
    }

    /// An encoded word (`=?UTF-8?B?…?=`) decoded; any other value as it is.
    static func rfc2047(_ value: String) -> String {
        guard value.hasPrefix("=?UTF-8?B?"), value.hasSuffix("?="), value.count > 12 else { return value }
        let b64 = value.dropFirst(10).dropLast(2)
        return Data(base64Encoded: String(b64)).map { String(decoding: $0, as: UTF8.self) } ?? value
    }

    static func jsonObject(_ data: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    // MARK: MQTT — mosquitto broker, mosquitto_pub, mosquitto_sub

    static let mqttUser = "earshot", mqttPassword = "hook-s3cret"

    /// Debian's mosquitto in the foreground on a free port, with a password (so only a mosquitto_pub that read its
    /// options file gets in), no persistence; its log on stderr.
    static func startBroker(in dir: URL) throws -> (Proc, UInt16) {
        try requireTool("/usr/sbin/mosquitto", package: "mosquitto")
        try requireTool("/usr/bin/mosquitto_passwd", package: "mosquitto")
        let passwd = dir.appendingPathComponent("passwd")
        let made = try Operator.run("/usr/bin/mosquitto_passwd", ["-b", "-c", passwd.path, mqttUser, mqttPassword])
        try #require(made.status == 0, "mosquitto_passwd: \(made.output)")
        for attempt in 1...3 {
            let port = freePort()
            let conf = try Operator.write("""
                listener \(port) 127.0.0.1
                allow_anonymous false
                password_file \(passwd.path)
                persistence false
                log_dest stderr
                log_type all

                """, to: dir.appendingPathComponent("mosquitto.conf"))
            let broker = try Proc("/usr/sbin/mosquitto", ["-c", conf.path], dir: dir, tag: "mosquitto-\(attempt)")
            if wait(10, until: { accepts(port) || !broker.process.isRunning }), broker.process.isRunning { return (broker, port) }
            broker.stop()   // the port was taken meanwhile: another one
            if attempt == 3 { Issue.record("mosquitto did not start: \(broker.stderr)") }
        }
        throw CLITestError("mosquitto did not start")
    }

    /// mqtt.sh with the broker's host and port, and its options file's directory (XDG_CONFIG_HOME, /etc/earshot in
    /// the example) in the test's directory, holding the login and a client-id prefix as README.md shows.
    static func mqttScript(in dir: URL, port: UInt16, optionsFile: Bool = true) throws -> URL {
        let etc = dir.appendingPathComponent("etc-earshot")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        if optionsFile {
            try Operator.write("-u \(mqttUser)\n-P \(mqttPassword)\n-I earshot-\n", to: etc.appendingPathComponent("mosquitto_pub"), mode: 0o640)
        }
        return try edited("mqtt.sh", in: dir, replacing: [("BROKER=", "BROKER=\"127.0.0.1\""), ("PORT=", "PORT=\(port)"),
                                                          ("export XDG_CONFIG_HOME=", "export XDG_CONFIG_HOME=\"\(etc.path)\"")])
    }

    struct MQTTMessage { var topic: String; var retained: Bool; var qos: Int; var payload: Data }

    /// mosquitto_sub's lines in the format `%t %r %q %x` (topic, retained flag, QoS, payload in hex).
    static func messages(_ output: Data) -> [MQTTMessage] {
        String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: false)
            guard f.count == 4, let q = Int(f[2]) else { return nil }
            var payload = Data(), hex = Array(f[3].utf8), i = 0
            while i + 1 < hex.count { payload.append(UInt8(String(decoding: hex[i...i + 1], as: UTF8.self), radix: 16) ?? 0); i += 2 }
            return MQTTMessage(topic: String(f[0]), retained: f[1] == "1", qos: q, payload: payload)
        }
    }

    /// A real mosquitto_sub on `topics`, QoS 1, exiting after `count` messages or 20 s.
    static func subscribe(port: UInt16, topics: [String], count: Int, dir: URL, tag: String) throws -> Proc {
        try requireTool("/usr/bin/mosquitto_sub", package: "mosquitto-clients")
        return try Proc("/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", String(port), "-u", mqttUser, "-P", mqttPassword, "-q", "1",
                                                   "-C", String(count), "-W", "20", "-F", "%t %r %q %x"] + topics.flatMap { ["-t", $0] },
                        dir: dir, tag: tag)
    }

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

    @Test("MQTT: broker down, hung or refusing the login — the hook fails (earshotd retries) within 10 s, saying why")
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
        #expect(down.status != 0 && down.seconds < 5 && down.stderr.contains("refused"), "\(down)")
        // hung: the connection opens, no CONNACK ever comes
        let hung = Self.hungServer()
        defer { close(hung.fd) }
        let stuck = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("hung"), port: hung.port), Self.alert(), limit: 20)
        #expect(!stuck.killed && stuck.status != 0 && stuck.seconds < 10, "exits before earshotd's hook.timeout (10 s) kills it: \(stuck)")
        #expect(stuck.stderr.contains("no answer"), "and says why: \(stuck.stderr)")
        let stuckClip = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("hung-clip"), port: hung.port),
                                         Self.alert(clip: try Self.clip(in: dir).0.path, clipReady: true), limit: 20)
        #expect(!stuckClip.killed && stuckClip.status != 0 && stuckClip.seconds < 10, "\(stuckClip)")
        let stuckStep = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("hung-inc"), port: hung.port),
                                         Self.incidentStep("alert", seq: 1), limit: 20)
        #expect(!stuckStep.killed && stuckStep.status != 0 && stuckStep.seconds < 10, "\(stuckStep)")
    }

    // MARK: HTTP — curl against python3's http.server

    static let httpServer = """
        import base64, http.server, json, os, sys
        out, status, portfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def record(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                rec = {"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()],
                       "body": base64.b64encode(body).decode()}
                with open(out, "a") as f:
                    f.write(json.dumps(rec) + "\\n")
                reply = b'{"id":"x"}' if status == 200 else b"boom"
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            do_GET = do_POST = do_PUT = record
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(portfile + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(portfile + ".tmp", portfile)
        server.serve_forever()
        """

    struct HTTPRequest {
        var method: String, path: String, headers: [(String, String)], body: Data
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// A local HTTP server answering every request with `status`, recording each; returns it, its port and a reader.
    static func startHTTP(in dir: URL, status: Int = 200) throws -> (Proc, UInt16, () -> [HTTPRequest]) {
        try requireTool("/usr/bin/python3", package: "python3")
        let script = try Operator.write(httpServer, to: dir.appendingPathComponent("http-server.py"))
        let log = dir.appendingPathComponent("requests-\(status).jsonl"), portFile = dir.appendingPathComponent("http-port-\(status)")
        let server = try Proc("/usr/bin/python3", [script.path, log.path, String(status), portFile.path], dir: dir, tag: "http-\(status)")
        let started = wait(10) { FileManager.default.fileExists(atPath: portFile.path) || !server.process.isRunning }
        guard started, server.process.isRunning, let port = UInt16((try? String(contentsOf: portFile, encoding: .utf8)) ?? "") else {
            server.stop()
            throw CLITestError("the HTTP server did not start: \(server.stderr)")
        }
        let read = { () -> [HTTPRequest] in
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let o = jsonObject(Data(line.utf8)), let m = o["method"] as? String, let p = o["path"] as? String,
                      let h = o["headers"] as? [[String]], let b = o["body"] as? String else { return nil }
                return HTTPRequest(method: m, path: p, headers: h.map { ($0[0], $0[1]) }, body: Data(base64Encoded: b) ?? Data())
            }
        }
        return (server, port, read)
    }

    static func ntfyScript(in dir: URL, url: String) throws -> URL {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try edited("ntfy-webhook.sh", in: dir, replacing: [("NTFY_URL=", "NTFY_URL=\"\(url)\"   # your topic")])
    }

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

    @Test("ntfy/webhook: HTTP 500, the server down or hung — the hook exits non-zero within 10 s, saying why")
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
        #expect(down.status != 0 && down.seconds < 5 && down.stderr.contains("Failed to connect"), "\(down)")
        let hung = Self.hungServer()
        defer { close(hung.fd) }
        let stuck = try Self.runHook(Self.ntfyScript(in: dir.appendingPathComponent("hung"), url: "http://127.0.0.1:\(hung.port)/t"), Self.alert(), limit: 20)
        #expect(!stuck.killed && stuck.status != 0 && stuck.seconds < 10 && stuck.stderr.contains("timed out"), "\(stuck)")
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
        #expect(down.status != 0 && down.seconds < 5 && down.stderr.contains("Failed to connect"), "\(down)")
    }

    // MARK: e-mail — msmtp as sendmail, aiosmtpd

    static let smtpServer = """
        import asyncio, base64, email, email.policy, json, os, sys
        from aiosmtpd.smtp import SMTP
        outdir, mode, portfile = sys.argv[1], sys.argv[2], sys.argv[3]
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if mode == "reject":
                    return "451 4.3.0 Mailbox unavailable, try again later"
                msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
                raw = email.message_from_bytes(envelope.original_content)
                parts = []
                for part in msg.walk():
                    if part.is_multipart():
                        continue
                    data = part.get_payload(decode=True) or b""
                    parts.append({"content_type": part.get_content_type(), "filename": part.get_filename(),
                                  "charset": part.get_content_charset(), "data": base64.b64encode(data).decode()})
                rec = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "from": str(msg["From"]), "to": str(msg["To"]), "subject": str(msg["Subject"]),
                       "subject_raw": raw["Subject"], "defects": [repr(d) for p in msg.walk() for d in p.defects], "parts": parts}
                n = len([f for f in os.listdir(outdir) if f.startswith("mail-")])
                tmp = os.path.join(outdir, ".tmp")
                with open(tmp, "w") as f:
                    json.dump(rec, f)
                os.rename(tmp, os.path.join(outdir, "mail-%03d.json" % n))
                return "250 2.0.0 OK"
        async def main():
            srv = await asyncio.get_running_loop().create_server(lambda: SMTP(Handler()), "127.0.0.1", 0)
            with open(portfile + ".tmp", "w") as f:
                f.write(str(srv.sockets[0].getsockname()[1]))
            os.rename(portfile + ".tmp", portfile)
            await srv.serve_forever()
        asyncio.run(main())
        """

    /// aiosmtpd on a free port storing each message, parsed by Python's email package, as mail-NNN.json in `dir/mail`.
    static func startSMTP(in dir: URL, mode: String = "store") throws -> (Proc, UInt16, () -> [[String: Any]]) {
        try requireAiosmtpd()
        let script = try Operator.write(smtpServer, to: dir.appendingPathComponent("smtp-server.py"))
        let out = dir.appendingPathComponent("mail-\(mode)"), portFile = dir.appendingPathComponent("smtp-port-\(mode)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let server = try Proc("/usr/bin/python3", [script.path, out.path, mode, portFile.path], dir: dir, tag: "smtp-\(mode)")
        let started = wait(15) { FileManager.default.fileExists(atPath: portFile.path) || !server.process.isRunning }
        guard started, server.process.isRunning, let port = UInt16((try? String(contentsOf: portFile, encoding: .utf8)) ?? "") else {
            server.stop()
            throw CLITestError("the SMTP server did not start: \(server.stderr)")
        }
        let read = { () -> [[String: Any]] in
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.hasPrefix("mail-") }.sorted()
            return files.compactMap { (try? Data(contentsOf: out.appendingPathComponent($0))).flatMap(jsonObject) }
        }
        return (server, port, read)
    }

    /// email.sh with TO set, and a PATH directory whose `sendmail` is msmtp (what msmtp-mta installs) configured as
    /// README.md says for /etc/msmtprc — here the user file ~/.msmtprc of a HOME in the test's directory, so nothing
    /// is written to /etc. Returns the script, the PATH prefix and the extra environment (HOME).
    static func emailSetup(in dir: URL, port: UInt16) throws -> (URL, String, [String: String]) {
        try requireTool("/usr/bin/msmtp", package: "msmtp")
        let bin = dir.appendingPathComponent("bin"), home = dir.appendingPathComponent("home")
        for d in [bin, home] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("sendmail").path, withDestinationPath: "/usr/bin/msmtp")
        try Operator.write("""
            account default
            host 127.0.0.1
            port \(port)
            tls off
            auth off
            from earshot@venue-1
            syslog LOG_MAIL
            """ + "\n", to: home.appendingPathComponent(".msmtprc"), mode: 0o600)
        let script = try edited("email.sh", in: dir, replacing: [("TO=", "TO=\"guard@example.test\"")])
        return (script, bin.path, ["HOME": home.path])
    }

    static func text(_ mail: [String: Any]) -> String {
        let parts = mail["parts"] as? [[String: Any]] ?? []
        return parts.filter { $0["content_type"] as? String == "text/plain" }
            .compactMap { ($0["data"] as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } }
            .joined(separator: "\n").replacingOccurrences(of: "\r\n", with: "\n")   // SMTP's line ends
    }

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

    @Test("e-mail: the mail server down, hung or refusing the message — the hook exits non-zero within 10 s, saying why")
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
        #expect(down.status != 0 && down.seconds < 5 && down.stderr.contains("Connection refused"), "\(down)")
        let hung = Self.hungServer()
        defer { close(hung.fd) }
        let (s3, b3, e3) = try Self.emailSetup(in: dir.appendingPathComponent("hung"), port: hung.port)
        for event in [Self.alert(), Self.health(), Self.alert(clip: clipURL.path, clipReady: true)] {
            let stuck = try Self.runHook(s3, event, pathPrefix: b3, extraEnv: e3, limit: 20)
            #expect(!stuck.killed && stuck.status != 0 && stuck.seconds < 10, "exits before earshotd's hook.timeout (10 s) kills it: \(stuck)")
            #expect(stuck.stderr.contains("no answer"), "and says why: \(stuck.stderr)")
        }
    }
}
