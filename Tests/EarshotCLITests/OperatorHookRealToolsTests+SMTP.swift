import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// OperatorHookRealToolsTests' e-mail side: aiosmtpd storing each message, email.sh and msmtp (as sendmail) set up for it.
extension OperatorHookRealToolsTests {
    /// The SMTP server: aiosmtpd storing each message with what Python's email package makes of it — parsed under
    /// policy.default and policy.strict, its defects and its headers' defects, each header block's raw lines, each
    /// part's Content-Transfer-Encoding. Given a certificate, key, user and password it wants STARTTLS first, then
    /// AUTH as that user (refused without TLS), and records each login attempt in auth.jsonl.
    static let smtpServer = """
        import asyncio, base64, email, email.policy, json, os, ssl, sys
        from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
        outdir, mode, portfile = sys.argv[1], sys.argv[2], sys.argv[3]
        tls = sys.argv[4:8]   # certfile keyfile user password: STARTTLS required, then AUTH as that user
        def log(name, rec):
            with open(os.path.join(outdir, name), "a") as f:
                f.write(json.dumps(rec) + "\\n")
        def authenticator(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (tls[2].encode(), tls[3].encode())
            login = data.login.decode() if isinstance(data, LoginPassword) else None
            log("auth.jsonl", {"mechanism": mechanism, "login": login, "ok": ok, "tls": session.ssl is not None})
            return AuthResult(success=ok, handled=False, auth_data=login if ok else None)
        def header_lines(raw, boundaries):
            out, in_header = [], True
            for line in raw.replace(b"\\r\\n", b"\\n").split(b"\\n"):
                if in_header:
                    if line == b"":
                        in_header = False
                    else:
                        out.append(line.decode("utf-8", "replace"))
                elif line.rstrip() in boundaries:
                    in_header = True
            return out
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if mode == "reject":
                    return "451 4.3.0 Mailbox unavailable, try again later"
                raw = envelope.original_content
                msg = email.message_from_bytes(raw, policy=email.policy.default)
                try:
                    strict = email.message_from_bytes(raw, policy=email.policy.strict)
                    for p in strict.walk():
                        for k, v in p.items():
                            str(v)
                    strict_error = None
                except Exception as e:
                    strict_error = repr(e)
                parts = []
                for part in msg.walk():
                    if part.is_multipart():
                        continue
                    data = part.get_payload(decode=True) or b""
                    parts.append({"content_type": part.get_content_type(), "filename": part.get_filename(),
                                  "charset": part.get_content_charset(), "cte": part.get("Content-Transfer-Encoding"),
                                  "data": base64.b64encode(data).decode()})
                boundaries = {b"--" + p.get_boundary().encode() for p in msg.walk() if p.is_multipart()}
                rec = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "from": str(msg["From"]), "to": str(msg["To"]), "subject": str(msg["Subject"]),
                       "subject_raw": email.message_from_bytes(raw)["Subject"],
                       "defects": [repr(d) for p in msg.walk() for d in p.defects],
                       "header_defects": ["%s: %r" % (k, d) for p in msg.walk() for k, v in p.items() for d in v.defects],
                       "strict_error": strict_error, "header_lines": header_lines(raw, boundaries), "cte": msg.get("Content-Transfer-Encoding"),
                       "tls": session.ssl is not None, "login": session.auth_data if session.authenticated else None, "parts": parts}
                n = len([f for f in os.listdir(outdir) if f.startswith("mail-")])
                tmp = os.path.join(outdir, ".tmp")
                with open(tmp, "w") as f:
                    json.dump(rec, f)
                os.rename(tmp, os.path.join(outdir, "mail-%03d.json" % n))
                return "250 2.0.0 OK"
        def smtp():
            if not tls:
                return SMTP(Handler())
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(tls[0], tls[1])
            return SMTP(Handler(), tls_context=context, require_starttls=True,
                        authenticator=authenticator, auth_required=True, auth_require_tls=True)
        async def main():
            srv = await asyncio.get_running_loop().create_server(smtp, "127.0.0.1", 0)
            with open(portfile + ".tmp", "w") as f:
                f.write(str(srv.sockets[0].getsockname()[1]))
            os.rename(portfile + ".tmp", portfile)
            await srv.serve_forever()
        asyncio.run(main())
        """

    /// A login the SMTP server wants, over STARTTLS with `cert` and `key`.
    struct SMTPLogin { var cert: URL, key: URL, user: String, password: String }

    /// aiosmtpd on a free port storing each message, parsed by Python's email package, as mail-NNN.json in
    /// `dir/mail-<mode>` (`-tls` added with a login; its login attempts in auth.jsonl there).
    static func startSMTP(in dir: URL, mode: String = "store", login: SMTPLogin? = nil) throws -> (Proc, UInt16, () -> [[String: Any]]) {
        try requireAiosmtpd()
        let script = try Operator.write(smtpServer, to: dir.appendingPathComponent("smtp-server.py"))
        let tag = login == nil ? mode : "\(mode)-tls"
        let out = dir.appendingPathComponent("mail-\(tag)"), portFile = dir.appendingPathComponent("smtp-port-\(tag)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let tlsArgs = login.map { [$0.cert.path, $0.key.path, $0.user, $0.password] } ?? []
        let server = try Proc("/usr/bin/python3", [script.path, out.path, mode, portFile.path] + tlsArgs, dir: dir, tag: "smtp-\(tag)")
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
    /// is written to /etc. Without `login`, plain SMTP (tls off, auth off); with it, README.md's own example
    /// /etc/msmtprc (STARTTLS and a login) with the server, its CA as tls_trust_file and the login filled in.
    /// Returns the script, the PATH prefix and the extra environment (HOME).
    static func emailSetup(in dir: URL, port: UInt16, login: (trustFile: URL, user: String, password: String)? = nil) throws -> (URL, String, [String: String]) {
        try requireTool("/usr/bin/msmtp", package: "msmtp")
        let bin = dir.appendingPathComponent("bin"), home = dir.appendingPathComponent("home")
        for d in [bin, home] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("sendmail").path, withDestinationPath: "/usr/bin/msmtp")
        let rc = try login.map {
            try readmeMsmtprc(setting: ["host": "127.0.0.1", "port": String(port), "tls_trust_file": $0.trustFile.path,
                                        "user": $0.user, "password": $0.password, "from": "earshot@venue-1"])
        } ?? """
            account default
            host 127.0.0.1
            port \(port)
            tls off
            auth off
            from earshot@venue-1
            syslog LOG_MAIL
            """ + "\n"
        try Operator.write(rc, to: home.appendingPathComponent(".msmtprc"), mode: 0o600)
        let script = try edited("email.sh", in: dir, replacing: [("TO=", "TO=\"guard@example.test\"")])
        return (script, bin.path, ["HOME": home.path])
    }

    static func text(_ mail: [String: Any]) -> String {
        let parts = mail["parts"] as? [[String: Any]] ?? []
        return parts.filter { $0["content_type"] as? String == "text/plain" }
            .compactMap { ($0["data"] as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } }
            .joined(separator: "\n").replacingOccurrences(of: "\r\n", with: "\n")   // SMTP's line ends
    }
}
