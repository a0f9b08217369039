import Foundation
import Testing

/// OperatorHookRealToolsTests' TLS side: a real operator's broker and mail server use TLS and a login. A throw-away
/// CA and server certificate made with openssl at test time; mosquitto with a TLS listener and a password, aiosmtpd
/// with STARTTLS and AUTH; mqtt.sh and email.sh (msmtp) configured as their comments and README.md tell an operator.
extension OperatorHookRealToolsTests {
    /// A throw-away CA, the server certificate and key it signed, and another CA that signed nothing (a wrong CA).
    struct TLSFiles { var ca: URL, cert: URL, key: URL, otherCA: URL }

    /// Makes TLSFiles in `dir/tls` with openssl: EC P-256 keys, valid two days, the server's for 127.0.0.1 and
    /// localhost (subjectAltName: both clients check the name they connected to).
    static func makeCertificates(in dir: URL) throws -> TLSFiles {
        try requireTool("/usr/bin/openssl", package: "openssl")
        let d = dir.appendingPathComponent("tls")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        let path = { (name: String) in d.appendingPathComponent(name).path }
        let openssl = { (args: [String]) throws in
            let r = try Operator.run("/usr/bin/openssl", args)
            try #require(r.status == 0, "openssl \(args.joined(separator: " ")): \(r.output)")
        }
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "other-ca"] {
            try openssl(["req", "-x509"] + newKey + ["-keyout", path("\(ca).key"), "-out", path("\(ca).pem"), "-days", "2",
                                                     "-subj", "/CN=Earshot test \(ca)", "-addext", "basicConstraints=critical,CA:TRUE",
                                                     "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        try openssl(["req"] + newKey + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        try Operator.write("""
            subjectAltName=IP:127.0.0.1,DNS:localhost
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth

            """, to: d.appendingPathComponent("server.ext"))
        try openssl(["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-set_serial", "1",
                     "-days", "2", "-extfile", path("server.ext"), "-out", path("server.pem")])
        // mosquitto started as root reads its key after dropping to the user mosquitto: a throw-away key, readable
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path("server.key"))
        return TLSFiles(ca: URL(fileURLWithPath: path("ca.pem")), cert: URL(fileURLWithPath: path("server.pem")),
                        key: URL(fileURLWithPath: path("server.key")), otherCA: URL(fileURLWithPath: path("other-ca.pem")))
    }

    /// config/hooks/README.md's example /etc/msmtprc ("Secrets and mail") with the values of `setting`'s keys
    /// replaced, as an operator fills it in; each key must be in the example (a renamed one fails here).
    static func readmeMsmtprc(setting: [String: String]) throws -> String {
        let readme = try String(contentsOf: TestPaths.repo.appendingPathComponent("config/hooks/README.md"), encoding: .utf8)
        let block = readme.components(separatedBy: "E-mail: `email.sh` needs").dropFirst().first?
            .components(separatedBy: "```\n").dropFirst().first ?? ""
        try #require(block.hasPrefix("account default\n"), "README.md's E-mail paragraph has no example msmtprc: \(block)")
        var missing = Set(setting.keys)
        let lines = block.split(separator: "\n").map { line -> String in
            guard let key = line.split(separator: " ").first.map(String.init), let value = setting[key] else { return String(line) }
            missing.remove(key)
            return "\(key) \(value)"
        }
        try #require(missing.isEmpty, "README.md's example msmtprc has no \(missing.sorted())")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The SMTP server's login attempts (auth.jsonl in its directory): mechanism, login, ok, tls.
    static func smtpLogins(in dir: URL) -> [[String: Any]] {
        let text = (try? String(contentsOf: dir.appendingPathComponent("mail-store-tls/auth.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { jsonObject(Data($0.utf8)) }
    }

    @Test("MQTT over TLS with a login: mqtt.sh with --cafile in its options file publishes the alert byte for byte; a wrong CA, or no --cafile, fails the hook and publishes nothing")
    func mqttTLS() throws {
        try Self.requireTool("/usr/bin/mosquitto_pub", package: "mosquitto-clients")
        let dir = TestPaths.tempDir("real-mqtt-tls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tls = try Self.makeCertificates(in: dir)
        let (broker, port) = try Self.startBroker(in: dir, tls: tls)
        defer { broker.stop() }
        // the subscriber, over TLS too, is subscribed once it got the retained "ready" message
        let ready = try Operator.run("/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-u", Self.mqttUser, "-P", Self.mqttPassword,
                                                                "--cafile", tls.ca.path, "-r", "-t", "ready", "-m", "1"])
        try #require(ready.status == 0, "\(ready.output)")
        let sub = try Self.subscribe(port: port, topics: ["earshot/#", "ready"], count: 2, dir: dir, tag: "sub", cafile: tls.ca)
        defer { sub.stop() }
        try #require(Self.wait(10) { !Self.messages(sub.stdout).isEmpty }, "mosquitto_sub got nothing: \(sub.stderr)")

        // a wrong CA: the broker's certificate is not trusted — non-zero, TLS named on stderr, not by the time limit
        let wrongCA = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("wrong-ca"), port: port, cafile: tls.otherCA),
                                       Self.alert(location: "wrong CA"))
        #expect(wrongCA.status != 0 && wrongCA.status != 124 && !wrongCA.killed, "\(wrongCA)")
        #expect(wrongCA.stderr.contains("TLS error"), "mosquitto_pub says it is TLS: \(wrongCA.stderr)")
        // no --cafile: mosquitto_pub speaks plain MQTT to the TLS port, which drops it — the page fails, not sent in clear
        let plain = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("plain"), port: port), Self.alert(location: "no cafile"))
        #expect(plain.status != 0 && plain.status != 124 && !plain.killed, "\(plain)")

        let alert = Self.alert(location: "Café Süd")
        let ok = try Self.runHook(Self.mqttScript(in: dir.appendingPathComponent("ok"), port: port, cafile: tls.ca), alert)
        #expect(ok.status == 0 && !ok.killed, "\(ok)")
        #expect(sub.exited(within: 15), "mosquitto_sub did not get the alert")
        let got = Self.messages(sub.stdout).filter { $0.topic != "ready" }
        #expect(got.count == 1 && got.first?.topic == "earshot/venue-1/alert", "\(got.map(\.topic))")
        #expect(got.first?.payload == alert.stdin, "the alert's JSON arrives byte for byte: \(String(decoding: got.first?.payload ?? Data(), as: UTF8.self))")
        // the broker's side: the wrong CA's handshake refused, the login over TLS, and only two PUBLISH (ready, alert)
        let log = broker.stderr
        #expect(log.contains("unknown ca"), "the broker saw the client reject its certificate: \(log)")
        #expect(log.contains("as earshot-") && log.contains("u'earshot'"), "mqtt.sh logged in from its options file: \(log)")
        #expect(log.components(separatedBy: "Received PUBLISH from").count - 1 == 2, "nothing published but ready and the alert: \(log)")
    }

    @Test("e-mail over STARTTLS with a login: msmtp configured as README.md says delivers, and the server saw the login over TLS; a wrong password or trust file fails the hook, saying why")
    func emailTLS() throws {
        let dir = TestPaths.tempDir("real-mail-tls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tls = try Self.makeCertificates(in: dir)
        let (user, password) = ("earshot", "smtp-s3cret")
        let (server, port, mails) = try Self.startSMTP(in: dir, login: SMTPLogin(cert: tls.cert, key: tls.key, user: user, password: password))
        defer { server.stop() }
        let (script, bin, env) = try Self.emailSetup(in: dir.appendingPathComponent("ok"), port: port, login: (tls.ca, user, password))
        let r1 = try Self.runHook(script, Self.alert(location: "Café Süd"), pathPrefix: bin, extraEnv: env)
        let r2 = try Self.runHook(script, Self.health(location: "Café Süd"), pathPrefix: bin, extraEnv: env)
        #expect(r1.status == 0 && r2.status == 0, "\(r1) \(r2)")
        let got = mails()
        try #require(got.count == 2, "\(got.count) mails: \(server.stderr)")
        for mail in got {
            #expect(mail["tls"] as? Bool == true && mail["login"] as? String == user, "delivered over TLS by the logged-in user: \(mail["tls"] ?? "") \(mail["login"] ?? "")")
            #expect(mail["rcpt_tos"] as? [String] == ["guard@example.test"], "\(mail)")
        }
        #expect(got.first?["subject"] as? String == "Gunshot detected at Café Süd (venue-1) (score 0.973)", "\(got.first?["subject"] ?? "")")
        let logins = Self.smtpLogins(in: dir)
        #expect(logins.count == 2 && logins.allSatisfy { $0["ok"] as? Bool == true && $0["tls"] as? Bool == true && $0["login"] as? String == user },
                "the server saw the login, over TLS: \(logins)")

        // a wrong password: the server refuses the login (535), msmtp says so, nothing is sent
        let (s2, b2, e2) = try Self.emailSetup(in: dir.appendingPathComponent("wrong-password"), port: port, login: (tls.ca, user, "not-it"))
        let badLogin = try Self.runHook(s2, Self.alert(), pathPrefix: b2, extraEnv: e2)
        #expect(badLogin.status != 0 && badLogin.status != 124 && !badLogin.killed, "\(badLogin)")
        #expect(badLogin.stderr.contains("authentication failed") && badLogin.stderr.contains("535"), "msmtp's reason: \(badLogin.stderr)")
        #expect(Self.smtpLogins(in: dir).last?["ok"] as? Bool == false, "the server refused that login: \(Self.smtpLogins(in: dir))")
        // a wrong trust file: msmtp does not trust the server's certificate and sends no password at all
        let (s3, b3, e3) = try Self.emailSetup(in: dir.appendingPathComponent("wrong-trust"), port: port, login: (tls.otherCA, user, password))
        let badTrust = try Self.runHook(s3, Self.alert(), pathPrefix: b3, extraEnv: e3)
        #expect(badTrust.status != 0 && badTrust.status != 124 && !badTrust.killed, "\(badTrust)")
        #expect(badTrust.stderr.contains("TLS certificate verification failed"), "msmtp's reason: \(badTrust.stderr)")
        #expect(Self.smtpLogins(in: dir).count == 3, "no login attempt with an untrusted certificate: \(Self.smtpLogins(in: dir))")
        #expect(mails().count == 2, "nothing more was delivered")
    }
}
