import Foundation
import Testing

@Suite("config/hooks examples run against stand-in curl / mosquitto_pub / sendmail")
struct OperatorHookExampleTests {
    static let event = #"{"clip":"/var/lib/earshot/clips/a.wav","device":"default","event_id":"e-1","host":"venue-1","model":"m","score":0.973,"start":"2026-11-25T08:41:02.123Z","test":true}"# + "\n"

    /// Runs `config/hooks/<name>` as earshotd would (EARSHOT_* env, the JSON on stdin) with a PATH whose
    /// `tool` records its arguments and stdin; returns (status, recorded args, recorded stdin).
    static func run(_ name: String, tool: String) throws -> (Int32, String, String) {
        let dir = TestPaths.tempDir("op-example")
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        _ = try Operator.write("#!/bin/sh\nprintf '%s\\n' \"$@\" > '\(dir.path)/args'\ncat > '\(dir.path)/stdin'\n",
                               to: bin.appendingPathComponent(tool), mode: 0o755)
        let p = Process()
        p.executableURL = TestPaths.repo.appendingPathComponent("config/hooks/\(name)")
        p.environment = ["PATH": bin.path + ":/usr/bin:/bin", "EARSHOT_EVENT_ID": "e-1", "EARSHOT_SCORE": "0.973",
                         "EARSHOT_START": "2026-11-25T08:41:02.123Z", "EARSHOT_DEVICE": "default", "EARSHOT_MODEL": "m",
                         "EARSHOT_CLIP": "/var/lib/earshot/clips/a.wav", "EARSHOT_HOST": "venue-1", "EARSHOT_TEST": "1"]
        let input = Pipe()
        p.standardInput = input
        try p.run()
        input.fileHandleForWriting.write(Data(event.utf8))
        try input.fileHandleForWriting.close()
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

    @Test("MQTT example publishes the JSON event to the test topic")
    func mqtt() throws {
        let (status, args, stdin) = try Self.run("mqtt.sh", tool: "mosquitto_pub")
        #expect(status == 0)
        #expect(args.contains("earshot/venue-1/test") && args.contains("-s"))
        #expect(stdin == Self.event)
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
}
