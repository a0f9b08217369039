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
            var out: [ScoredWindow] = []
            d.onWindow = { out.append($0) }
            var i = from
            x.withUnsafeBufferPointer { all in
                while i + block <= all.count {
                    let part = a.detectorPart(of: UnsafeBufferPointer(rebasing: all[i..<(i + block)]))
                    d.process(part) { _ in }
                    i += block
                }
            }
            return out
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
}
