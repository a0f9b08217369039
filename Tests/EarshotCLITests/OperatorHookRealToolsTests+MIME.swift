import Foundation
import Testing

/// OperatorHookRealToolsTests' MIME checks: what email.sh and ntfy-webhook.sh make of a long location outside ASCII,
/// as a real msmtp delivers it and Python's email package reads it, and as real curl sends it.
extension OperatorHookRealToolsTests {
    /// A location mixing 1-, 2-, 3- and 4-byte UTF-8 characters, long enough that a Subject needs several encoded words.
    static let longPlace = "Café Süd — Halle 北 🎫 Eingang Ost, Tribüne Nord Block C"
    /// An ASCII location long enough that the Subject passes 78 characters.
    static let longASCIIPlace = "North entrance, the long corridor by the sports hall"

    /// The encoded words (`=?…?=`) among a header value's white-space separated tokens.
    static func encodedWords(_ value: String) -> [Substring] {
        value.split { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }.filter { $0.hasPrefix("=?") && $0.hasSuffix("?=") }
    }

    /// A header's raw lines (the first and its folded continuations) among a header block's lines.
    static func headerLines(_ name: String, in lines: [String]) -> [String] {
        guard let i = lines.firstIndex(where: { $0.lowercased().hasPrefix(name.lowercased() + ":") }) else { return [] }
        return [lines[i]] + lines[(i + 1)...].prefix { $0.hasPrefix(" ") || $0.hasPrefix("\t") }
    }

    /// RFC 2047's and RFC 5322's limits, the brief's checks on a header value: every raw header line at most 78
    /// characters and ASCII; the Subject, when `encoded`, made of several encoded words only, each at most 75
    /// characters and UTF-8 on its own (never cut inside a character), which decoded give `subject`.
    static func checkHeaders(_ mail: [String: Any], subject: String, encoded: Bool, _ what: String) {
        let lines = mail["header_lines"] as? [String] ?? []
        #expect(lines.count >= 5, "\(what): header lines \(lines)")
        for line in lines {
            #expect(line.utf8.count <= 78 && line.allSatisfy(\.isASCII), "\(what): a header line over 78 characters or not ASCII (\(line.count)): \(line)")
        }
        let subjectLines = headerLines("Subject", in: lines)
        let value = subjectLines.joined(separator: "\n").dropFirst("Subject:".count)
        if encoded {
            let words = encodedWords(String(value))
            #expect(words.count > 1 && words.count == value.split(whereSeparator: \.isWhitespace).count,
                    "\(what): the Subject is several encoded words and nothing else: \(subjectLines)")
            for word in words {
                #expect(word.count <= 75, "\(what): an encoded word over 75 characters (\(word.count)): \(word)")
                #expect(Operator.decodeEncodedWords(String(word)) != nil, "\(what): a word that is not UTF-8 on its own (cut inside a character): \(word)")
            }
            #expect(Operator.decodeEncodedWords(String(value)) == subject, "\(what): the words decoded, each alone: \(subjectLines)")
        } else {
            #expect(encodedWords(String(value)).isEmpty, "\(what): an ASCII Subject goes as it is: \(subjectLines)")
        }
        // what a mail reader shows: Python's email package, unfolded and decoded
        #expect(mail["subject"] as? String == subject, "\(what): Python reads the Subject \(mail["subject"] ?? "none")")
        #expect(mail["strict_error"] is NSNull, "\(what): email.policy.strict raised \(mail["strict_error"] ?? "")")
        #expect((mail["defects"] as? [String])?.isEmpty == true && (mail["header_defects"] as? [String])?.isEmpty == true,
                "\(what): defects \(mail["defects"] ?? "") \(mail["header_defects"] ?? "")")
    }

    /// Every text/plain part: UTF-8, `Content-Transfer-Encoding: 8bit` (its raw UTF-8 is not the 7-bit default), and
    /// its text, decoded, has `expected`.
    static func checkTextParts(_ mail: [String: Any], contain expected: String, _ what: String) {
        let texts = (mail["parts"] as? [[String: Any]] ?? []).filter { $0["content_type"] as? String == "text/plain" }
        #expect(texts.count == 1, "\(what): one text part: \(mail["parts"] ?? "")")
        for part in texts {
            #expect(part["cte"] as? String == "8bit", "\(what): the text part's Content-Transfer-Encoding is \(part["cte"] ?? "none")")
            #expect(part["charset"] as? String == "utf-8", "\(what): charset \(part["charset"] ?? "none")")
        }
        #expect(text(mail).contains(expected), "\(what): the text has \(expected): \(text(mail))")
    }

    @Test("e-mail: a long Subject outside ASCII goes as encoded words of ≤ 75 characters, cut between characters, on header lines of ≤ 78; a long ASCII one is folded; every text part says 8bit; Python's strict parser finds no defect")
    func emailMIME() throws {
        let dir = TestPaths.tempDir("real-mail-mime")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, port, mails) = try Self.startSMTP(in: dir)
        defer { server.stop() }
        let (script, bin, env) = try Self.emailSetup(in: dir, port: port)
        let (clipURL, _) = try Self.clip(in: dir)
        let at = "at \(Self.longPlace) (venue-1)"
        let runs: [(event: (env: [String: String], stdin: Data), subject: String, text: String)] = [
            (Self.alert(location: Self.longPlace), "Gunshot detected \(at) (score 0.973)", "Earshot \(at) heard a probable gunshot."),
            (Self.health(location: Self.longPlace), "Earshot \(at): device problem", "capture device hw:1 unavailable"),
            (Self.alert(test: true, location: Self.longPlace, clip: clipURL.path, clipReady: true),
             "Recording: [TEST] Gunshot detected \(at) (score 0.973)", "The evidence clip of event \(Self.eventID)"),
            (Self.alert(location: Self.longASCIIPlace), "Gunshot detected at \(Self.longASCIIPlace) (venue-1) (score 0.973)",
             "Earshot at \(Self.longASCIIPlace) (venue-1) heard a probable gunshot."),
        ]
        for run in runs {
            let r = try Self.runHook(script, run.event, pathPrefix: bin, extraEnv: env)
            #expect(r.status == 0, "\(run.subject): \(r)")
        }
        let got = mails()
        try #require(got.count == runs.count, "\(got.count) mails: \(server.stderr)")
        for (mail, run) in zip(got, runs) {
            let ascii = run.subject.allSatisfy(\.isASCII)
            Self.checkHeaders(mail, subject: run.subject, encoded: !ascii, run.subject)
            Self.checkTextParts(mail, contain: run.text, run.subject)
        }
        // the clip's mail: a multipart whose own encoding admits its 8bit text part
        #expect(got[2]["cte"] as? String == "8bit", "the multipart's Content-Transfer-Encoding: \(got[2]["cte"] ?? "none")")
        // the long ASCII Subject (> 78 characters on one line) arrives folded, over more than one line
        #expect(Self.headerLines("Subject", in: got[3]["header_lines"] as? [String] ?? []).count > 1, "\(got[3]["header_lines"] ?? "")")
    }

    @Test("ntfy/webhook: a long title outside ASCII goes as encoded words of ≤ 75 characters, cut between characters, on one header line")
    func ntfyLongTitle() throws {
        try Self.requireTool("/usr/bin/curl", package: "curl")
        let dir = TestPaths.tempDir("real-ntfy-mime")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, port, requests) = try Self.startHTTP(in: dir)
        defer { server.stop() }
        let script = try Self.ntfyScript(in: dir, url: "http://127.0.0.1:\(port)/earshot-venue-1")
        let r1 = try Self.runHook(script, Self.alert(location: Self.longPlace))
        let r2 = try Self.runHook(script, Self.health(location: Self.longPlace))
        #expect(r1.status == 0 && r2.status == 0, "\(r1) \(r2)")
        let got = requests()
        try #require(got.count == 2, "\(got.count) requests: \(server.stderr)")
        for (request, title) in zip(got, ["Gunshot detected at \(Self.longPlace) (venue-1)", "Earshot at \(Self.longPlace) (venue-1): device problem"]) {
            let value = request.header("Title") ?? ""
            let words = Self.encodedWords(value)
            #expect(words.count > 1 && words.count == value.split(separator: " ").count && value.allSatisfy(\.isASCII),
                    "several encoded words, one space apart, and nothing else: \(value)")
            for word in words {
                #expect(word.count <= 75, "an encoded word over 75 characters (\(word.count)): \(word)")
                #expect(Operator.decodeEncodedWords(String(word)) != nil, "a word that is not UTF-8 on its own: \(word)")
            }
            // as ntfy decodes it (Go's mime.WordDecoder.DecodeHeader: the space between two words dropped)
            #expect(Operator.decodeEncodedWords(value) == title, "\(value)")
        }
    }
}
