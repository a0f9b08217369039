import Foundation

/// Keeps OpenBLAS off its slowest kernels on CPUs newer than the library.
///
/// OpenBLAS picks its CPU kernels once, while the library loads (its constructor reads `OPENBLAS_CORETYPE`),
/// by the CPU's family and model number. Debian 12's OpenBLAS 0.3.21 does not know Intel's Emerald Rapids
/// (family 6, model 207) and falls back to "Prescott": SSE3 kernels that ran `earshot detect` at 162–166× real
/// time on such a VM where its AVX-512 kernels give 306–339× (2026-12-02, BENCHMARKS.md). A running process
/// cannot switch kernels, so `upgradeIfNeeded` re-executes the program once, at its first line, with
/// `OPENBLAS_CORETYPE` set to the best kernel the CPU's flags allow. An `OPENBLAS_CORETYPE` set by the operator
/// is never overridden (it is also the way to opt out).
public enum OpenBLASKernel {
    /// Kernels without AVX2 GEMM that OpenBLAS falls back to for CPUs it does not know (its `corename` strings).
    static let preAVX2: Set<String> = [
        "Unknown", "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn", "Dunnington",
        "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Sandybridge", "Bobcat",
    ]

    /// The AVX-512 subsets (/proc/cpuinfo flag names) of OpenBLAS's SkylakeX kernels, and of Earshot's own
    /// convolution kernel (`EarshotAVX512`, compiled for skylake-avx512).
    public static let avx512Flags: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    /// Set in the re-executed process: the kernel OpenBLAS had chosen on its own.
    static let fallbackVariable = "EARSHOT_OPENBLAS_FALLBACK"

    /// The kernel to force, or nil to leave OpenBLAS's choice alone: only when OpenBLAS chose a pre-AVX2
    /// kernel on a CPU with AVX2 and FMA (x86-64 flag names as in /proc/cpuinfo; any other CPU gives nil).
    /// The flags are read only for a pre-AVX2 kernel: every program start asks, and /proc/cpuinfo grows with the
    /// core count (0.02 ms to read on a 2-core VM, one block per core).
    public static func upgrade(current: String, cpuFlags readFlags: @autoclosure () -> Set<String>) -> String? {
        guard preAVX2.contains(current) else { return nil }
        let cpuFlags = readFlags()
        if cpuFlags.isSuperset(of: avx512Flags) {
            return cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The first "flags" line of /proc/cpuinfo as a set (empty on CPUs that name it otherwise, e.g. arm64's "Features").
    public static func cpuFlags(cpuinfo: String) -> Set<String> {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// Call first thing in `main`: when OpenBLAS fell back to a pre-AVX2 kernel on a CPU with AVX2, sets
    /// `OPENBLAS_CORETYPE` and re-executes this program (same PID and arguments; under systemd the unit sees no
    /// difference). In the re-executed image it removes both variables again (OpenBLAS has read them), so hooks
    /// and other children get the environment the program was started with. Returns when nothing needs doing, in
    /// the re-executed image, or when `execv` failed (the process then goes on with the slow kernel and `note`
    /// says so). The corresponding C functions are `openblas_get_corename` (via `BLAS.coreName`) and `execv`.
    public static func upgradeIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        if let fallback = env[fallbackVariable] {
            unsetenv(fallbackVariable)
            unsetenv("OPENBLAS_CORETYPE")
            note = "OpenBLAS did not recognise this CPU and chose its \(fallback) kernels; restarted with OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "?") (now \(BLAS.coreName))"
            return
        }
        guard env["OPENBLAS_CORETYPE"] == nil else { return }
        let current = BLAS.coreName
        // the read stays inside the autoclosure argument: /proc/cpuinfo is read only for a pre-AVX2 kernel
        guard let target = upgrade(current: current, cpuFlags: cpuFlags(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")) else { return }
        setenv("OPENBLAS_CORETYPE", target, 1)
        setenv(fallbackVariable, current, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let err = String(cString: strerror(errno))
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(fallbackVariable)
        note = "OpenBLAS chose its \(current) kernels for this CPU and restarting with OPENBLAS_CORETYPE=\(target) failed (execv /proc/self/exe: \(err)); running slower. Fix: set OPENBLAS_CORETYPE=\(target) in the environment (a systemd unit's Environment=)"
    }

    /// One line for logs when this process changed OpenBLAS's kernel choice (or failed to), else nil. Set once,
    /// by `upgradeIfNeeded`, before the program starts any thread.
    public nonisolated(unsafe) private(set) static var note: String?
}
