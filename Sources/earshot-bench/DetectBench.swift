import ArgumentParser

struct DetectBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "detect", abstract: "not yet implemented")
    func run() throws { throw ValidationError("not yet implemented") }
}
