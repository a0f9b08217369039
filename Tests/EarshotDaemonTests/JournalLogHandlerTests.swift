import Logging
import Testing
@testable import EarshotDaemon

@Suite("JournalLogHandler: the process's log level and a logger's own", .serialized)
struct JournalLogHandlerTests {
    /// earshotd's loggers follow `log_level:` as a reload changes it (the process level); a logger given its own
    /// level (`earshot listen` silencing the capture's messages) keeps it.
    @Test func loggersFollowTheProcessLevelUnlessGivenTheirOwn() {
        let saved = JournalLogHandler.processLevel
        defer { JournalLogHandler.processLevel = saved }
        var follower = JournalLogHandler(label: "t", useJournal: false)
        var own = JournalLogHandler(label: "t", useJournal: false)
        own.logLevel = .critical
        for level in [Logger.Level.debug, .warning, .info] {
            JournalLogHandler.processLevel = level
            #expect(follower.logLevel == level && own.logLevel == .critical)
        }
        follower.logLevel = .error
        JournalLogHandler.processLevel = .trace
        #expect(follower.logLevel == .error)
    }
}
