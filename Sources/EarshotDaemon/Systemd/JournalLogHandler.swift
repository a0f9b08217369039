import Foundation
import Logging

/// swift-log handler: structured journal entries under systemd (JOURNAL_STREAM set), plain stderr lines
/// otherwise. Metadata become upper-case journal fields (EARSHOT_…).
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let useJournal: Bool

    public init(label: String, useJournal: Bool = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil) {
        self.label = label
        self.useJournal = useJournal
    }

    /// Bootstraps swift-log once per process.
    public static func bootstrap(level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in
            var h = JournalLogHandler(label: label)
            h.logLevel = level
            return h
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static func priority(_ l: Logger.Level) -> Int {
        switch l {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message
        var all = metadata.merging(event.metadata ?? [:]) { $1 }
        if let error = event.error, all["error"] == nil { all["error"] = "\(error)" }
        if useJournal {
            var f: [(String, String)] = [("MESSAGE", message.description), ("PRIORITY", String(Self.priority(level))), ("SYSLOG_IDENTIFIER", "earshotd")]
            for (k, v) in all {
                let key = k.uppercased().map { ($0.isLetter || $0.isNumber) ? $0 : "_" }
                f.append((String(key), v.description))
            }
            if (try? Journal.send(f)) != nil { return }
        }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        FileHandle.standardError.write(Data("earshotd[\(level)]: \(message)\(meta)\n".utf8))
    }
}
