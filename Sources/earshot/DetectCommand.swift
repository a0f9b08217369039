import ArgumentParser
import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation

/// `earshot detect`: the daemon's detector over audio files.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run the detector over audio files (any format/rate libsndfile reads), exactly as earshotd does.",
        discussion: """
        Examples:
          earshot detect recording.wav
          earshot detect --json --threshold 0.8 /var/lib/earshot/clips/*.wav
        With --json, one object per line: {"type":"event",...} per event and {"type":"file",...} after each
        file; an unreadable file gives {"type":"error",...}, the others are still analysed, and the exit
        status is 1 at the end.
        """
    )

    @Option(help: "Model file (default: the shipped model).") var model: String?
    @Option(help: "Score threshold (default: the model's, chosen for ≤ 1 false alarm/hour on validation).") var threshold: Float?
    @Option(help: "Consecutive windows above threshold needed for an event.") var minConsecutive: Int = 2
    @Option(help: "Seconds between CNN windows.") var hop: Double = 0.1
    @Flag(help: "JSON lines output.") var json = false
    @Argument(help: "Audio files.") var files: [String]

    func run() throws {
        let m: Model
        do { m = try Model.load(DefaultModel.resolve(model)) } catch {
            FileHandle.standardError.write(Data("earshot: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var rule = DecisionRule(threshold: threshold ?? m.threshold, minConsecutive: minConsecutive, hopSeconds: hop)
        rule.cooldown = 2
        do { try rule.validate() } catch { throw ValidationError("\(error)") }
        let detector = try Detector(model: m, rule: rule)
        var failed = 0
        for f in files {
            do {
                let r = try FileAnalyzer.analyze(URL(fileURLWithPath: f), detector: detector)
                if json {
                    for e in r.events { print(JSONLine.event(file: f, e)) }
                    print(JSONLine.file(file: f, r))
                } else {
                    for e in r.events { print(String(format: "%@  gunshot  %.2f–%.2f s  score %.3f", f, e.start, e.end, e.peakScore)) }
                    print(String(format: "%@: %d event%@ in %.1f s (max score %.3f, threshold %.3f)", f, r.events.count, r.events.count == 1 ? "" : "s", r.duration, r.maxScore, rule.threshold))
                }
            } catch {
                failed += 1
                FileHandle.standardError.write(Data("earshot: \(error)\n".utf8))
                if json { print(JSONLine.error(file: f, "\(error)")) }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

/// The `--json` records, keys in a fixed order.
enum JSONLine {
    static func quote(_ s: String) -> String {
        var o = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "\r": o += "\\r"
            case "\t": o += "\\t"
            default: o += u.value < 0x20 ? String(format: "\\u%04x", u.value) : String(u)
            }
        }
        return o + "\""
    }

    static func num(_ x: Double) -> String { String(format: "%.3f", x) }

    static func event(file: String, _ e: DetectionEvent) -> String {
        "{\"type\":\"event\",\"file\":\(quote(file)),\"start\":\(num(e.start)),\"end\":\(num(e.end)),\"score\":\(num(Double(e.peakScore)))}"
    }

    static func file(file: String, _ r: FileResult) -> String {
        "{\"type\":\"file\",\"file\":\(quote(file)),\"duration\":\(num(r.duration)),\"max_score\":\(num(Double(r.maxScore))),\"events\":\(r.events.count)}"
    }

    static func error(file: String, _ message: String) -> String {
        "{\"type\":\"error\",\"file\":\(quote(file)),\"error\":\(quote(message))}"
    }
}
