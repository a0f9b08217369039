import ArgumentParser
import EarshotDSP
import EarshotNN

/// The operator's CLI. Subcommands live in one file each; `EarshotCommandMain` starts it.
struct Earshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshot",
        abstract: "Earshot gunshot detector: analyse files, inspect models, check the set-up.",
        version: EarshotVersion.string,
        subcommands: [DetectCommand.self, CalibrateCommand.self, ModelInfoCommand.self, FeaturesCommand.self, DevicesCommand.self, CheckConfigCommand.self, TestAlertCommand.self, ListenCommand.self, MuteCommand.self, UnmuteCommand.self, IncidentsCommand.self, StatusCommand.self]
    )

    /// OpenBLAS's kernel is fixed before anything else runs (it may re-execute this program once).
    static func main() {
        OpenBLASKernel.upgradeIfNeeded()
        main(nil)
    }
}
