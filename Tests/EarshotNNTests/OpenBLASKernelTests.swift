import Foundation
import Testing
@testable import EarshotNN

/// The kernel choice that `OpenBLASKernel.upgradeIfNeeded` acts on (its re-exec is exercised through the built
/// `earshot` in the CLI tests).
@Suite struct OpenBLASKernelTests {
    static let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]
    static let avx512 = avx2.union(["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])

    @Test func aFallbackKernelOnANewerCPUIsUpgradedToTheBestTheFlagsAllow() {
        #expect(OpenBLASKernel.upgrade(current: "Prescott", cpuFlags: Self.avx512.union(["avx512_bf16"])) == "Cooperlake")
        #expect(OpenBLASKernel.upgrade(current: "Prescott", cpuFlags: Self.avx512) == "SkylakeX")
        #expect(OpenBLASKernel.upgrade(current: "Sandybridge", cpuFlags: Self.avx2) == "Haswell")
        #expect(OpenBLASKernel.upgrade(current: "Nehalem", cpuFlags: Self.avx2.union(["avx512f"])) == "Haswell",
                "AVX-512F alone (no BW/DQ/VL) is not enough for the SkylakeX kernels")
    }

    @Test func aKernelOpenBLASChoseItselfOrACPUWithoutAVX2IsLeftAlone() {
        for known in ["Haswell", "Zen", "SkylakeX", "Cooperlake", "NEOVERSEN1", "ARMV8", "POWER9"] {
            #expect(OpenBLASKernel.upgrade(current: known, cpuFlags: Self.avx512) == nil, "\(known)")
        }
        #expect(OpenBLASKernel.upgrade(current: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        #expect(OpenBLASKernel.upgrade(current: "Prescott", cpuFlags: ["avx2"]) == nil, "AVX2 without FMA")
        #expect(OpenBLASKernel.upgrade(current: "Prescott", cpuFlags: []) == nil)
        var read = false
        #expect(OpenBLASKernel.upgrade(current: "Zen", cpuFlags: { read = true; return Self.avx512 }()) == nil)
        #expect(!read, "the CPU's flags are not read when OpenBLAS chose an AVX2-or-better kernel itself")
    }

    @Test func cpuFlagsAreReadFromTheFirstFlagsLineOfProcCpuinfo() {
        let cpuinfo = """
            processor\t: 0
            model name\t: Intel(R) Xeon(R) Processor
            flags\t\t: fpu sse3 avx2 fma avx512f
            bugs\t\t: spectre_v1

            processor\t: 1
            flags\t\t: fpu other
            """
        #expect(OpenBLASKernel.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse3", "avx2", "fma", "avx512f"])
        #expect(OpenBLASKernel.cpuFlags(cpuinfo: "processor\t: 0\nFeatures\t: fp asimd\n").isEmpty)
    }
}
