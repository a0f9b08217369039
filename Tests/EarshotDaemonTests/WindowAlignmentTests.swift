import EarshotDetect
import Testing
@testable import EarshotDaemon

@Suite("WindowAlignment: the detector's windows end where capture blocks end")
struct WindowAlignmentTests {
    /// A detector aligned at stream position `consumed` (= ring index `next`) with blocks of `block` ending at
    /// `blockEnd`, fed block by block through `detectorPart`: the stream position after each window's last
    /// sample, and the window's end on the detector's time base (seconds).
    func run(next: Int, blockEnd: Int, block: Int, blocks: Int) throws -> (skip: Int, at: [Int], ends: [Double]) {
        let d = try Detector(model: try EnergyModel.make(), rule: DecisionRule(threshold: 0.5))
        var a = WindowAlignment()
        let closed = a.align(d, next: next, blockEnd: blockEnd, block: 0, consumed: next)
        #expect(closed == nil && a.pending, "capture not open: wait")
        let aligned = a.align(d, next: next, blockEnd: blockEnd, block: block, consumed: next)
        let skip = try #require(aligned)
        let again = a.align(d, next: next, blockEnd: blockEnd, block: block, consumed: next)
        #expect(!a.pending && again == nil, "aligned once")
        var pos = next, at: [Int] = [], ends: [Double] = []
        d.onWindow = { w in at.append(pos); ends.append(w.end) }
        let x = DaemonTestSignals.recording(seconds: Double(blocks * block) / 16_000 + 0.2, shots: [1.0], rate: 16_000)
        var first = (blockEnd - next) % block
        if first <= 0 { first += block }   // the rest of the block in progress, then whole blocks
        var i = 0
        for b in 0..<blocks {
            let n = b == 0 ? first : block
            x.withUnsafeBufferPointer { all in
                let part = a.detectorPart(of: UnsafeBufferPointer(rebasing: all[i..<(i + n)]))
                pos += n - part.count   // skipped: the detector never sees them
                for k in 0..<part.count { pos += 1; d.process(UnsafeBufferPointer(rebasing: part[k..<(k + 1)])) { _ in } }
            }
            i += n
        }
        guard case let .skip(n) = skip else { Issue.record("started warm with nothing heard: \(skip)"); return (-1, at, ends) }
        return (n, at, ends)
    }

    /// `x` from index `from` to `d` in blocks of the given sizes (as far as `x` goes), through `a.detectorPart`:
    /// the windows it scores.
    static func feed(_ x: [Float], to d: Detector, _ a: inout WindowAlignment, from: Int, blocks: [Int]) -> [ScoredWindow] {
        var out: [ScoredWindow] = []
        d.onWindow = { out.append($0) }
        var i = from
        x.withUnsafeBufferPointer { all in
            for n in blocks where i + n <= all.count {
                d.process(a.detectorPart(of: UnsafeBufferPointer(rebasing: all[i..<(i + n)]))) { _ in }
                i += n
            }
        }
        return out
    }

    @Test func atStartUpTheWindowsEndOnBlockEnds() throws {
        let r = try run(next: 0, blockEnd: 0, block: 1600, blocks: 14)
        #expect(r.skip == 288)
        #expect(r.at.count == 5 && r.at.allSatisfy { $0 % 1600 == 0 }, "\(r.at)")
        // times stay on the stream's base: a window's end is the stream time after its last sample
        for (p, e) in zip(r.at, r.ends) { #expect(abs(e - Double(p) / 16_000) < 1e-9, "\(p) \(e)") }
    }

    /// A new detector in mid-stream (a reload), ring and stream positions apart (samples were lost), blocks
    /// of 50 ms: aligned to the block grid, on the stream's time base.
    @Test func aDetectorStartedInMidStreamIsAlignedToo() throws {
        let r = try run(next: 40_123, blockEnd: 40_800, block: 800, blocks: 26)
        #expect((0..<800).contains(r.skip))
        #expect(r.at.count == 4 && r.at.allSatisfy { ($0 - 40_800) % 800 == 0 }, "\(r.at)")
        for (p, e) in zip(r.at, r.ends) { #expect(abs(e - Double(p) / 16_000) < 1e-9, "\(p) \(e)") }
    }

    /// A detector that replaces another at a block end in mid-stream starts warm from the audio heard: its first
    /// window ends at the next block end, and its windows (ends and scores) are the ones a detector running since
    /// the start on the same grid scores — nothing scored twice, nothing missing.
    @Test func aDetectorStartedWarmScoresWhatTheRunningOneWould() throws {
        let (block, p) = (1600, 64_000)
        let x = DaemonTestSignals.recording(seconds: 8, shots: [4.5], rate: 16_000)
        func feed(_ d: Detector, _ a: inout WindowAlignment, from: Int) -> [ScoredWindow] {
            Self.feed(x, to: d, &a, from: from, blocks: Array(repeating: block, count: (x.count - from) / block))
        }
        let running = try Detector(model: try EnergyModel.make(), rule: DecisionRule(threshold: 0.5))
        var a = WindowAlignment()
        #expect(a.align(running, next: 0, blockEnd: 0, block: block, consumed: 0, heard: 0) == .skip(288))
        let reference = feed(running, &a, from: 0).filter { $0.end > Double(p) / 16_000 + 1e-9 }
        let warm = try Detector(model: try EnergyModel.make(), rule: DecisionRule(threshold: 0.5))
        var b = WindowAlignment()
        let start = b.align(warm, next: p, blockEnd: p, block: block, consumed: p, heard: 32_000)
        #expect(start == .warm(warm.firstWindowSamples - block))
        x.withUnsafeBufferPointer { all in warm.process(UnsafeBufferPointer(rebasing: all[(p - warm.firstWindowSamples + block)..<p])) { _ in } }
        #expect(warm.windowsScored == 0, "the audio heard completes no window")
        let scored = feed(warm, &b, from: p)
        #expect(scored.first.map { abs($0.end - Double(p + block) / 16_000) < 1e-9 } == true, "first window ends at the next block: \(scored.first?.end ?? -1)")
        #expect(scored.count == reference.count && !scored.isEmpty)
        for (w, r) in zip(scored, reference) {
            #expect(abs(w.end - r.end) < 1e-9 && abs(w.score - r.score) <= 1e-5, "\(w) vs \(r)")
        }
        // too little heard: cold, skipping to the grid
        var c = WindowAlignment()
        let cold = try Detector(model: try EnergyModel.make(), rule: DecisionRule(threshold: 0.5))
        #expect(c.align(cold, next: p, blockEnd: p, block: block, consumed: p, heard: 1000) == .skip(cold.alignmentSkip(next: p, blockEnd: p, block: block)))
    }

    /// A device reopened after a loss (or a new capture thread): resampled at 48 kHz its first block is the lag
    /// (244 samples) short, so the new blocks end 244 samples before the running detector's windows do, and each
    /// window would wait 1,356 samples (85 ms) for its block. The kept detector is lined up again, warm: its first
    /// window ends on the first new block end at least a hop after its last one (the rule counts windows), its
    /// windows score what a detector on that grid since the start scores, and its decision state goes on.
    @Test func aKeptDetectorIsLinedUpWithAReopenedDevicesBlocks() throws {
        let (block, p, lag) = (1600, 64_000, 244)
        let x = DaemonTestSignals.recording(seconds: 9, shots: [5.5], rate: 16_000)
        func feed(_ d: Detector, _ a: inout WindowAlignment, blocks: [Int], from: Int) -> [ScoredWindow] {
            Self.feed(x, to: d, &a, from: from, blocks: blocks)
        }
        let d = try Detector(model: try EnergyModel.make(), rule: DecisionRule(threshold: 0.5))
        var a = WindowAlignment()
        #expect(a.align(d, next: 0, blockEnd: 0, block: block, consumed: 0) == .skip(288))
        let before = feed(d, &a, blocks: Array(repeating: block, count: p / block), from: 0)
        #expect(before.last.map { Int(($0.end * 16_000).rounded()) } == p, "the last window ends at the loss")
        let next = WindowAlignment.nextWindowEnd(origin: 288, firstWindow: d.firstWindowSamples, hop: d.hopSamples, consumed: p)
        #expect(next == p + block && WindowAlignment.nextWindowEnd(origin: 288, firstWindow: d.firstWindowSamples, hop: d.hopSamples, consumed: 100) == 288 + d.firstWindowSamples)
        let scoredBefore = d.windowsScored
        // reopened: the first block of the new open (ending at p + 1,356) is in the ring
        a.reopened(notBefore: next)
        let start = a.align(d, next: p, blockEnd: p + block - lag, block: block, consumed: p, heard: 32_000)
        let toFirst = 2 * block - lag   // p + 1,356 is less than a hop after p: the block end after it
        #expect(start == .warm(d.firstWindowSamples - toFirst) && !a.pending)
        x.withUnsafeBufferPointer { all in d.process(UnsafeBufferPointer(rebasing: all[(p - d.firstWindowSamples + toFirst)..<p])) { _ in } }
        #expect(d.windowsScored == scoredBefore, "the audio heard again completes no window")
        let after = feed(d, &a, blocks: [block - lag] + Array(repeating: block, count: 40), from: p)
        let ends = after.map { Int(($0.end * 16_000).rounded()) }
        #expect(ends.first == p + toFirst, "first window: \(ends.first ?? -1), the last before ended at \(p)")
        #expect(!ends.isEmpty && ends.allSatisfy { ($0 - (p + block - lag)) % block == 0 }, "every window ends on a new block end: \(ends.prefix(5))")
        #expect(d.windowsScored == scoredBefore + after.count, "the decision state goes on")
        // what a detector on the new grid since the start scores
        let reference = try Detector(model: try EnergyModel.make(), rule: DecisionRule(threshold: 0.5))
        var r = WindowAlignment()
        _ = r.align(reference, next: 0, blockEnd: block - lag, block: block, consumed: 0)
        let onGrid = feed(reference, &r, blocks: Array(repeating: block, count: x.count / block), from: 0).filter { $0.end > Double(p + toFirst) / 16_000 - 1e-9 }
        #expect(after.count > 20 && onGrid.count >= after.count)
        for (w, g) in zip(after, onGrid) { #expect(abs(w.end - g.end) < 1e-9 && abs(w.score - g.score) <= 1e-5, "\(w) vs \(g)") }
        // too little heard to start warm: the kept detector stays on its grid (restarted cold it would be deaf for a window)
        let grid = d.windowGrid
        a.reopened(notBefore: p + 30 * block)
        #expect(a.align(d, next: p + 30 * block, blockEnd: p + 30 * block + 100, block: block, consumed: p + 30 * block, heard: 1000) == .kept)
        #expect(d.windowGrid == grid && !a.pending && a.skip == 0)
    }

    /// A new detector replacing one whose windows come every two blocks (a 200 ms hop over 100 ms periods): its first
    /// window ends where the old one's next would have, not on the block end just after (two windows 100 ms apart
    /// would count as two in a row).
    @Test func aReplacingDetectorScoresNoWindowLessThanAHopAfterTheLast() throws {
        let d = try Detector(model: try EnergyModel.make(), rule: DecisionRule(threshold: 0.5))
        var a = WindowAlignment()
        a.detectorReplaced(notBefore: 64_000 + 3_200)
        #expect(a.align(d, next: 64_000, blockEnd: 64_000, block: 1_600, consumed: 64_000, heard: 32_000) == .warm(d.firstWindowSamples - 3_200))
        var b = WindowAlignment()
        b.detectorReplaced()
        #expect(b.align(d, next: 64_000, blockEnd: 64_000, block: 1_600, consumed: 64_000, heard: 32_000) == .warm(d.firstWindowSamples - 1_600))
    }
}
