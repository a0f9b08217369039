import Foundation
import Testing
@testable import EarshotDaemon

/// The device's outages as the health hook hears of them: a loss at once, its end once the device has held for
/// `device_recover_seconds`, and a link that flaps as one outage.
@Suite struct DeviceNoticeHoldTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aLossIsToldAtOnceAndItsEndOnceTheDeviceHolds() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        let told = h.lost(since: t0, deafBefore: 2)
        #expect(told, "the first loss is told")
        let away = h.due(now: 1_000)
        #expect(away == nil, "not back: nothing to tell")
        h.back(at: t0.addingTimeInterval(3), now: 100)
        let early = h.due(now: 109.9)
        #expect(early == nil, "back 9.9 s: not yet")
        let o = h.due(now: 110)
        #expect(o?.losses == 1 && o?.since == t0 && o?.deafBefore == 2 && o?.back?.date == t0.addingTimeInterval(3), "\(String(describing: o))")
        let again = h.due(now: 200)
        #expect(h.open == nil && again == nil, "told once")
        let later = h.lost(since: t0.addingTimeInterval(60), deafBefore: 5)
        #expect(later, "a later loss is a new outage, told")
    }

    @Test func aLinkThatFlapsIsOneOutage() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        let first = h.lost(since: t0, deafBefore: 0)
        #expect(first)
        for k in 1...3 {
            h.back(at: t0.addingTimeInterval(Double(4 * k)), now: Double(4 * k))
            let short = h.due(now: Double(4 * k) + 3)
            #expect(short == nil, "back 3 s only")
            let told = h.lost(since: t0.addingTimeInterval(Double(4 * k) + 3), deafBefore: 0)
            #expect(!told, "loss \(k + 1) is not told again")
            let away = h.due(now: Double(4 * k) + 20)
            #expect(away == nil, "away again: its end is not due, however long")
        }
        h.back(at: t0.addingTimeInterval(30), now: 30)
        let o = h.due(now: 40)
        #expect(o?.losses == 4 && o?.since == t0 && o?.back?.date == t0.addingTimeInterval(30), "one end, after the last return held: \(String(describing: o))")
    }

    @Test func zeroSecondsTellsTheEndAtOnce() {
        var h = DeviceNoticeHold(recoverSeconds: 0)
        let told = h.lost(since: t0, deafBefore: 0)
        h.back(at: t0.addingTimeInterval(1), now: 50)
        let o = h.due(now: 50)
        #expect(told && o?.losses == 1)
    }

    @Test func aStopTellsTheEndOfAnOutageWhoseDeviceIsBack() {
        var h = DeviceNoticeHold(recoverSeconds: 10)
        let none = h.flush()
        #expect(none == nil, "no outage")
        let told = h.lost(since: t0, deafBefore: 0)
        let away = h.flush()
        #expect(told && away == nil, "still away: the health hook's NOT LISTENING stands")
        h.back(at: t0.addingTimeInterval(2), now: 2)
        let o = h.flush()
        #expect(o?.losses == 1, "back 0 s: told at the stop")
        #expect(h.open == nil)
    }
}
