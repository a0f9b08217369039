// earshot, earshotd and earshot-train in one program, which does the work of the one whose name it is run as (the
// basename of argv[0]). The Debian package installs it once, as /usr/bin/earshot with /usr/bin/earshotd and
// /usr/bin/earshot-train hard links to it, so the Swift runtime, Foundation and ICU's data linked in
// (--static-swift-stdlib) are shipped once, not three times. Hard links: each name is a file of its own (no fourth
// name in /usr/bin), /proc/self/exe is the name it was run by, beside ../share/earshot (DefaultModel), and
// OpenBLASKernel's re-execution of /proc/self/exe passes the same argv[0] on, so it lands in the same program.
import EarshotCLI
import EarshotDaemonCLI
import EarshotTrainCLI
#if canImport(Glibc)
import Glibc
#endif

let called = CommandLine.arguments.first.flatMap { $0.split(separator: "/").last.map(String.init) } ?? ""
switch called {
case "earshot": EarshotCommandMain.main()
case "earshotd": await EarshotdCommandMain.main()
case "earshot-train": EarshotTrainCommandMain.main()
default:
    fputs("""
        earshot-multicall: run as '\(called)', which is none of its programs. It is earshot, earshotd and earshot-train \
        in one, and does the work of the one whose name it is run as: run it through a hard link (or symlink) named \
        earshot, earshotd or earshot-train (the Debian package's /usr/bin has them; ln earshot-multicall earshotd), \
        or with that name as argv[0] (bash: exec -a earshotd earshot-multicall --help).

        """, stderr)
    exit(2)
}
