/// A problem a command finds while it runs (a flag value it cannot use, a device or file it cannot reach):
/// printed as "Error: …" and exit status 1. ArgumentParser prints a `ValidationError` thrown from `run()` with
/// the top-level usage ("Usage: earshot <subcommand>"), which says nothing about the problem; the messages
/// name the flag or file and the fix themselves.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
