import Foundation
import Testing

/// `--help` of every command reads as written at a terminal's 80 columns (session 48's CLI QA 22): a paragraph
/// is one line of the help text (continued with `\` in the source), which ArgumentParser wraps to the width;
/// a paragraph broken by hard line breaks came out ragged, each source line wrapped on its own. Example lines
/// are never wrapped, so each fits in 80 columns.
struct HelpTextTests {
    /// Every command to check, read from each program's own `--help` ("SUBCOMMANDS:"), so a command added
    /// later is checked without being listed here: `earshot` and its subcommands, `earshot-train`'s, earshotd.
    static func commands() throws -> [(product: String, args: [String])] {
        var all: [(product: String, args: [String])] = [("earshot", []), ("earshotd", [])]
        for product in ["earshot", "earshot-train"] {
            let names = try subcommands(product)
            #expect(!names.isEmpty, "\(product) --help lists no SUBCOMMANDS")
            all += names.map { (product, [$0]) }
        }
        return all
    }

    /// The names in a program's "SUBCOMMANDS:" section: the lines indented by exactly two spaces (continuations
    /// of a summary are indented further). COLUMNS=1000 keeps every summary on its own line.
    static func subcommands(_ product: String) throws -> [String] {
        let r = try CLIRunner.run(["--help"], environment: ["COLUMNS": "1000"], product: product)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
        return lines[(start + 1)...].prefix { !$0.isEmpty }.compactMap { l in
            guard l.hasPrefix("  "), !l.hasPrefix("   "), let name = l.split(separator: " ").first else { return nil }
            return String(name)
        }
    }

    @Test func everyProgramsSubcommandsAreFound() throws {
        let earshot = try Self.subcommands("earshot")
        // the operator's commands the README names; a parse that lost the section or a line would miss some
        for name in ["detect", "calibrate", "status", "incidents", "mute", "unmute", "features"] {
            #expect(earshot.contains(name), "earshot --help: \(name) not found in \(earshot)")
        }
        #expect(try Self.subcommands("earshot-train") == ["train", "evaluate", "adapt"])
        #expect(try Self.subcommands("earshotd").isEmpty)
    }

    /// The lines of the overview and discussion ("OVERVIEW: …" up to "USAGE:"), unwrapped (COLUMNS=1000).
    static func discussion(_ product: String, _ args: [String]) throws -> [Substring] {
        let r = try CLIRunner.run(args + ["--help"], environment: ["COLUMNS": "1000"], product: product)
        #expect(r.status == 0, "\(product) \(args) --help: \(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let usage = lines.firstIndex { $0.hasPrefix("USAGE:") } ?? lines.endIndex
        return Array(lines[..<usage])
    }

    @Test func paragraphsAreOneLineAndExamplesFitEightyColumns() throws {
        for (product, args) in try Self.commands() {
            let lines = try Self.discussion(product, args)
            let name = "\(product) \(args.joined(separator: " ")) --help"
            #expect(lines.first?.hasPrefix("OVERVIEW:") == true, "\(name): \(lines.prefix(3))")
            for (a, b) in zip(lines, lines.dropFirst()) {
                let prose = { (l: Substring) in !l.isEmpty && !l.hasPrefix(" ") }
                // a line of prose followed by more prose is a paragraph broken by a hard line break, unless it
                // introduces what follows ("Examples:", "By hand:")
                #expect(!(prose(a) && prose(b) && !a.hasSuffix(":")), "\(name): a hard line break inside a paragraph:\n\(a)\n\(b)")
            }
            for l in lines where l.hasPrefix(" ") {
                #expect(l.count <= 80, "\(name): this example line is \(l.count) columns wide, so the terminal breaks it:\n\(l)")
            }
        }
    }

    /// At 80 columns nothing is longer than 80, and no line of prose is a short stub left by a wrap of its own
    /// source line (the ragged look): every wrapped paragraph line but its last reaches past column 60.
    @Test func atEightyColumnsParagraphsWrapEvenly() throws {
        for (product, args) in try Self.commands() {
            let r = try CLIRunner.run(args + ["--help"], environment: ["COLUMNS": "80"], product: product)
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let usage = lines.firstIndex { $0.hasPrefix("USAGE:") } ?? lines.endIndex
            let name = "\(product) \(args.joined(separator: " ")) --help"
            for l in lines[..<usage] { #expect(l.count <= 80, "\(name): \(l.count) columns: \(l)") }
            for (a, b) in zip(lines[..<usage], lines[..<usage].dropFirst()) where !a.isEmpty && !a.hasPrefix(" ") && !b.isEmpty && !b.hasPrefix(" ") && !a.hasSuffix(":") {
                #expect(a.count > 60, "\(name): a ragged line before \"\(b.prefix(30))…\":\n\(a)")
            }
        }
    }
}
