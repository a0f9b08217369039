import EarshotDSP
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `scripts/package-deb.sh`: a .deb that runs on a box without the Swift toolchain, installed, upgraded,
/// removed and purged by the real dpkg — into a private root (`dpkg --root … --force-script-chrootless`, the
/// maintainer scripts see DPKG_ROOT and leave the host alone), so the test never touches this machine's /usr.
@Suite("scripts/package-deb.sh and the package's life under dpkg", .serialized)
struct PackageDebTests {
    static let script = TestPaths.repo.appendingPathComponent("scripts/package-deb.sh").path

    /// Builds the package once per test run: a debug build with the Swift runtime linked in, into its own
    /// scratch folder (the test build's own .build stays untouched), uncompressed to keep it quick.
    static let scratch = TestPaths.repo.appendingPathComponent(".build-deb-test")
    static let maintainer = "Package Test <package-test@example.org>"

    static let built: Result<URL, CLITestError> = {
        let out = TestPaths.tempDir("deb-out")
        let r: (status: Int32, output: String)
        do {
            r = try Operator.run("/bin/bash", [script], environment: [
                "OUT": out.path, "CONFIGURATION": "debug", "COMPRESSION": "none", "MAINTAINER": maintainer,
                "SCRATCH": scratch.path])
        } catch { return .failure(CLITestError("could not run \(script): \(error)")) }
        let debs = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.hasSuffix(".deb") }
        guard r.status == 0, debs.count == 1 else { return .failure(CLITestError("package-deb.sh failed (\(r.status)):\n\(r.output.suffix(3000))")) }
        return .success(out.appendingPathComponent(debs[0]))
    }()

    /// dpkg on `root`, with `systemctl` and `journalctl` on PATH replaced by scripts that log to
    /// `root`/host-calls: maintainer scripts must not touch the host's systemd for a package in another root.
    static func dpkg(_ root: URL, _ args: [String]) throws -> (status: Int32, output: String) {
        let fake = root.appendingPathComponent("fake-bin")
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        for tool in ["systemctl", "journalctl"] {
            try Operator.write("#!/bin/sh\necho \"\(tool) $*\" >> '\(root.path)/host-calls'\n", to: fake.appendingPathComponent(tool), mode: 0o755)
        }
        // --force-depends: the private root has no libasound2 & co. registered (this machine's libraries run the binaries)
        return try Operator.run("/usr/bin/dpkg", ["--root=\(root.path)", "--force-script-chrootless", "--force-depends",
                                                  "--force-confdef", "--force-confold"] + args,
                                environment: ["PATH": fake.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")])
    }

    /// The programs in usr/bin: one multi-call binary (earshot-multicall), installed once with three names.
    static let programs = ["earshot", "earshotd", "earshot-train"]

    /// (inode, link count) of each of `programs` in `bin`.
    static func files(in bin: URL) throws -> [(inode: UInt64, links: UInt64)] {
        try programs.map { name in
            var st = stat()
            guard stat(bin.appendingPathComponent(name).path, &st) == 0 else { throw CLITestError("stat \(bin.path)/\(name): \(String(cString: strerror(errno)))") }
            return (UInt64(st.st_ino), UInt64(st.st_nlink))
        }
    }

    /// The package's usr/bin unpacked by dpkg-deb -x (tar: hard links stay hard links).
    static func unpackedBin(_ tag: String) throws -> URL {
        let dir = TestPaths.tempDir(tag)
        let x = try Operator.run("/usr/bin/dpkg-deb", ["-x", try built.get().path, dir.path])
        try #require(x.status == 0, "dpkg-deb -x: \(x.output)")
        return dir.appendingPathComponent("usr/bin")
    }

    /// An empty dpkg database under `root`.
    static func emptyRoot(_ name: String) throws -> URL {
        let root = TestPaths.tempDir(name)
        let fm = FileManager.default
        for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log"] {
            try fm.createDirectory(at: root.appendingPathComponent(d), withIntermediateDirectories: true)
        }
        for f in ["var/lib/dpkg/status", "var/lib/dpkg/available"] { _ = try Operator.write("", to: root.appendingPathComponent(f)) }
        return root
    }

    @Test("control: the version earshot reports, Depends from the binaries' libraries, Recommends/Suggests the tools the docs use, the config as a conffile, no Swift runtime")
    func control() throws {
        let deb = try Self.built.get()
        let field = { (name: String) throws -> String in
            try Operator.run("/usr/bin/dpkg-deb", ["--field", deb.path, name]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try field("Package") == "earshot")
        let version = try field("Version")
        #expect(version.hasPrefix(EarshotVersion.string + "+git"), "Version: \(version)")
        #expect(deb.lastPathComponent.hasPrefix("earshot_\(version)_"))
        let depends = try field("Depends")
        for lib in ["libasound2", "libfftw3-single3", "libopenblas0", "libsndfile1", "libsoxr0", "libsystemd0", "libc6"] {
            #expect(depends.contains(lib), "\(lib) missing from Depends: \(depends)")
        }
        #expect(!depends.lowercased().contains("swift"), "Depends: \(depends)")
        // the tools the README and the CLI point to (arecord, alsamixer), and those the example hooks run (QA 7 finding 13)
        #expect(try field("Recommends") == "alsa-utils")
        let suggests = try field("Suggests").components(separatedBy: ", ")
        for tool in ["curl", "mosquitto-clients", "msmtp-mta", "dbus"] { #expect(suggests.contains(tool), "\(tool) missing from Suggests: \(suggests)") }
        #expect(try field("Maintainer") == Self.maintainer)
        let conffiles = try Operator.run("/bin/sh", ["-c", "dpkg-deb --ctrl-tarfile '\(deb.path)' | tar -xO ./conffiles"]).output
        #expect(conffiles == "/etc/earshot/earshot.yaml\n")
        // a hard link is listed as "PATH link to TARGET" (usr/bin/earshotd, usr/bin/earshot-train)
        let list = try Operator.run("/usr/bin/dpkg-deb", ["--contents", deb.path]).output
            .split(separator: "\n").map { $0.components(separatedBy: " link to ")[0] + "\n" }.joined()
        for path in ["./usr/bin/earshot", "./usr/bin/earshotd", "./usr/bin/earshot-train", "./usr/lib/systemd/system/earshot.service",
                     "./usr/lib/systemd/system/earshot@.service", "./usr/lib/systemd/catalog/earshot.catalog",
                     "./usr/share/earshot/earshot-default.safetensors", "./usr/share/earshot/hooks/ntfy-webhook.sh",
                     "./usr/share/earshot/demo-gunshots.flac", "./usr/share/doc/earshot/demo/README.md",
                     // the unit's documentation page and the documents it links to, at the same relative paths
                     "./usr/share/doc/earshot/README.md", "./usr/share/doc/earshot/models/README.md", "./usr/share/doc/earshot/reports/latest/roc.svg",
                     "./usr/share/doc/earshot/config/earshot.yaml"] {
            #expect(list.contains(path + "\n"), "\(path) not in the package")
        }
    }

    /// usr/share/doc/earshot/copyright (DEP-5) names every Swift package linked in, with its licence's text, the Swift
    /// runtime and ICU, and does not invent a licence for Earshot's own files; changelog.gz gives the version
    /// (QA 7 finding 12).
    @Test("copyright lists each linked Swift package, the runtime and ICU with their licences; changelog.gz names the version")
    func copyrightAndChangelog() throws {
        let deb = try Self.built.get()
        let dir = TestPaths.tempDir("deb-doc")
        let x = try Operator.run("/usr/bin/dpkg-deb", ["-x", deb.path, dir.path])
        #expect(x.status == 0, "\(x.output)")
        let doc = dir.appendingPathComponent("usr/share/doc/earshot")
        let copyright = try String(contentsOf: doc.appendingPathComponent("copyright"), encoding: .utf8)
        #expect(copyright.hasPrefix("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"))
        let checkouts = try FileManager.default.contentsOfDirectory(atPath: Self.scratch.appendingPathComponent("checkouts").path)
        #expect(checkouts.contains("swift-argument-parser") && checkouts.contains("Yams"), "\(checkouts)")
        for name in checkouts {
            #expect(copyright.contains("\nFiles: .build/checkouts/\(name)/*\n"), "\(name) is linked in but not in the copyright file")
        }
        // Apache 2.0 by reference to Debian's copy (word for word the checkouts' own, as Debian policy asks), what
        // their files add after it (the Runtime Library Exception) and the NOTICE files quoted; MIT and Unicode texts whole
        for text in ["/usr/share/common-licenses/Apache-2.0", "As an exception, if you use this Software to compile", "The SwiftLog Project",
                     "Permission is hereby granted, free of charge", "JP Simard", "Kirill Simonov", "UNICODE LICENSE V3", "NonCommercial",
                     "not yet chosen a licence"] {
            #expect(copyright.contains(text), "the copyright file lacks \(text)")
        }
        // every paragraph's continuation lines are indented (a licence text pasted unindented would break the format)
        let stray = copyright.split(separator: "\n", omittingEmptySubsequences: false).filter {
            !$0.isEmpty && !$0.hasPrefix(" ") && !$0.contains(":")
        }
        #expect(stray.isEmpty, "lines outside any field: \(stray.prefix(5))")
        let version = try Operator.run("/usr/bin/dpkg-deb", ["--field", deb.path, "Version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let changelog = try Operator.run("/bin/sh", ["-c", "gzip -dc '\(doc.path)/changelog.gz'"])
        #expect(changelog.status == 0 && changelog.output.hasPrefix("earshot (\(version)) "), "\(changelog.output)")
        #expect(changelog.output.contains("\n -- \(Self.maintainer)  "), "\(changelog.output)")
        // in the format dpkg's own parser reads
        let plain = try Operator.write(changelog.output, to: dir.appendingPathComponent("changelog"))
        let parsed = try Operator.run("/usr/bin/dpkg-parsechangelog", ["-l", plain.path, "-S", "Version"])
        #expect(parsed.output == version + "\n", "dpkg-parsechangelog: \(parsed.output)")
    }

    /// The programs' manual pages, written at package time from their own help (scripts/deb-manpages.sh): earshot(1)
    /// and earshot-train(1) with a page per subcommand, as Debian names them (`man earshot-detect`), earshotd(8);
    /// gzipped. man renders earshotd(8) without a warning, with its NAME line and every option `earshotd --help` lists.
    @Test("manual pages: earshot(1), earshot-detect(1)…, earshot-train(1)…, earshotd(8); man finds and renders them with the programs' options")
    func manualPages() throws {
        let deb = try Self.built.get()
        let list = try Operator.run("/usr/bin/dpkg-deb", ["--contents", deb.path]).output
        let pages = Set(list.split(separator: "\n").compactMap { $0.components(separatedBy: " ./usr/share/man/").dropFirst().first }.filter { $0.hasSuffix(".gz") })
        let bin = try Self.unpackedBin("deb-man")
        let man = bin.deletingLastPathComponent().appendingPathComponent("share/man")
        // a page per program and per subcommand its --help lists (none for ArgumentParser's own `help`)
        var expected: Set<String> = ["man1/earshot.1.gz", "man1/earshot-train.1.gz", "man8/earshotd.8.gz"]
        for program in ["earshot", "earshot-train"] {
            let help = try Operator.run(bin.appendingPathComponent(program).path, ["--help"]).output
            let subcommands = help.components(separatedBy: "SUBCOMMANDS:\n").dropFirst().first?
                .split(separator: "\n", omittingEmptySubsequences: false).prefix { $0.hasPrefix("  ") }.filter { !$0.hasPrefix("   ") } // not a description's next line
                .compactMap { $0.split(separator: " ").first.map(String.init) } ?? []
            #expect(subcommands.contains(program == "earshot" ? "detect" : "adapt"), "\(program) --help: \(help)")
            for sub in subcommands where sub != "help" { expected.insert("man1/\(program)-\(sub).1.gz") }
        }
        #expect(pages == expected, "missing: \(expected.subtracting(pages).sorted()), not expected: \(pages.subtracting(expected).sorted())")

        // man finds them by the names Debian uses
        for (name, path) in [("earshot-detect", "man1/earshot-detect.1.gz"), ("earshotd", "man8/earshotd.8.gz"), ("earshot-train-adapt", "man1/earshot-train-adapt.1.gz")] {
            let found = try Operator.run("/usr/bin/man", ["-M", man.path, "-w", name])
            #expect(found.output == man.appendingPathComponent(path).path + "\n", "man -w \(name): \(found.output)")
        }

        // earshotd(8) as man renders it (wide, so nothing wraps): its NAME, and each option of its --help
        let page = man.appendingPathComponent("man8/earshotd.8.gz").path
        let warnings = try Operator.run("/bin/sh", ["-c", "LC_ALL=C.UTF-8 MANWIDTH=300 man --warnings -l '\(page)' 2>&1 >/dev/null"])
        #expect(warnings.status == 0 && warnings.output.isEmpty, "man --warnings: \(warnings.output)")
        let rendered = try Operator.run("/usr/bin/env", ["LC_ALL=C.UTF-8", "MANWIDTH=300", "man", "-l", page]).output
        let help = try Operator.run(bin.appendingPathComponent("earshotd").path, ["--help"]).output
        let overview = try #require(help.components(separatedBy: "\n\n").first.flatMap { $0.hasPrefix("OVERVIEW: ") ? String($0.dropFirst(10)) : nil })
        #expect(rendered.contains("NAME\n     earshotd — \(overview.replacingOccurrences(of: "\n", with: " "))\n"), "\(rendered.prefix(600))")
        // an option's names as a list item starts them: "  --config <config>   …", "  -h, --help   …" (help), "     -h, --help" (man)
        let names = { (line: Substring) -> [String] in
            line.drop { $0 == " " }.components(separatedBy: ", ").compactMap { $0.split(separator: " ").first.map(String.init) }
        }
        let options = Set(help.components(separatedBy: "OPTIONS:\n").dropFirst().first?.split(separator: "\n")
            .filter { $0.hasPrefix("  -") }.flatMap(names).filter { $0.hasPrefix("--") } ?? [])
        #expect(options.contains("--config") && options.contains("--instance"), "options of earshotd --help: \(options.sorted())")
        let items = Set(rendered.split(separator: "\n").filter { $0.hasPrefix("     -") }.flatMap(names))
        for option in options { #expect(items.contains(option), "\(option) is not in earshotd(8):\n\(rendered)") }
        // a subcommand's page: NAME as Debian names it, SYNOPSIS as it is run
        let detect = try Operator.run("/usr/bin/env", ["LC_ALL=C.UTF-8", "MANWIDTH=300", "man", "-l", man.appendingPathComponent("man1/earshot-detect.1.gz").path]).output
        #expect(detect.contains("NAME\n     earshot-detect — Run the detector") && detect.contains("SYNOPSIS\n     earshot detect [--model model]"), "\(detect.prefix(800))")
    }

    @Test("install into a root, run it without the toolchain, upgrade keeps the operator's config, remove disables, purge keeps the clips")
    func lifecycle() throws {
        let deb = try Self.built.get()
        let root = try Self.emptyRoot("deb-root")
        let fm = FileManager.default
        let install = try Self.dpkg(root, ["-i", deb.path])
        #expect(install.status == 0, "dpkg -i: \(install.output)")
        let bin = root.appendingPathComponent("usr/bin")
        // dpkg installed the three programs as one file (its hard links), not three copies of the Swift runtime
        let installed = try Self.files(in: bin)
        #expect(Set(installed.map(\.inode)).count == 1 && installed.allSatisfy { $0.links == 3 }, "usr/bin/{earshot,earshotd,earshot-train} (inode, links): \(installed)")
        // no libswift*.so needed: the runtime is inside (a box without /opt/swift runs it)
        for b in ["earshot", "earshotd", "earshot-train"] {
            let needed = try Operator.run("/usr/bin/readelf", ["-d", bin.appendingPathComponent(b).path]).output
            if b == "earshotd" { #expect(needed.contains("libasound.so.2"), "\(b): \(needed)") }
            #expect(!needed.contains("libswift"), "\(b) loads the Swift runtime: \(needed)")
        }
        let unit = try String(contentsOf: root.appendingPathComponent("usr/lib/systemd/system/earshot.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/bin/earshotd\n") && unit.contains("file:///usr/share/doc/earshot/README.md"))
        // the catalog's links and the config's pointer to the pristine copy follow PREFIX=/usr too
        let catalog = try String(contentsOf: root.appendingPathComponent("usr/lib/systemd/catalog/earshot.catalog"), encoding: .utf8)
        #expect(catalog.contains("Support: file:///usr/share/doc/earshot/README.md") && !catalog.contains("/usr/local"))
        let shipped = try String(contentsOf: root.appendingPathComponent("etc/earshot/earshot.yaml"), encoding: .utf8)
        #expect(shipped.contains("as shipped (/usr/share/earshot/earshot.yaml)"), "\(shipped.prefix(400))")
        // the installed earshot finds the installed model beside it, with an environment that has no toolchain, and
        // detects the shot in the installed demo recording (QA 7 finding 15)
        let demo = root.appendingPathComponent("usr/share/earshot/demo-gunshots.flac").path
        let detect = try Operator.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", bin.appendingPathComponent("earshot").path, "detect", "--json", demo])
        #expect(detect.status == 0, "\(detect.output)")
        #expect(detect.output.contains("\"type\":\"event\""), "no event on the demo recording: \(detect.output)")
        let info = try Operator.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", bin.appendingPathComponent("earshot").path, "model-info"])
        #expect(info.output.contains(root.path + "/usr/share/earshot/earshot-default.safetensors"), "\(info.output)")
        let v = try Operator.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", bin.appendingPathComponent("earshotd").path, "--version"])
        #expect(v.output.hasSuffix(EarshotVersion.string + "\n"), "\(v.output)")

        // the operator edits the config; reinstalling (an upgrade) keeps it
        let config = root.appendingPathComponent("etc/earshot/earshot.yaml")
        let mine = "device: plughw:CARD=Mic,DEV=0\nlocation: Loading dock (package test)\n"
        try Operator.write(mine, to: config)
        let again = try Self.dpkg(root, ["-i", deb.path])
        #expect(again.status == 0, "dpkg -i (again): \(again.output)")
        #expect(try String(contentsOf: config, encoding: .utf8) == mine, "the upgrade replaced the operator's config")

        // remove: the program goes, the config stays; purge: the config goes, the clips (evidence) stay and are named
        let clips = root.appendingPathComponent("var/lib/earshot/clips")
        try fm.createDirectory(at: clips, withIntermediateDirectories: true)
        try Operator.write("RIFF", to: clips.appendingPathComponent("shot.wav"))
        // enabled without systemd running (`systemctl enable` works offline: an image build, a rescue chroot): the
        // removal takes the enablement links of the package's units along, another unit's link stays (QA 7 finding 11)
        let wants = root.appendingPathComponent("etc/systemd/system/multi-user.target.wants")
        try fm.createDirectory(at: wants, withIntermediateDirectories: true)
        let links = ["earshot.service": "/lib/systemd/system/earshot.service", "earshot@hall.service": "/usr/lib/systemd/system/earshot@.service",
                     "other.service": "/usr/lib/systemd/system/other.service"]
        for (name, target) in links { try fm.createSymbolicLink(atPath: wants.appendingPathComponent(name).path, withDestinationPath: target) }
        let enabled = { ((try? fm.contentsOfDirectory(atPath: wants.path)) ?? []).sorted() }
        let remove = try Self.dpkg(root, ["-r", "earshot"])
        #expect(remove.status == 0, "dpkg -r: \(remove.output)")
        #expect(!fm.fileExists(atPath: bin.appendingPathComponent("earshotd").path))
        #expect(fm.fileExists(atPath: config.path))
        #expect(enabled() == ["other.service"], "enablement links left by the removal: \(enabled())")
        // a package removed by an earlier version (whose postrm left the links): the purge removes them
        try fm.createSymbolicLink(atPath: wants.appendingPathComponent("earshot@dock.service").path, withDestinationPath: "/lib/systemd/system/earshot@.service")
        let purge = try Self.dpkg(root, ["-P", "earshot"])
        #expect(purge.status == 0, "dpkg -P: \(purge.output)")
        #expect(enabled() == ["other.service"], "enablement links left by the purge: \(enabled())")
        #expect(!fm.fileExists(atPath: config.path), "purge left the conffile")
        #expect(fm.fileExists(atPath: clips.appendingPathComponent("shot.wav").path), "purge deleted the clips")
        #expect(purge.output.contains("kept its state") && purge.output.contains(root.path + "/var/lib/earshot"), "\(purge.output)")
        let calls = try? String(contentsOf: root.appendingPathComponent("host-calls"), encoding: .utf8)
        #expect(calls == nil, "maintainer scripts called the host's systemd for a package installed in \(root.path): \(calls ?? "")")
    }

    /// The programs are one multi-call binary with the Swift runtime inside, shipped once: usr/bin/earshot, earshotd
    /// and earshot-train are three names of one file, in the archive (tar hard links) and unpacked, and each name
    /// does its own program's work — the same as the program built on its own; any other name is refused.
    @Test("usr/bin/earshot, earshotd and earshot-train are one file with three names, each its own program; another name is refused")
    func oneBinaryThreeNames() throws {
        let deb = try Self.built.get()
        // dpkg-deb --contents (tar's listing): usr/bin/earshot a file, the other two `h` entries "link to" it
        let list = try Operator.run("/usr/bin/dpkg-deb", ["--contents", deb.path]).output
        let usrBin = list.split(separator: "\n").map(String.init).filter { $0.contains(" ./usr/bin/") }
        #expect(usrBin.filter { $0.hasPrefix("-") }.map { $0.components(separatedBy: " ./").last ?? "" } == ["usr/bin/earshot"], "\(usrBin)")
        for name in ["earshotd", "earshot-train"] {
            #expect(usrBin.contains { $0.hasPrefix("h") && $0.hasSuffix(" ./usr/bin/\(name) link to ./usr/bin/earshot") },
                    "usr/bin/\(name) is not a hard link to usr/bin/earshot in the archive: \(usrBin)")
        }
        let bin = try Self.unpackedBin("deb-multicall")
        let files = try Self.files(in: bin)
        #expect(Set(files.map(\.inode)).count == 1 && files.allSatisfy { $0.links == 3 }, "(inode, links): \(files)")

        // each name its own program: its help is the separately built program's, word for word, and its version
        for name in Self.programs {
            let own = try #require(TestPaths.builtProduct(name), "\(name) is not built (swift build)")
            let packaged = try Operator.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", bin.appendingPathComponent(name).path, "--help"])
            let expected = try Operator.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", own.path, "--help"])
            #expect(packaged.status == 0 && packaged.output.hasPrefix("OVERVIEW: ") && packaged.output == expected.output,
                    "usr/bin/\(name) --help (\(packaged.status)):\n\(packaged.output.prefix(400))\nthe built \(name)'s:\n\(expected.output.prefix(400))")
            let version = try Operator.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", bin.appendingPathComponent(name).path, "--version"])
            #expect(version.status == 0 && version.output == EarshotVersion.string + "\n", "usr/bin/\(name) --version: \(version.output)")
        }

        // any other name (here the binary's own, as built) is refused, naming the three and how to run them
        let other = bin.appendingPathComponent("earshot-multicall")
        try #require(link(bin.appendingPathComponent("earshot").path, other.path) == 0)
        let r = try Operator.run("/bin/sh", ["-c", "'\(other.path)' --help 2>&1 >/dev/null; echo \"exit $?\""])
        #expect(r.output.hasPrefix("earshot-multicall: run as 'earshot-multicall', which is none of its programs."), "\(r.output)")
        #expect(r.output.contains("named earshot, earshotd or earshot-train") && r.output.contains("exec -a earshotd"), "\(r.output)")
        #expect(r.output.hasSuffix("\nexit 2\n"), "\(r.output)")
    }

    /// OpenBLASKernel re-executes /proc/self/exe with the same argv when OpenBLAS fell back to a pre-AVX2 kernel on
    /// a CPU with AVX2. Run through a hard link, /proc/self/exe is that name and argv[0] is kept, so the new image
    /// runs the same program. The fallback is faked: an LD_PRELOAD shim's openblas_get_corename says "Prescott"
    /// while OPENBLAS_CORETYPE is unset, and its constructor logs every image it is loaded into.
    @Test("OpenBLAS's kernel re-execution through each hard link runs the same program again",
          .enabled(if: TestCPU.hasAVX2AndFMA, "no kernel upgrade, so no re-execution, on a CPU without AVX2 and FMA"))
    func reExecutionThroughEachName() throws {
        let bin = try Self.unpackedBin("deb-reexec")
        let dir = TestPaths.tempDir("deb-reexec-shim")
        let source = try Operator.write("""
            #define _GNU_SOURCE
            #include <dlfcn.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <unistd.h>
            const char *openblas_get_corename(void) {
                if (!getenv("OPENBLAS_CORETYPE")) return "Prescott";
                const char *(*real)(void) = (const char *(*)(void))dlsym(RTLD_NEXT, "openblas_get_corename");
                return real ? real() : "unknown";
            }
            static void logImage(int argc, char **argv, char **envp) {
                (void)envp;
                char exe[4096] = {0};
                if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0) exe[0] = '?';
                const char *log = getenv("SHIM_LOG"), *fallback = getenv("EARSHOT_OPENBLAS_FALLBACK");
                FILE *f = log ? fopen(log, "a") : NULL;
                if (!f) return;
                fprintf(f, "argv[0]=%s exe=%s fallback=%s\\n", argc > 0 ? argv[0] : "?", exe, fallback ? fallback : "-");
                fclose(f);
            }
            __attribute__((section(".init_array"), used)) static void (*logAtLoad)(int, char **, char **) = logImage;
            """, to: dir.appendingPathComponent("prescott.c"))
        let shim = dir.appendingPathComponent("prescott.so")
        let cc = try Operator.run("/usr/bin/env", [ProcessInfo.processInfo.environment["CC"] ?? "clang", "-O2", "-shared", "-fPIC",
                                                   "-o", shim.path, source.path, "-ldl"])
        try #require(cc.status == 0, "building the shim: \(cc.output)")
        for name in Self.programs {
            let exe = bin.appendingPathComponent(name).path
            let log = dir.appendingPathComponent("\(name).log")
            let r = try Operator.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", "LD_PRELOAD=\(shim.path)", "SHIM_LOG=\(log.path)", exe, "--help"])
            let own = try #require(TestPaths.builtProduct(name))
            let expected = try Operator.run("/usr/bin/env", ["-i", "PATH=/usr/bin:/bin", own.path, "--help"])
            // earshot-train says on stderr that it restarted (the others log it when they run); the help is the program's
            let help = r.output.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("note: ") }.joined(separator: "\n")
            #expect(r.status == 0 && help == expected.output, "\(name) --help after the re-execution (\(r.status)):\n\(r.output.prefix(600))")
            if name == "earshot-train" { #expect(r.output.contains("note: OpenBLAS did not recognise this CPU and chose its Prescott kernels; restarted with OPENBLAS_CORETYPE="), "\(r.output.prefix(600))") }
            // two images: the first with OpenBLAS's (faked) fallback, the re-executed one told about it, both through the same name
            let images = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(images == "argv[0]=\(exe) exe=\(exe) fallback=-\nargv[0]=\(exe) exe=\(exe) fallback=Prescott\n", "\(name): \(images)")
        }
    }

    /// From `make install` to the package (QA 7 finding 10): the postinst names the `make install` files that stay in
    /// force and the fix; `make uninstall` then removes them but leaves the package's own files (the journal
    /// catalog, which both install to the same path) and says so.
    @Test("make install, then the package: postinst warns naming make uninstall, which keeps the package's files")
    func makeInstallThenPackage() throws {
        let deb = try Self.built.get()
        let root = try Self.emptyRoot("deb-make")
        let fm = FileManager.default
        // the package's own binaries serve as make install's (NOBUILD=1 BINSRC=)
        let unpacked = TestPaths.tempDir("deb-unpacked")
        let x = try Operator.run("/usr/bin/dpkg-deb", ["-x", deb.path, unpacked.path])
        #expect(x.status == 0, "\(x.output)")
        let make = { (target: String) throws -> (status: Int32, output: String) in
            try Operator.run("/usr/bin/make", ["-s", "-C", TestPaths.repo.path, target, "DESTDIR=\(root.path)", "NOBUILD=1",
                                               "BINSRC=\(unpacked.path)/usr/bin"])
        }
        let installed = try make("install")
        #expect(installed.status == 0, "make install: \(installed.output)")

        let install = try Self.dpkg(root, ["-i", deb.path])
        #expect(install.status == 0, "dpkg -i: \(install.output)")
        #expect(install.output.contains("WARNING") && install.output.contains("make uninstall")
                && install.output.contains("/etc/systemd/system/earshot.service") && install.output.contains("/usr/local/bin/earshotd"),
                "no warning about the make install copy: \(install.output)")

        let uninstalled = try make("uninstall")
        #expect(uninstalled.status == 0, "make uninstall: \(uninstalled.output)")
        let catalog = "/usr/lib/systemd/catalog/earshot.catalog"
        #expect(uninstalled.output.contains("keeping \(root.path)\(catalog): the Debian package earshot owns it"), "\(uninstalled.output)")
        for gone in ["usr/local/bin/earshotd", "etc/systemd/system/earshot.service", "etc/systemd/system/earshot@.service", "usr/local/share/earshot"] {
            #expect(!fm.fileExists(atPath: root.appendingPathComponent(gone).path), "make uninstall left \(gone)")
        }
        let verify = try Operator.run("/usr/bin/dpkg", ["--root=\(root.path)", "-V", "earshot"])
        #expect(!verify.output.contains("missing"), "make uninstall removed the package's files: \(verify.output)")
        #expect(fm.fileExists(atPath: root.appendingPathComponent(String(catalog.dropFirst())).path))

        // with the make install copy gone, a reinstall has nothing to warn about
        let again = try Self.dpkg(root, ["-i", deb.path])
        #expect(again.status == 0 && !again.output.contains("WARNING"), "dpkg -i (again): \(again.output)")
    }

    /// The maintainer scripts on a host where systemd runs: in a private mount namespace, /run/systemd/system
    /// exists (systemd's own test for "booted with systemd") and /etc/systemd/system holds one enabled
    /// instance; `systemctl` and `journalctl` on PATH record their arguments (systemd is not PID 1 here, so
    /// what is checked is the scripts' side: which units, which verbs, when).
    @Test("maintainer scripts: install reloads and starts nothing, upgrade restarts, removal stops every instance")
    func maintainerScriptsOnASystemdHost() throws {
        let dir = TestPaths.tempDir("deb-scripts")
        let fake = dir.appendingPathComponent("bin"), log = dir.appendingPathComponent("calls")
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        try Operator.write("""
            #!/bin/sh
            echo "systemctl $*" >> '\(log.path)'
            [ "$1" = list-units ] && echo 'earshot@hall.service loaded active running Earshot gunshot detector'
            exit 0
            """, to: fake.appendingPathComponent("systemctl"), mode: 0o755)
        try Operator.write("#!/bin/sh\necho \"journalctl $*\" >> '\(log.path)'\n", to: fake.appendingPathComponent("journalctl"), mode: 0o755)
        let scripts = TestPaths.repo.appendingPathComponent("packaging/debian").path
        let steps: [(String, [String])] = [("postinst", ["configure", ""]), ("postinst", ["configure", "0.8.0"]),
                                            ("prerm", ["upgrade", "0.9.1"]), ("prerm", ["remove"]), ("postrm", ["remove"])]
        var body = """
            set -e
            mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system
            mount -t tmpfs tmpfs /etc/systemd/system && mkdir /etc/systemd/system/multi-user.target.wants
            ln -s /usr/lib/systemd/system/earshot@.service /etc/systemd/system/multi-user.target.wants/earshot@dock.service
            export PATH='\(fake.path)':$PATH
            unset DPKG_ROOT

            """
        for (name, args) in steps {
            body += "echo '== \(name) \(args.joined(separator: " "))' >> '\(log.path)'\n"
            body += "sh '\(scripts)/\(name)' \(args.map { "'\($0)'" }.joined(separator: " "))\n"
        }
        let script = try Operator.write(body, to: dir.appendingPathComponent("run.sh"))
        let r = try Operator.run("/usr/bin/unshare", ["-m", "/bin/sh", script.path])
        #expect(r.status == 0, "\(r.output)")
        let calls = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let expected = """
            == postinst configure 
            journalctl --update-catalog
            systemctl daemon-reload
            == postinst configure 0.8.0
            journalctl --update-catalog
            systemctl daemon-reload
            systemctl try-restart earshot.service earshot@*.service
            == prerm upgrade 0.9.1
            == prerm remove
            systemctl list-units --all --plain --no-legend earshot@*.service
            systemctl disable --now earshot.service earshot@hall.service earshot@dock.service
            == postrm remove
            journalctl --update-catalog
            systemctl daemon-reload

            """
        #expect(calls == expected, "\(calls)")
        // a fresh install tells the operator what to do next; an upgrade does not repeat it
        #expect(r.output.components(separatedBy: "earshot installed (not started)").count == 2, "\(r.output)")
        #expect(r.output.contains("\n  earshot status "), "and how to see that it listens: \(r.output)")
    }

    @Test("binaries that load the Swift runtime from the toolchain are refused, naming the library and the fix")
    func refusesToolchainRuntime() throws {
        // the test build's own earshot-multicall is linked against the toolchain's libswiftCore.so; SWIFT=/bin/true
        // "builds" nothing, so the script meets exactly that binary
        let built = try #require(TestPaths.builtProduct("earshot-multicall"), "earshot-multicall is not built (swift build)")
        let scratch = TestPaths.tempDir("deb-dynamic")
        let dir = scratch.appendingPathComponent("debug")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: built, to: dir.appendingPathComponent("earshot-multicall"))
        let out = TestPaths.tempDir("deb-dynamic-out")
        let r = try Operator.run("/bin/bash", [Self.script], environment: [
            "OUT": out.path, "CONFIGURATION": "debug", "SWIFT": "/bin/true", "SCRATCH": scratch.path])
        #expect(r.status != 0)
        #expect(r.output.contains("earshot-multicall loads the Swift runtime") && r.output.contains("libswiftCore.so") && r.output.contains("--static-swift-stdlib"), "\(r.output)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).isEmpty, "a package was written anyway")
    }
}
