import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the operator-command tests: shell scripts, a private journald, `make`.
enum Operator {
    /// Runs `launchPath args` with extra environment; returns status and combined output.
    static func run(_ launchPath: String, _ args: [String], cwd: URL? = nil, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launchPath)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe; p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// An ALSA configuration (for ALSA_CONFIG_PATH) defining `earshot_test_mic`: alsa-lib's file plugin over a null
    /// slave, capturing 1 s of silence from `dir/in.raw`, with a hint so `earshot devices` lists it.
    static func testMicrophone(in dir: URL) throws -> URL {
        let raw = dir.appendingPathComponent("in.raw")
        try Data(count: 32_000).write(to: raw)
        return try write("""
            pcm.earshot_test_mic {
                type file
                slave { pcm { type null } }
                file "/dev/null"
                infile "\(raw.path)"
                format "raw"
                hint { show on description "Earshot test microphone (file plugin)" }
            }
            """, to: dir.appendingPathComponent("asound.conf"))
    }

    /// Writes a file through a close-on-exec descriptor: other tests fork and exec concurrently, and a child
    /// that inherited a write descriptor on a script would make executing it fail with ETXTBSY.
    @discardableResult
    static func write(_ text: String, to url: URL, mode: Int = 0o644) throws -> URL {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw CLITestError("open \(url.path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard n == bytes.count else { throw CLITestError("short write to \(url.path)") }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return url
    }

    /// A header value made of RFC 2047 encoded words (`=?UTF-8?B?…?=`, the hook examples' only kind) decoded as a
    /// mail reader or ntfy does: folding and the white space between two words dropped, each word decoded on its
    /// own, as the standard has it — so nil, not a repaired string, when a word was cut inside a UTF-8 character,
    /// or when any part of the value is not such a word.
    static func decodeEncodedWords(_ value: String) -> String? {
        let words = value.split { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard !words.isEmpty else { return nil }
        var out = ""
        for word in words {
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="), word.count >= 12,
                  let bytes = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))),
                  let text = String(validating: bytes, as: UTF8.self) else { return nil }
            out += text
        }
        return out
    }

    /// Runs a command inside a private mount namespace (`unshare -m`) with its own systemd-journald on tmpfs
    /// (/run/systemd, /run/log, /var/log/journal), then dumps the `earshotd` entries as JSON lines.
    /// Same recipe as the daemon's end-to-end tests (DEVELOPERS.md), copied here to stay independent.
    static let privateJournalScript = """
        set -eu
        for d in /run/systemd /run/log /var/log/journal; do mkdir -p "$d"; mount -t tmpfs tmpfs "$d"; done
        env -u NOTIFY_SOCKET -u WATCHDOG_USEC /lib/systemd/systemd-journald &   # not its READY=1 to a NOTIFY_SOCKET of ours
        J=$!
        for i in $(seq 1 200); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
        set +e
        "$@"
        rc=$?
        set -e
        sleep 0.3
        journalctl -o json --no-pager -t earshotd > "$OUT_JSON" || true
        kill $J; wait $J 2>/dev/null || true
        exit $rc
        """

    /// Journal entries (JSON objects) written by `command` run under a private journald.
    static func withPrivateJournal(_ command: [String], dir: URL, environment: [String: String] = [:]) throws -> (status: Int32, output: String, entries: [[String: Any]]) {
        let script = try write(privateJournalScript, to: dir.appendingPathComponent("private-journal.sh"))
        let json = dir.appendingPathComponent("journal.json")
        // a state directory of its own: `earshot test-alert` asks the earshotd of its state directory for the drill,
        // and a test's earshotd on the default /var/lib/earshot would take it (and run this test's drill)
        let env = ["STATE_DIRECTORY": dir.appendingPathComponent("no-earshotd").path].merging(environment) { $1 }
        let r = try run("/usr/bin/unshare", ["-m", "/bin/bash", script.path] + command, environment: env.merging(["OUT_JSON": json.path]) { $1 })
        let lines = ((try? String(contentsOf: json, encoding: .utf8)) ?? "").split(separator: "\n")
        let entries = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        return (r.status, r.output, entries)
    }
}
