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
        return (skip, at, ends)
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
}
