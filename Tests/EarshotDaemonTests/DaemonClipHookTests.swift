import EarshotDaemon
import Foundation
import Testing

/// `clip_hook:` through the whole daemon and the real ALSA path: for every alert, once its evidence clip is
/// written — complete on disk — the clip hook runs with that alert's event id, its clip and EARSHOT_CLIP_READY=1,
/// while the alert's own hook ran before, with EARSHOT_CLIP_READY=0.
@Suite(.serialized) struct DaemonClipHookTests {
    /// (event id, clip path) of each alert line on stderr.
    static func events(_ stderr: String) -> [(id: String, clip: String)] {
        DaemonHookFixture.alerts(stderr).map { line in
            func field(_ name: String) -> String {
                line.range(of: name + #"=\S+"#, options: .regularExpression).map { String(line[$0].dropFirst(name.count + 1)) } ?? "?"
            }
            return (field("EARSHOT_EVENT_ID"), field("EARSHOT_CLIP"))
        }
    }

    @Test func everyWrittenClipIsSentAlong() throws {
        let s = try DaemonHookFixture.setup()
        let events = Self.events(try DaemonHookFixture.run(s, mute: nil, pace: 0))
        #expect(events.count == 2, "\(events)")
        #expect(DaemonHookFixture.lines(s.hookOut) == events.map(\.id), "the hook ran for each alert")
        let runs = DaemonHookFixture.lines(s.clipOut).map { $0.split(separator: " ").map(String.init) }
        #expect(runs.map { $0.first ?? "" }.sorted() == events.map(\.id).sorted(), "one clip hook run per alert: \(runs)")
        for e in events {
            let size = (try? FileManager.default.attributesOfItem(atPath: e.clip)[.size] as? Int) ?? -1
            let run = runs.first { $0.first == e.id }
            #expect(run?.count == 3 && run?[1] == "1" && Int(run?[2] ?? "") == size && size > 44 + 2 * 16_000 * 2,
                    "the clip hook saw the whole clip \(e.clip) (\(size) bytes on disk): \(String(describing: run))")
        }
    }
}
