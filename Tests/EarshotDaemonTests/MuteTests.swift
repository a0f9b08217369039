import EarshotDaemon
import Foundation
import Testing

/// The mute file (`earshot mute`) and how earshotd follows it (`MuteWatch`): what mutes, what ends a mute, and
/// that a file that makes no sense never silences the pager.
@Suite struct MuteTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func dir() -> String { TestPaths.tempDir("mute").path }

    @Test func writesAReadableFileAndReadsItBack() throws {
        let d = Self.dir(), path = Mute.path(stateDirectory: d)
        #expect(path == d + "/mute")
        #expect(try Mute.read(path: path) == nil, "no file: not muted")
        let m = Mute(until: Self.t0.addingTimeInterval(7200), reason: "New Year fireworks", by: "alice", since: Self.t0)
        try m.write(path: path)
        #expect(try Mute.read(path: path) == m)
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o644, "earshotd (another user) must be able to read it: \(String(mode, radix: 8))")
        #expect((try FileManager.default.contentsOfDirectory(atPath: d)) == ["mute"], "no temporary file left behind")
        #expect(try Mute.remove(path: path) && !(try Mute.remove(path: path)))
    }

    @Test func brokenOrMissingPlacesNameTheFileAndTheFix() throws {
        let d = Self.dir(), path = Mute.path(stateDirectory: d)
        try "{\"until\": 12".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: MuteFileError.self) { try Mute.read(path: path) }
        do { _ = try Mute.read(path: path) } catch {
            #expect("\(error)".contains(path) && "\(error)".contains("earshot unmute"), "\(error)")
        }
        let m = Mute(until: Self.t0.addingTimeInterval(60), reason: "r", by: "b", since: Self.t0)
        do { try m.write(path: d + "/missing/mute"); Issue.record("wrote into a missing directory") } catch {
            #expect("\(error)".contains("\(d)/missing does not exist") && "\(error)".contains("--instance"), "\(error)")
        }
        // an instance's: its own unit starts it (the hint to name an --instance is no help when one was named)
        do { try m.write(path: d + "/missing/mute", instance: "hall"); Issue.record("wrote into a missing directory") } catch {
            #expect("\(error)".contains("systemctl start earshot@hall)") && !"\(error)".contains("--instance NAME"), "\(error)")
        }
    }

    /// A time is said in words when the formatter cannot write it (it gave "" past some year), and never traps
    /// (a NaN or a time past Int.max seconds did): a huge `earshot mute --for` gets the usual refusal.
    @Test func anyTimeIsDescribed() {
        #expect(Mute.describe(Date(timeIntervalSince1970: 3.6e23)) == "after the year 9999")
        #expect(Mute.describe(Date(timeIntervalSince1970: 1.08e16)) == "after the year 9999")
        #expect(Mute.describe(Date(timeIntervalSince1970: -1e300)) == "before the year 1")
        #expect(Mute.describe(Date(timeIntervalSince1970: .nan)) == "an unknown time")
        #expect(Mute.describe(Date(timeIntervalSince1970: .infinity)) == "the end of time")
        #expect(Mute.describe(Date(timeIntervalSince1970: 253_300_000_000)).hasPrefix("9996-"))
        // to the minute on a minute (a fraction of a second after it too), else with seconds
        let minute = Date(timeIntervalSince1970: 1_780_000_020)
        #expect(Mute.describe(minute).split(separator: ":").count == 2 && Mute.describe(minute.addingTimeInterval(0.5)) == Mute.describe(minute))
        #expect(Mute.describe(minute.addingTimeInterval(30)).split(separator: ":").count == 3)
        let huge = Mute(until: Self.t0.addingTimeInterval(3.6e23), reason: "r", by: "b", since: Self.t0)
        #expect(huge.problem(now: Self.t0) == "it lasts until after the year 9999, longer than the 24 hours a mute may last")
    }

    @Test func onlySensibleMutesAreObeyed() {
        func problem(_ seconds: Double, reason: String = "fireworks", now: Date = Self.t0) -> String? {
            Mute(until: Self.t0.addingTimeInterval(seconds), reason: reason, by: "b", since: Self.t0).problem(now: now)
        }
        #expect(problem(3600) == nil && problem(Mute.maxDuration) == nil)
        #expect(problem(Mute.maxDuration + 3600)?.contains("longer than the 24 hours") == true)
        #expect(problem(0)?.contains("before it starts") == true && problem(-60) != nil)
        #expect(problem(60, reason: " ")?.contains("no reason") == true)
        #expect(problem(60, reason: "two\nlines")?.contains("control character") == true)
        #expect(problem(60, reason: String(repeating: "x", count: Mute.maxReasonLength + 1)) != nil)
        // a file written by hand with an old start cannot reach further than a day from now either
        let sneaky = Mute(until: Self.t0.addingTimeInterval(47 * 3600), reason: "r", by: "b", since: Self.t0.addingTimeInterval(24 * 3600))
        #expect(sneaky.problem(now: Self.t0) != nil)
    }

    @Test func watchReportsStartChangeExpiryAndLift() throws {
        let d = Self.dir(), path = Mute.path(stateDirectory: d)
        let w = MuteWatch(stateDirectory: d)
        #expect(w.poll(now: Self.t0).isEmpty && w.active == nil)
        let a = Mute(until: Self.t0.addingTimeInterval(600), reason: "show", by: "alice", since: Self.t0)
        try a.write(path: path)
        #expect(w.poll(now: Self.t0) == [.started(a)])
        #expect(w.poll(now: Self.t0.addingTimeInterval(1)).isEmpty, "unchanged: nothing to say")
        #expect(w.mute(at: Self.t0.addingTimeInterval(599.9)) == a && w.mute(at: Self.t0.addingTimeInterval(600)) == nil,
                "exact at the expiry between polls")
        // muted again for longer, while muted: the new terms
        let b = Mute(until: Self.t0.addingTimeInterval(1200), reason: "show runs late", by: "bob", since: Self.t0.addingTimeInterval(300))
        try b.write(path: path)
        #expect(w.poll(now: Self.t0.addingTimeInterval(300)) == [.started(b)])
        #expect(w.poll(now: Self.t0.addingTimeInterval(1200)) == [.ended(b, expired: true)] && w.active == nil)
        #expect(w.poll(now: Self.t0.addingTimeInterval(1300)).isEmpty, "an expired file stays quiet")
        // lifted early: the file removed
        let c = Mute(until: Self.t0.addingTimeInterval(4000), reason: "again", by: "carol", since: Self.t0.addingTimeInterval(1400))
        try c.write(path: path)
        #expect(w.poll(now: Self.t0.addingTimeInterval(1400)) == [.started(c)])
        try Mute.remove(path: path)
        #expect(w.poll(now: Self.t0.addingTimeInterval(1500)) == [.ended(c, expired: false)])
    }

    @Test func aBrokenFileMutesNothingAndIsReportedOnce() throws {
        let d = Self.dir(), path = Mute.path(stateDirectory: d)
        let w = MuteWatch(stateDirectory: d)
        let a = Mute(until: Self.t0.addingTimeInterval(600), reason: "show", by: "alice", since: Self.t0)
        try a.write(path: path)
        #expect(w.poll(now: Self.t0) == [.started(a)])
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        let changes = w.poll(now: Self.t0.addingTimeInterval(1))
        #expect(changes.count == 2 && changes.last == .ended(a, expired: false), "\(changes)")
        if case let .invalid(text)? = changes.first {
            #expect(text.contains(path) && text.contains("NOT muted"), "\(text)")
        } else { Issue.record("no invalid report: \(changes)") }
        #expect(w.poll(now: Self.t0.addingTimeInterval(2)).isEmpty && w.active == nil, "reported once per version of the file")
        // a well-formed file asking for a week is ignored too
        try Mute(until: Self.t0.addingTimeInterval(7 * 86_400), reason: "r", by: "b", since: Self.t0).write(path: path)
        let week = w.poll(now: Self.t0.addingTimeInterval(3))
        #expect(week.count == 1 && w.active == nil, "\(week)")
        if case let .invalid(text)? = week.first { #expect(text.contains("longer than the 24 hours"), "\(text)") }
    }
}
