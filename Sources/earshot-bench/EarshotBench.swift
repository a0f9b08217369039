import ArgumentParser
import EarshotNN

/// Re-runnable benchmarks whose figures go into BENCHMARKS.md (never timed assertions in tests).
@main
struct EarshotBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshot-bench",
        abstract: "Earshot's benchmarks; each prints `figure_name value unit` lines like the Python peers.",
        subcommands: [FeaturesBench.self, InferBench.self, TrainBench.self, DetectBench.self]
    )

    /// Benchmarks run what ships: the same kernel fix as earshot, earshotd and earshot-train.
    static func main() {
        OpenBLASKernel.upgradeIfNeeded()
        if let note = OpenBLASKernel.note { print("# \(note)") }
        main(nil)
    }
}
