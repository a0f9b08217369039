import ArgumentParser

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "not yet implemented")
    func run() throws { throw ValidationError("not yet implemented") }
}
