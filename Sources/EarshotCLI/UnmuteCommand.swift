import ArgumentParser
import EarshotDaemon
import Foundation

/// `earshot unmute`: end a mute early; alerts page again within a second.
struct UnmuteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmute",
        abstract: "End a mute (earshot mute) now: alerts run the hook again within a second.",
        discussion: """
            Example:
              sudo earshot unmute
              sudo earshot unmute --instance hall
            """
    )

    @Option(help: "Unmute earshot@NAME.service (state in /var/lib/earshot-NAME).")
    var instance: String?

    @Option(help: ArgumentHelp("earshotd's state directory (default /var/lib/earshot, or /var/lib/earshot-NAME).", visibility: .hidden))
    var stateDirectory: String?

    func run() throws {
        let (path, unit) = try MuteCommand.muteFile(instance: instance, stateDirectory: stateDirectory)
        let before = (try? Mute.read(path: path)).flatMap { $0 }
        let removed: Bool
        do { removed = try Mute.remove(path: path) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        guard removed else { print("\(unit): was not muted; nothing to do"); return }
        let was = before.map { $0.isActive(at: Date()) ? " (it was muted \($0.summary))" : " (its last mute had ended)" } ?? " (an unreadable mute file, which muted nothing, was removed)"
        print("\(unit): unmuted\(was); alerts run the hook again within a second")
    }
}
