import ArgumentParser

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "not yet implemented")
    func run() throws { throw ValidationError("not yet implemented") }
}
