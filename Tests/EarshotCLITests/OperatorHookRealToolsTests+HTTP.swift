import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// OperatorHookRealToolsTests' HTTP side: a python3 http.server that records each request, ntfy-webhook.sh edited for it.
extension OperatorHookRealToolsTests {
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
}
