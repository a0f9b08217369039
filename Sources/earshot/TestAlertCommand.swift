import ArgumentParser

struct TestAlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test-alert", abstract: "not yet implemented")
    func run() throws { throw ValidationError("not yet implemented") }
}
