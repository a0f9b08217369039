import Foundation
import Testing
@testable import EarshotDSP

/// `ProgressBar` off a terminal (logs, CI): a line at a new 10 % step only once `plainEvery` seconds have passed,
/// so short steps stay silent and long ones report about every 10 s; on a terminal one redrawn bar.
struct ProgressBarTests {
    /// A clock the test moves, and what the bar wrote.
    final class Recorder {
        var time = Date(timeIntervalSince1970: 1_000_000)
        var written: [String] = []
    }

    func bar(_ r: Recorder, total: Int, tty: Bool = false, plainLines: Bool = true) -> ProgressBar {
        ProgressBar("task", total: total, plainLines: plainLines, tty: tty, plainEvery: 10, now: { r.time }, out: { r.written.append($0) })
    }

    /// trainer QA D18: on an 80-column terminal a long label (the trainer's "model6-earshot-bandnorm: negative +
    /// crowd clips") and a note are cut so that every redraw fits the line: a wrapped one leaves copies behind.
    @Test func onATerminalEveryRedrawFitsTheWidth() {
        let r = Recorder()
        let b = ProgressBar("model6-earshot-bandnorm: negative + crowd clips", total: 1234, plainLines: true, tty: true, plainEvery: 10,
                            now: { r.time }, out: { r.written.append($0) }, columns: 80)
        for i in [1, 600, 1234] { r.time += 1; b.update(i, note: "loss 0.4325 and a long note") }
        b.finish("a note after it that is long enough to pass the end of an eighty-column line")
        #expect(r.written.count == 4)
        for w in r.written {
            let visible = w.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\u{1B}[K", with: "").replacingOccurrences(of: "\n", with: "")
            #expect(visible.count <= 79, "\(visible.count): \(visible)")
        }
        #expect(r.written[2].contains("100% 1234/1234 ETA 0:00") && r.written[2].hasPrefix("\rmodel6-earshot-bandnorm"), "\(r.written[2])")
    }

    @Test func aShortTaskWritesNoPlainLine() {
        let r = Recorder()
        let b = bar(r, total: 128)
        for i in 0...128 { r.time += 0.04; b.update(i) }   // 5 s in all, like a training epoch
        b.finish()
        #expect(r.written.isEmpty, "\(r.written)")
    }

    @Test func aLongTaskWritesALineAtMostEveryInterval() {
        let r = Recorder()
        let b = bar(r, total: 100)
        for i in 0...100 { r.time += 1; b.update(i) }       // 101 s, a step a second
        let lines = r.written
        #expect(lines.count >= 8 && lines.count <= 10, "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("task: ") && $0.hasSuffix("\n") && $0.contains("ETA") })
        #expect(lines.first?.contains("10% (10/100), elapsed 0:11") == true, "\(lines.first ?? "")")
        #expect(lines.last?.contains("100% (100/100)") == true, "\(lines.last ?? "")")
    }

    @Test func aSlowStartReportsAtTheNextStepOnly() {
        let r = Recorder()
        let b = bar(r, total: 10)
        r.time += 60; b.update(1)                            // a minute for the first tenth
        b.update(2); b.update(3)                             // then fast: within the interval of that line
        r.time += 10; b.update(4)
        #expect(r.written.count == 2, "\(r.written)")
        #expect(r.written.first?.contains("10% (1/10), elapsed 1:00, ETA 9:00") == true, "\(r.written)")
        #expect(r.written.last?.contains("40% (4/10)") == true, "\(r.written)")
    }

    @Test func plainLinesOffWritesNothingOffATerminal() {
        let r = Recorder()
        let b = bar(r, total: 10, plainLines: false)
        for i in 0...10 { r.time += 30; b.update(i) }
        #expect(r.written.isEmpty)
    }

    @Test func onATerminalTheBarIsRedrawnAndFinished() {
        let r = Recorder()
        let b = bar(r, total: 10, tty: true)
        for i in 0...10 { r.time += 1; b.update(i) }
        b.finish("ok")
        #expect(r.written.count == 12 && r.written.dropLast().allSatisfy { $0.hasPrefix("\rtask █") || $0.hasPrefix("\rtask ·") }, "\(r.written)")
        #expect(r.written.last == "\rtask: done in 0:11 ok\u{1B}[K\n", "\(r.written.last ?? "")")
    }
}
