import ArgumentParser

struct InferBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infer", abstract: "not yet implemented")
    func run() throws { throw ValidationError("not yet implemented") }
}
