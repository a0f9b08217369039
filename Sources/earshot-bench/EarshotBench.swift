import ArgumentParser

/// Re-runnable benchmarks whose figures go into BENCHMARKS.md (never timed assertions in tests).
@main
struct EarshotBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshot-bench",
        abstract: "Earshot's benchmarks; each prints `figure_name value unit` lines like the Python peers.",
        subcommands: [FeaturesBench.self, InferBench.self, TrainBench.self, DetectBench.self]
    )
}
