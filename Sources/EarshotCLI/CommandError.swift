/// A problem a command finds while it runs (a value that needs the model, a device or file it cannot reach):
/// printed as "Error: …" and exit status 1. A check that needs only the flags belongs in `validate()`, whose
/// `ValidationError` ArgumentParser prints with the subcommand's usage; thrown from `run()`, it would come with
/// the top-level usage ("Usage: earshot <subcommand>"), which says nothing about the problem.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
