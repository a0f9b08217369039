import ArgumentParser

struct FeaturesBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "not yet implemented")
    func run() throws { throw ValidationError("not yet implemented") }
}
