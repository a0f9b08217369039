import Foundation
import Testing

/// `scripts/demo.sh` (the README's first command) run in a copy of its checkout whose toolchain, set-up and
/// binaries are stand-ins that log how they were called: what the script hands earshot and earshotd, without a
/// release build.
@Suite("scripts/demo.sh", .serialized)
struct DemoScriptTests {
    /// A checkout holding scripts/demo.sh, a set-up that does nothing, and `swift` (SWIFT) whose bin path holds an
    /// earshot and an earshotd that log their arguments to `calls` — and fail, as the real ones do, for a file
    /// that is not there.
    static func checkout(_ root: URL) throws -> (script: URL, swift: URL, calls: URL) {
        let fm = FileManager.default
        let scripts = root.appendingPathComponent("scripts"), bin = root.appendingPathComponent("bin")
        for d in [scripts, bin] { try fm.createDirectory(at: d, withIntermediateDirectories: true) }
        let script = scripts.appendingPathComponent("demo.sh")
        try Operator.write(try String(contentsOf: TestPaths.repo.appendingPathComponent("scripts/demo.sh"), encoding: .utf8), to: script, mode: 0o755)
        try Operator.write("#!/bin/sh\nexit 0\n", to: scripts.appendingPathComponent("setup.sh"), mode: 0o755)
        let calls = root.appendingPathComponent("calls")
        let swift = try Operator.write("#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = --show-bin-path ] && echo '\(bin.path)'; done\nexit 0\n",
                                       to: root.appendingPathComponent("swift"), mode: 0o755)
        for tool in ["earshot", "earshotd"] {
            // the recording is the last argument; --mic has none
            try Operator.write("""
                #!/bin/bash
                echo "\(tool) $*" >> '\(calls.path)'
                last=${@: -1}
                [[ $last == --config || $last == */earshot.yaml || -f $last ]] || { echo "\(tool): $last: no such file — check the path" >&2; exit 1; }
                """, to: bin.appendingPathComponent(tool), mode: 0o755)
        }
        return (script, swift, calls)
    }

    /// A recording named relative to the directory the script is started from is found there, though the script
    /// works in its checkout (docs QA finding 7: it cd'd first, and looked for the file in the checkout).
    @Test func aRelativeRecordingIsTheCallersFile() throws {
        let dir = TestPaths.tempDir("demo-script")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (script, swift, calls) = try Self.checkout(dir.appendingPathComponent("checkout"))
        let here = dir.appendingPathComponent("elsewhere/sub")
        try FileManager.default.createDirectory(at: here, withIntermediateDirectories: true)
        try Operator.write("RIFF", to: here.appendingPathComponent("site take.wav"))

        let r = try Operator.run("/bin/bash", [script.path, "site take.wav"], cwd: here, environment: ["SWIFT": swift.path])
        #expect(r.status == 0, "\(r.output)")
        let want = here.path + "/site take.wav"
        var log = try String(contentsOf: calls, encoding: .utf8)
        #expect(log.contains("earshot detect \(want)\n") && log.contains("--replay \(want)\n"), "\(log)")
        #expect(r.output.contains("== earshot detect \(want) (file analysis)"), "\(r.output)")

        // ../ works as well; an absolute path and the bundled recording (no argument) are as before
        let up = try Operator.run("/bin/bash", [script.path, "../sub/site take.wav"], cwd: here, environment: ["SWIFT": swift.path])
        #expect(up.status == 0, "\(up.output)")
        let abs = try Operator.run("/bin/bash", [script.path, want], cwd: dir, environment: ["SWIFT": swift.path])
        #expect(abs.status == 0, "\(abs.output)")
        try FileManager.default.removeItem(at: calls)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("checkout/demo"), withIntermediateDirectories: true)
        try Operator.write("fLaC", to: dir.appendingPathComponent("checkout/demo/demo-gunshots.flac"))
        let bundled = try Operator.run("/bin/bash", [script.path], cwd: here, environment: ["SWIFT": swift.path])
        #expect(bundled.status == 0, "\(bundled.output)")
        log = try String(contentsOf: calls, encoding: .utf8)
        #expect(log.contains("earshot detect demo/demo-gunshots.flac\n"), "\(log)")
        // a file that is not there is named with the caller's directory, where it was looked for
        let missing = try Operator.run("/bin/bash", [script.path, "nope.wav"], cwd: here, environment: ["SWIFT": swift.path])
        #expect(missing.status != 0 && missing.output.contains("\(here.path)/nope.wav: no such file"), "\(missing.output)")
    }
}
