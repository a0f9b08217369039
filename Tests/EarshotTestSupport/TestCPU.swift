import Foundation

/// What the tests of OpenBLAS's kernel choice need to know about this machine's CPU, read independently of
/// the code under test (`OpenBLASKernel`).
public enum TestCPU {
    /// x86-64 CPUs with these flags run OpenBLAS's AVX2 (Haswell) kernels or better.
    public static var hasAVX2AndFMA: Bool {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(line.split(separator: " ").map(String.init))
        return flags.contains("avx2") && flags.contains("fma")
    }

    /// OpenBLAS kernel names (`openblas_get_corename`) without AVX2 GEMM: what OpenBLAS falls back to on a CPU
    /// it does not know (Debian 12's 0.3.21 gives "Prescott" on Emerald Rapids, family 6 model 207).
    public static let preAVX2Kernels: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge", "Atom", "Barcelona"]
}
