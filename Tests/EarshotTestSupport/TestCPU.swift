import Foundation

/// What the tests of OpenBLAS's kernel choice need to know about this machine's CPU, read independently of
/// the code under test (`OpenBLASKernel`).
public enum TestCPU {
    /// x86-64 CPUs with these flags run OpenBLAS's AVX2 (Haswell) kernels or better.
    public static var hasAVX2AndFMA: Bool { flags.isSuperset(of: ["avx2", "fma"]) }

    /// The AVX-512 subsets Earshot's convolution kernel (`EarshotAVX512`) is compiled for.
    public static var hasAVX512: Bool { flags.isSuperset(of: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]) }

    /// The CPU lists every one of `needed` (/proc/cpuinfo flag names).
    public static func has(_ needed: Set<String>) -> Bool { flags.isSuperset(of: needed) }

    static var flags: Set<String> {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: " ").map(String.init))
    }

    /// OpenBLAS kernel names (`openblas_get_corename`) without AVX2 GEMM: what OpenBLAS falls back to on a CPU
    /// it does not know (Debian 12's 0.3.21 gives "Prescott" on Emerald Rapids, family 6 model 207).
    public static let preAVX2Kernels: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge", "Atom", "Barcelona"]
}
