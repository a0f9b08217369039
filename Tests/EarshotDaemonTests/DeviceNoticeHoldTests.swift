import Foundation
import Testing
@testable import EarshotDaemon

/// The device's outages as the health hook hears of them: a loss once away for a second, its end once the device
/// has held for `device_recover_seconds`, a link that flaps as one outage, and glitches (back within a second)
/// told only when they keep coming.
@Suite struct DeviceNoticeHoldTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A loss at monotonic `at` (its wall clock t0 + at), told once a second away; true when it was.
    func lose(_ h: inout DeviceNoticeHold, at: Double, deafBefore: Double = 0) -> Bool {
        if case .again = h.lost(since: t0.addingTimeInterval(at), sinceMonotonic: at, deafBefore: deafBefore) { return false }
        return h.problemDue(now: at + DeviceNoticeHold.awaySeconds) != nil
    }

    @Test func aLossIsToldOnceAwayASecondAndItsEndOnceTheDeviceHolds() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        _ = h.lost(since: t0, sinceMonotonic: 0, deafBefore: 2)
        let early = h.problemDue(now: 0.9)
        #expect(early == nil, "away 0.9 s: not yet")
        let told = h.problemDue(now: 1)
        #expect(told?.losses == 1, "away 1 s: told")
        let twice = h.problemDue(now: 2)
        #expect(twice == nil, "told once")
        let away = h.due(now: 1_000)
        #expect(away == nil, "not back: nothing to tell")
        _ = h.back(at: t0.addingTimeInterval(100), now: 100, deafNow: 102)
        let notYet = h.due(now: 109.9)
        #expect(notYet == nil, "back 9.9 s: not yet")
        let o = h.due(now: 110)
        #expect(o?.losses == 1 && o?.since == t0 && o?.deafBefore == 2 && o?.back?.date == t0.addingTimeInterval(100), "\(String(describing: o))")
        let again = h.due(now: 200)
        #expect(h.open == nil && again == nil, "told once")
        let later = lose(&h, at: 300, deafBefore: 5)
        #expect(later, "a later loss is a new outage, told")
    }

    @Test func aLinkThatFlapsIsOneOutage() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        let first = lose(&h, at: 0)
        #expect(first)
        for k in 1...3 {
            _ = h.back(at: t0.addingTimeInterval(Double(4 * k)), now: Double(4 * k), deafNow: 0)
            let short = h.due(now: Double(4 * k) + 3)
            #expect(short == nil, "back 3 s only")
            let told = lose(&h, at: Double(4 * k) + 3)
            #expect(!told, "loss \(k + 1) is not told again")
            let away = h.due(now: Double(4 * k) + 20)
            #expect(away == nil, "away again: its end is not due, however long")
        }
        _ = h.back(at: t0.addingTimeInterval(30), now: 30, deafNow: 0)
        let o = h.due(now: 40)
        #expect(o?.losses == 4 && o?.since == t0 && o?.back?.date == t0.addingTimeInterval(30), "one end, after the last return held: \(String(describing: o))")
    }

    @Test func zeroSecondsTellsTheEndAtOnce() {
        var h = DeviceNoticeHold(recoverSeconds: 0)
        let told = lose(&h, at: 0)
        _ = h.back(at: t0.addingTimeInterval(1), now: 50, deafNow: 0)
        let o = h.due(now: 50)
        #expect(told && o?.losses == 1)
    }

    @Test func aStopTellsTheEndOfAnOutageWhoseDeviceIsBack() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        let none = h.flush()
        #expect(none == nil, "no outage")
        let told = lose(&h, at: 0)
        let away = h.flush()
        #expect(told && away == nil, "still away: the health hook's NOT LISTENING stands")
        _ = h.back(at: t0.addingTimeInterval(2), now: 2, deafNow: 0)
        let o = h.flush()
        #expect(o?.losses == 1, "back 0 s: told at the stop")
        #expect(h.open == nil)
    }

    /// A loss the loop saw, back within a second, and one it never saw are the same glitch: told by neither.
    @Test func aGlitchAloneIsNotTold() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        _ = h.lost(since: t0, sinceMonotonic: 0, deafBefore: 0)
        let seen = h.back(at: t0.addingTimeInterval(0.3), now: 0.3, deafNow: 0.3)
        guard case .nothing = seen else { Issue.record("a glitch seen: \(seen)"); return }
        let late = h.problemDue(now: 5)
        #expect(late == nil && h.open == nil, "back in 0.3 s: no loss to tell, however late the loop looks")
        let unseen = h.glitched(1, seconds: 0.2, at: t0.addingTimeInterval(60), now: 60, deafNow: 0.5)
        guard case .nothing = unseen else { Issue.record("a glitch unseen: \(unseen)"); return }
        #expect(h.glitches.count == 2 && h.flush() == nil, "two glitches counted, nothing told, nothing for a stop to tell")
    }

    /// Three glitches within five minutes are a link that keeps dropping: told once, with all three, and over
    /// once the device has held for the window (not `recoverSeconds`); a glitch within it joins the outage.
    @Test func glitchesThatKeepComingAreOneOutageToldAtTheThird() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        _ = h.glitched(1, seconds: 0.1, at: t0.addingTimeInterval(10), now: 10, deafNow: 5.1)
        _ = h.lost(since: t0.addingTimeInterval(100), sinceMonotonic: 100, deafBefore: 5.1)
        _ = h.back(at: t0.addingTimeInterval(100.2), now: 100.2, deafNow: 5.3)   // seen, back in 0.2 s
        let third = h.glitched(1, seconds: 0.1, at: t0.addingTimeInterval(250), now: 250, deafNow: 5.4)
        guard case let .keepsDropping(o) = third else { Issue.record("the third glitch: \(third)"); return }
        #expect(o.losses == 3 && o.since == t0.addingTimeInterval(9.9) && o.back?.date == t0.addingTimeInterval(250), "\(o)")
        #expect(abs(o.deafBefore - 5.0) < 1e-9, "its seconds are the glitches': 0.4 s of 5.4, \(o.deafBefore)")
        #expect(h.glitches.isEmpty)
        let fourth = h.glitched(2, seconds: 0.2, at: t0.addingTimeInterval(400), now: 400, deafNow: 5.6)
        guard case let .again(a) = fourth else { Issue.record("a glitch in the outage: \(fourth)"); return }
        #expect(a.losses == 5, "joins it")
        let short = h.due(now: 400 + 299)
        #expect(short == nil, "held 299 s: a link that dropped every few minutes is not over after device_recover_seconds")
        let end = h.due(now: 700)
        #expect(end?.losses == 5 && end?.back?.date == t0.addingTimeInterval(400))
    }

    @Test func glitchesFurtherApartThanTheWindowAreNeverTold() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        for k in 0..<10 {
            let t = Double(k) * 151   // two within any 300 s, never three
            let r = h.glitched(1, seconds: 0.1, at: t0.addingTimeInterval(t), now: t, deafNow: 0)
            guard case .nothing = r else { Issue.record("glitch \(k): \(r)"); return }
        }
        #expect(h.open == nil && h.glitches.count == 2)
    }

    /// A reload onto another device: the outage told is returned (its end told, naming the old device), and a loss
    /// not yet told and the glitches go with the old device, so the new one's first glitch is not a third.
    @Test func anotherDeviceStartsAfresh() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        _ = h.glitched(2, seconds: 0.2, at: t0.addingTimeInterval(10), now: 10, deafNow: 0.2)
        let told = lose(&h, at: 20)
        #expect(told)
        let o = h.replaced()
        #expect(o?.losses == 1 && o?.since == t0.addingTimeInterval(20) && h.open == nil && h.glitches.isEmpty, "\(String(describing: o))")
        let next = h.glitched(1, seconds: 0.1, at: t0.addingTimeInterval(30), now: 30, deafNow: 0.3)
        guard case .nothing = next else { Issue.record("the new device's first glitch: \(next)"); return }
        _ = h.lost(since: t0.addingTimeInterval(40), sinceMonotonic: 40, deafBefore: 0.3)
        let untold = h.replaced()
        #expect(untold == nil && h.open == nil, "a loss not yet told is the old device's, and not told")
        let new = lose(&h, at: 50)
        #expect(new, "the new device's loss is told")
    }
}
