import Foundation
import Testing

@Suite("make install / uninstall with DESTDIR and PREFIX", .serialized)
struct OperatorInstallTests {
    /// Installs with the binaries the tests already built (NOBUILD=1), so the test does not run a release build.
    static func make(_ target: String, destdir: URL, prefix: String? = nil) throws -> (status: Int32, output: String) {
        let bin = try #require(CLIRunner.binary).deletingLastPathComponent()
        var args = ["-C", TestPaths.repo.path, target, "DESTDIR=\(destdir.path)", "NOBUILD=1", "BINSRC=\(bin.path)"]
        if let prefix { args.append("PREFIX=\(prefix)") }
        return try Operator.run("/usr/bin/make", args)
    }

    static func isExecutable(_ root: URL, _ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: root.path + path)
    }

    /// The relative links (`[text](target)`, `![image](target)`, `[name]: target`) of every Markdown file under
    /// `docDir`, and those whose target is not there: the installed README is the unit's and the journal
    /// catalog's documentation page, so what it links to must be installed beside it.
    static func links(in docDir: URL) throws -> (readme: Set<String>, broken: [String]) {
        let fm = FileManager.default
        let pattern = try NSRegularExpression(pattern: #"\]\(([^)\s]+)(?:\s+"[^"]*")?\)|^\[[^\]]+\]:\s*(\S+)"#, options: [.anchorsMatchLines])
        var readme: Set<String> = [], broken: [String] = []
        let files = (fm.enumerator(atPath: docDir.path)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".md") }
        for f in files {
            let text = try String(contentsOf: docDir.appendingPathComponent(f), encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let r = m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range(at: 2)
                guard let range = Range(r, in: text) else { continue }
                let target = String(text[range]).components(separatedBy: "#")[0]
                if target.isEmpty || target.contains("://") || target.hasPrefix("mailto:") { continue }
                if f == "README.md" { readme.insert(target) }
                let resolved = docDir.appendingPathComponent(f).deletingLastPathComponent().appendingPathComponent(target).standardizedFileURL
                if !resolved.path.hasPrefix(docDir.standardizedFileURL.path + "/") || !fm.fileExists(atPath: resolved.path) { broken.append("\(f): \(target)") }
            }
        }
        return (readme, broken.sorted())
    }

    @Test("make install DESTDIR=… installs the full tree, keeps an existing config, and the installed unit passes systemd-analyze verify")
    func installTree() throws {
        let root = TestPaths.tempDir("op-install")
        let r = try Self.make("install", destdir: root)
        #expect(r.status == 0, "\(r.output)")
        for b in ["earshot", "earshotd", "earshot-train"] {
            #expect(Self.isExecutable(root, "/usr/local/bin/\(b)"), "\(b) not installed")
        }
        for h in ["ntfy-webhook.sh", "mqtt.sh", "email.sh", "heartbeat-ping.sh"] {
            #expect(Self.isExecutable(root, "/usr/local/share/earshot/hooks/\(h)"), "hook example \(h) not installed")
        }
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: root.path + "/usr/lib/systemd/catalog/earshot.catalog"))
        #expect(fm.fileExists(atPath: root.path + "/etc/earshot/earshot.yaml"))
        #expect(fm.fileExists(atPath: root.path + "/usr/local/share/doc/earshot/README.md"))
        // the demo recording, to check detection on the box, with its sources and licences (QA 7 finding 15)
        #expect(fm.contents(atPath: root.path + "/usr/local/share/earshot/demo-gunshots.flac") == fm.contents(atPath: TestPaths.repo.path + "/demo/demo-gunshots.flac"))
        #expect(fm.fileExists(atPath: root.path + "/usr/local/share/doc/earshot/demo/README.md"))
        // the README's links work where it is installed: the documents it links to are beside it, at the same
        // relative paths, and so are theirs (docs QA finding 9: only README.md was installed)
        let docs = try Self.links(in: URL(fileURLWithPath: root.path + "/usr/local/share/doc/earshot"))
        #expect(docs.broken.isEmpty, "links that point to nothing in the installed doc directory: \(docs.broken)")
        for target in ["BENCHMARKS.md", "models/README.md", "models/EXPERIMENTS.md", "reports/latest/report.md", "docs/benchmarks/nn.md",
                       "config/earshot.yaml", "config/hooks/README.md"] {
            #expect(docs.readme.contains(target), "README.md no longer links to \(target): \(docs.readme.sorted())")
        }
        #expect(try String(contentsOfFile: root.path + "/usr/local/share/doc/earshot/config/earshot.yaml", encoding: .utf8)
                == String(contentsOfFile: root.path + "/usr/local/share/earshot/earshot.yaml", encoding: .utf8), "the doc's config is the shipped default")
        if fm.fileExists(atPath: TestPaths.repo.path + "/models/earshot-default.safetensors") {
            #expect(fm.fileExists(atPath: root.path + "/usr/local/share/earshot/earshot-default.safetensors"))
        } else {
            #expect(r.output.contains("WARNING") && r.output.contains("earshot-default.safetensors"))
        }
        let unitPath = root.path + "/etc/systemd/system/earshot.service"
        let unit = try String(contentsOfFile: unitPath, encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/earshotd"))
        #expect(!r.output.contains("daemon-reload"), "no systemctl calls into the host when DESTDIR is set")

        // systemd-analyze verify inside a copy of the staged root plus the host pieces a real system has (its
        // system units, so targets resolve; /usr/bin/kill for ExecReload): this also checks that ExecStart
        // names the executable `make install` put there.
        let vroot = TestPaths.tempDir("op-verify")
        _ = try Operator.run("/bin/cp", ["-a", root.path + "/.", vroot.path])
        try fm.createDirectory(at: vroot.appendingPathComponent("usr/lib/systemd"), withIntermediateDirectories: true)
        _ = try Operator.run("/bin/cp", ["-a", "/lib/systemd/system", vroot.path + "/usr/lib/systemd/"])
        try fm.createDirectory(at: vroot.appendingPathComponent("usr/bin"), withIntermediateDirectories: true)
        _ = try Operator.run("/bin/cp", ["/bin/kill", vroot.path + "/usr/bin/kill"])
        if !fm.fileExists(atPath: vroot.path + "/bin") { try fm.createSymbolicLink(atPath: vroot.path + "/bin", withDestinationPath: "usr/bin") }
        let v = try Operator.run("/usr/bin/systemd-analyze", ["verify", "--root=\(vroot.path)", "/etc/systemd/system/earshot.service"])
        #expect(v.status == 0 && v.output.isEmpty, "systemd-analyze verify: \(v.output)")
        // The template for several microphones, verified as an instance (systemd resolves earshot@.service).
        let template = try String(contentsOfFile: root.path + "/etc/systemd/system/earshot@.service", encoding: .utf8)
        #expect(template.contains("ExecStart=/usr/local/bin/earshotd --instance %i\n") && template.contains("StateDirectory=earshot-%i\n"))
        let vi = try Operator.run("/usr/bin/systemd-analyze", ["verify", "--root=\(vroot.path)", "/etc/systemd/system/earshot@north-entrance.service"])
        #expect(vi.status == 0 && vi.output.isEmpty, "systemd-analyze verify of an instance: \(vi.output)")
        // …and it does fail when the binary is not where ExecStart says.
        try fm.removeItem(atPath: vroot.path + "/usr/local/bin/earshotd")
        let missing = try Operator.run("/usr/bin/systemd-analyze", ["verify", "--root=\(vroot.path)", "/etc/systemd/system/earshot.service"])
        #expect(missing.status != 0 && missing.output.contains("/usr/local/bin/earshotd"))

        // A second install keeps the operator's config.
        let cfg = URL(fileURLWithPath: root.path + "/etc/earshot/earshot.yaml")
        try "device: my-mic\n".write(to: cfg, atomically: true, encoding: .utf8)
        let again = try Self.make("install", destdir: root)
        #expect(again.status == 0)
        #expect(try String(contentsOf: cfg, encoding: .utf8) == "device: my-mic\n")
        #expect(again.output.contains("keeping existing"))

        // uninstall removes what install put there, except the config.
        let u = try Self.make("uninstall", destdir: root)
        #expect(u.status == 0, "\(u.output)")
        #expect(!fm.fileExists(atPath: root.path + "/usr/local/bin/earshotd"))
        #expect(!fm.fileExists(atPath: unitPath))
        #expect(!fm.fileExists(atPath: root.path + "/etc/systemd/system/earshot@.service"))
        #expect(!fm.fileExists(atPath: root.path + "/usr/lib/systemd/catalog/earshot.catalog"))
        #expect(!fm.fileExists(atPath: root.path + "/usr/local/share/earshot"))
        #expect(!fm.fileExists(atPath: root.path + "/usr/local/share/doc/earshot"))
        #expect(fm.fileExists(atPath: cfg.path))
    }

    @Test("PREFIX moves binaries, data and the unit, and the unit's ExecStart follows")
    func prefix() throws {
        let root = TestPaths.tempDir("op-prefix")
        let r = try Self.make("install", destdir: root, prefix: "/opt/earshot")
        #expect(r.status == 0, "\(r.output)")
        #expect(Self.isExecutable(root, "/opt/earshot/bin/earshotd"))
        #expect(Self.isExecutable(root, "/opt/earshot/share/earshot/hooks/mqtt.sh"))
        let unit = try String(contentsOfFile: root.path + "/opt/earshot/lib/systemd/system/earshot.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/opt/earshot/bin/earshotd"))
        #expect(!unit.contains("/usr/local/"), "every /usr/local path in the unit follows PREFIX")
        let template = try String(contentsOfFile: root.path + "/opt/earshot/lib/systemd/system/earshot@.service", encoding: .utf8)
        #expect(template.contains("ExecStart=/opt/earshot/bin/earshotd --instance %i\n"), "\(template)")
        // the unit's documentation page, with what it links to
        #expect(unit.contains("Documentation=file:///opt/earshot/share/doc/earshot/README.md"), "\(unit)")
        let docs = try Self.links(in: URL(fileURLWithPath: root.path + "/opt/earshot/share/doc/earshot"))
        #expect(docs.readme.count >= 9 && docs.broken.isEmpty, "\(docs)")
    }
}
