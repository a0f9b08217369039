import ArgumentParser

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "not yet implemented")
    func run() throws { throw ValidationError("not yet implemented") }
}
