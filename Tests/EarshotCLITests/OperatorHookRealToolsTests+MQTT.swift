import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// OperatorHookRealToolsTests' MQTT side: Debian's mosquitto broker, mqtt.sh edited for it, a real mosquitto_sub.
extension OperatorHookRealToolsTests {
    static let mqttUser = "earshot", mqttPassword = "hook-s3cret"

    /// Debian's mosquitto in the foreground on a free port, with a password (so only a mosquitto_pub that read its
    /// options file gets in), no persistence; its log on stderr. With `tls`, the port is a TLS listener only, with
    /// that server certificate and key.
    static func startBroker(in dir: URL, tls: TLSFiles? = nil) throws -> (Proc, UInt16) {
        try requireTool("/usr/sbin/mosquitto", package: "mosquitto")
        try requireTool("/usr/bin/mosquitto_passwd", package: "mosquitto")
        let passwd = dir.appendingPathComponent("passwd")
        let made = try Operator.run("/usr/bin/mosquitto_passwd", ["-b", "-c", passwd.path, mqttUser, mqttPassword])
        try #require(made.status == 0, "mosquitto_passwd: \(made.output)")
        for attempt in 1...3 {
            let port = freePort()
            let conf = try Operator.write("""
                listener \(port) 127.0.0.1
                \(tls.map { "cafile \($0.ca.path)\ncertfile \($0.cert.path)\nkeyfile \($0.key.path)" } ?? "")
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
    /// the example) in the test's directory, holding the login and a client-id prefix as README.md shows — and,
    /// given `cafile`, `--cafile` naming it, as mqtt.sh's comment shows for TLS.
    static func mqttScript(in dir: URL, port: UInt16, optionsFile: Bool = true, cafile: URL? = nil) throws -> URL {
        let etc = dir.appendingPathComponent("etc-earshot")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        if optionsFile {
            let tls = cafile.map { "--cafile \($0.path)\n" } ?? ""
            try Operator.write("-u \(mqttUser)\n-P \(mqttPassword)\n\(tls)-I earshot-\n", to: etc.appendingPathComponent("mosquitto_pub"), mode: 0o640)
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

    /// A real mosquitto_sub on `topics`, QoS 1, exiting after `count` messages or 20 s; over TLS given `cafile`.
    static func subscribe(port: UInt16, topics: [String], count: Int, dir: URL, tag: String, cafile: URL? = nil) throws -> Proc {
        try requireTool("/usr/bin/mosquitto_sub", package: "mosquitto-clients")
        return try Proc("/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", String(port), "-u", mqttUser, "-P", mqttPassword, "-q", "1",
                                                   "-C", String(count), "-W", "20", "-F", "%t %r %q %x"] + topics.flatMap { ["-t", $0] }
                            + (cafile.map { ["--cafile", $0.path] } ?? []),
                        dir: dir, tag: tag)
    }
}
