import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// OperatorHookRealToolsTests' e-mail side: aiosmtpd storing each message, email.sh and msmtp (as sendmail) set up for it.
extension OperatorHookRealToolsTests {
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
}
