@testable import EarshotDSP
import Foundation
import Synchronization
import Testing
@testable import EarshotDaemon

@Suite("CaptureReader: the capture ring read as stretches of contiguous audio")
struct CaptureReaderTests {
    /// What one read handed on: pieces as (first value, count, starts a stretch).
    static func read(_ r: inout CaptureReader, max: Int) -> (pieces: [(first: Float, count: Int, fresh: Bool)], lost: Int) {
        var buf = [Float](repeating: .nan, count: max), pieces: [(first: Float, count: Int, fresh: Bool)] = []
        let (_, lost) = buf.withUnsafeMutableBufferPointer { b in
            r.read(into: b) { p, fresh in pieces.append((p[0], p.count, fresh)) }
        }
        return (pieces, lost)
    }

    @Test func lappedAndGapsStartStretchesExactlyThere() {
        let ring = SampleRing(capacity: 64), gaps = CaptureGaps()
        var r = CaptureReader(ring: ring, gaps: gaps)
        ring.write((0..<10).map(Float.init))
        var got = Self.read(&r, max: 64)
        #expect(got.pieces.count == 1 && got.pieces[0].count == 10 && !got.pieces[0].fresh && got.lost == 0, "the first read continues the (empty) stream: \(got)")

        gaps.record(ring.totalWritten + 5)   // say the capture thread lost audio before its 6th next sample
        ring.write((10..<20).map(Float.init))
        got = Self.read(&r, max: 64)
        #expect(got.pieces.map(\.count) == [5, 5] && got.pieces.map(\.fresh) == [false, true] && got.pieces[1].first == 15, "\(got)")

        ring.write((20..<220).map(Float.init))   // 200 samples into a ring of 64: lapped
        got = Self.read(&r, max: 16)
        #expect(got.lost == 136 && got.pieces.count == 1 && got.pieces[0].fresh && got.pieces[0].first == 156, "\(got)")
        got = Self.read(&r, max: 16)
        #expect(got.lost == 0 && got.pieces.count == 1 && !got.pieces[0].fresh && got.pieces[0].first == 172, "\(got)")
    }

    /// A producer thread writes a counter flat out into a small ring and now and then skips values after recording
    /// a gap (an overrun); the reader, lapped all the time, must mark exactly the pieces whose first value does
    /// not follow the last one it handed on — also after reads that found everything they copied overwritten
    /// (they return nothing, yet skip samples: the case that joined two stretches in one site recording file).
    /// Rounds repeat until reads have caught the producer overwriting what they copied 50,000 samples (the threads
    /// must run at once for that; a round where they took turns exercises only lapping).
    @Test(arguments: [64, 1024])
    func everyDiscontinuityAndOnlyThoseStartAStretch(capacity: Int) {
        var discarded = 0, fresh = 0
        for round in 0..<10 where discarded < 50_000 {
            let r = Self.stress(capacity: capacity, seed: UInt64(round))
            print("capture reader, ring of \(capacity), round \(round): \(r.pieces) pieces, \(r.fresh) starting a stretch;",
                  "lost \(r.lost), of them discarded after the copy \(r.discarded)")
            #expect(r.missed == 0, "pieces joined across lost samples (round \(round))")
            #expect(r.spurious == 0, "stretches started where nothing was lost (round \(round))")
            #expect(r.lost == r.overrun, "every lost sample counted once (round \(round))")
            discarded += r.discarded; fresh += r.fresh
        }
        #expect(fresh > 10, "the test laps the reader and records gaps")
    }

    static func stress(capacity: Int, seed: UInt64) -> (pieces: Int, fresh: Int, missed: Int, spurious: Int, lost: Int, overrun: Int, discarded: Int) {
        let total = 2_000_000   // counter values stay below 2^24: exact in Float
        // room for every gap of a round (≈ 300): a reader descheduled between its ring read and its question to the
        // gaps must still find the gap in what it read (the daemon's 64 hold 6.4 s of overruns in every period)
        let ring = SampleRing(capacity: capacity), gaps = CaptureGaps(capacity: 1_024)
        let done = Atomic<Bool>(false)
        let producer = Thread {
            var rng = SeededRNG(seed: 5 + seed)
            var chunk = [Float](repeating: 0, count: capacity)
            var value = 0, written = 0
            while written < total {
                if rng.int(200) == 0 { gaps.record(ring.totalWritten); value += 1_000 }   // audio lost in capture
                let n = min(total - written, 1 + rng.int(capacity))
                for i in 0..<n { chunk[i] = Float(value + i) }
                chunk.withUnsafeBufferPointer { ring.write(UnsafeBufferPointer(rebasing: $0[0..<n])) }
                value += n; written += n
                if rng.int(64) == 0 { sched_yield() }
            }
            done.store(true, ordering: .releasing)
        }
        producer.start()

        var reader = CaptureReader(ring: ring, gaps: gaps)
        var rng = SeededRNG(seed: 9 + seed)
        var buf = [Float](repeating: 0, count: capacity)
        var last: Float = -1, pieces = 0, fresh = 0, missed = 0, spurious = 0, lost = 0   // the counter starts at 0
        while true {
            let finished = done.load(ordering: .acquiring)
            let want = 1 + rng.int(capacity)
            let (n, l) = buf.withUnsafeMutableBufferPointer { b in
                reader.read(into: UnsafeMutableBufferPointer(rebasing: b[0..<want])) { p, startsStretch in
                    let continues = p[0] == last + 1
                    if startsStretch { fresh += 1; if continues { spurious += 1 } } else if !continues { missed += 1 }
                    for i in 1..<p.count where p[i] != p[i - 1] + 1 { missed += 1 }   // a piece is contiguous
                    last = p[p.count - 1]
                    pieces += 1
                }
            }
            lost += l
            if finished && n == 0 && ring.available == 0 { break }
            if rng.int(8) == 0 { sched_yield() }
        }
        return (pieces, fresh, missed, spurious, lost, ring.overrunSamples, ring.staleDiscarded.load(ordering: .relaxed))
    }
}
