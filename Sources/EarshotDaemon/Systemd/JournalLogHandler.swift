import Foundation
import Logging
import Synchronization

/// swift-log handler: structured journal entries under systemd (JOURNAL_STREAM set), plain stderr lines
/// otherwise. Metadata become upper-case journal fields (EARSHOT_…).
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    /// This logger's own level if one was set on it, else the process's (`processLevel`).
    public var logLevel: Logger.Level {
        get { ownLevel ?? Self.processLevel }
        set { ownLevel = newValue }
    }
    private var ownLevel: Logger.Level?
    let label: String
    let useJournal: Bool

    public init(label: String, useJournal: Bool = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil) {
        self.label = label
        self.useJournal = useJournal
    }

    /// Bootstraps swift-log once per process, at `level` (`processLevel`).
    public static func bootstrap(level: Logger.Level = .info) {
        processLevel = level
        LoggingSystem.bootstrap { JournalLogHandler(label: $0) }
    }

    /// The level of every logger not given its own: earshotd's `log_level:`, which a reload changes.
    public static var processLevel: Logger.Level {
        get { Logger.Level.allCases[levelIndex.load(ordering: .relaxed)] }
        set { levelIndex.store(Logger.Level.allCases.firstIndex(of: newValue) ?? 2, ordering: .relaxed) }
    }
    private static let levelIndex = Atomic<Int>(Logger.Level.allCases.firstIndex(of: .info) ?? 2)

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
