import Foundation

/// Which code computes the streamed convolutions (`ColumnConv`): Earshot's own register-blocked kernels where
/// the CPU has the instructions they are compiled for, else the direct loop (few taps) or im2col + OpenBLAS's
/// SGEMM. Chosen once per process from /proc/cpuinfo's flags and `EARSHOT_CONV_KERNEL` (`blas`, `avx2` or
/// `avx512`: the operator's and the benchmarks' way to a slower or older kernel; a kernel the CPU lacks is never
/// chosen, whatever the variable says).
public enum ConvKernel: String, CaseIterable, Sendable {
    /// `ColumnConvAVX512` (module EarshotAVX512): 8 rows × 32 channels in zmm registers; 3×3 blocks by Winograd's
    /// F(4, 3) or F(2, 3) where `ColumnConv` finds them fit (the transforms are `ColumnConvAVX2`'s).
    case avx512
    /// `ColumnConvAVX2` (module EarshotAVX2): 6 rows × 16 channels in ymm registers; 3×3 blocks by Winograd's
    /// F(4, 3) or F(2, 3) where `ColumnConv` finds them fit.
    case avx2
    /// im2col + OpenBLAS's `cblas_sgemm` (or `ColumnConv`'s direct loop for blocks with few taps).
    case blas

    /// The /proc/cpuinfo flags each kernel's module is compiled for (`-target-cpu skylake-avx512` / `haswell`).
    public var cpuFlags: Set<String> {
        switch self {
        case .avx512: OpenBLASKernel.avx512Flags.union(["avx2", "fma"])
        case .avx2: ["avx2", "fma"]
        case .blas: []
        }
    }

    /// Output channels a block must have a whole multiple of for this kernel (1: any).
    public var channelBlock: Int {
        switch self {
        case .avx512: 32
        case .avx2: 16
        case .blas: 1
        }
    }

    /// The name for logs and benchmark records ("avx512", "avx2", "openblas").
    public var name: String { self == .blas ? "openblas" : rawValue }

    /// One line for operators (`earshot check-config`).
    public var description: String {
        switch self {
        case .avx512: "Earshot's AVX-512 kernel"
        case .avx2: "Earshot's AVX2 kernel"
        case .blas: "im2col + OpenBLAS"
        }
    }

    /// The fastest kernel the CPU runs, at most `requested` (nil: no limit), for blocks of `outputChannels`
    /// channels (nil: any): avx512 > avx2 > blas.
    /// - Parameters: cpuFlags: /proc/cpuinfo's flags (empty on arm64: only `blas`).
    public static func choose(requested: ConvKernel?, cpuFlags: Set<String>, outputChannels: Int? = nil) -> ConvKernel {
        let order: [ConvKernel] = [.avx512, .avx2, .blas]
        let start = requested.flatMap { order.firstIndex(of: $0) } ?? 0
        return order[start...].first {
            cpuFlags.isSuperset(of: $0.cpuFlags) && (outputChannels ?? 0) % $0.channelBlock == 0
        } ?? .blas
    }

    /// This machine's /proc/cpuinfo flags (read once).
    public static let machineFlags = OpenBLASKernel.cpuFlags(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

    /// The value of `EARSHOT_CONV_KERNEL`, if it is one of the kernels' names ("openblas" counts as `blas`).
    static func requested(_ value: String?) -> ConvKernel? {
        guard let v = value?.lowercased(), !v.isEmpty else { return nil }
        return v == "openblas" ? .blas : ConvKernel(rawValue: v)
    }

    /// This process's kernel (read once).
    public static let selected = choose(requested: requested(ProcessInfo.processInfo.environment["EARSHOT_CONV_KERNEL"]), cpuFlags: machineFlags)

    /// A problem with `EARSHOT_CONV_KERNEL` worth a warning (an unknown value, or a kernel this CPU lacks), else nil.
    public static var environmentProblem: String? {
        guard let v = ProcessInfo.processInfo.environment["EARSHOT_CONV_KERNEL"], !v.isEmpty else { return nil }
        guard let r = requested(v) else {
            return "EARSHOT_CONV_KERNEL=\(v) is not a kernel (blas, avx2 or avx512); using \(selected.name). Fix: one of those, or unset it for the fastest this CPU runs"
        }
        return r == selected ? nil : "EARSHOT_CONV_KERNEL=\(v): this CPU lacks the instructions; using \(selected.name)"
    }
}
