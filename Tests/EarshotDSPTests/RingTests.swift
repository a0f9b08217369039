import Foundation
import Synchronization
import Testing
@testable import EarshotDSP

/// SampleRing invariants and a two-thread stress test.
@Suite struct RingTests {
    static func readAll(_ ring: SampleRing, max: Int = 1 << 16) -> [Float] {
        var buf = [Float](repeating: -1, count: max)
        let k = buf.withUnsafeMutableBufferPointer { ring.read(into: $0) }
        return Array(buf[0..<k])
    }

    static func ramp(_ range: Range<Int>) -> [Float] { range.map(Float.init) }

    @Test func capacityIsRoundedUpToPowerOfTwo() {
        #expect(SampleRing(capacity: 1000).capacity == 1024)
        #expect(SampleRing(capacity: 1024).capacity == 1024)
        #expect(SampleRing(capacity: 1025).capacity == 2048)
        #expect(SampleRing(capacity: 1).capacity == 2)
    }

    @Test func emptyReadReturnsZero() {
        let ring = SampleRing(capacity: 16)
        #expect(ring.available == 0)
        #expect(Self.readAll(ring).isEmpty)
        var none = [Float]()
        #expect(none.withUnsafeMutableBufferPointer { ring.read(into: $0) } == 0)
        ring.write([1, 2])
        #expect(none.withUnsafeMutableBufferPointer { ring.read(into: $0) } == 0, "empty destination reads nothing")
        #expect(ring.available == 2)
    }

    @Test func wrapsAroundInOrder() {
        let ring = SampleRing(capacity: 8)
        ring.write(Self.ramp(0..<5))
        #expect(Self.readAll(ring) == Self.ramp(0..<5))
        ring.write(Self.ramp(5..<11)) // slots 5,6,7,0,1,2
        #expect(ring.available == 6)
        #expect(Self.readAll(ring) == Self.ramp(5..<11))
        #expect(ring.overrunSamples == 0)
        #expect(ring.totalWritten == 11)
    }

    @Test func holdsExactlyCapacityWithoutOverrun() {
        let ring = SampleRing(capacity: 8)
        ring.write(Self.ramp(0..<8))
        #expect(ring.available == 8)
        #expect(ring.overrunSamples == 0)
        #expect(Self.readAll(ring) == Self.ramp(0..<8))
        #expect(ring.available == 0)
    }

    @Test func overwritesOldestAndCountsIt() {
        let ring = SampleRing(capacity: 8)
        ring.write(Self.ramp(0..<8))
        ring.write(Self.ramp(8..<11))
        #expect(ring.overrunSamples == 3, "lapped samples count before the consumer notices")
        #expect(ring.available == 8)
        #expect(Self.readAll(ring) == Self.ramp(3..<11))
        #expect(ring.overrunSamples == 3)
        // one chunk longer than the ring keeps only its tail
        ring.write(Self.ramp(11..<31))
        #expect(Self.readAll(ring) == Self.ramp(23..<31))
        #expect(ring.overrunSamples == 3 + 12)
    }

    @Test func partialReadsContinueWhereTheyStopped() {
        let ring = SampleRing(capacity: 16)
        ring.write(Self.ramp(0..<13))
        #expect(Self.readAll(ring, max: 5) == Self.ramp(0..<5))
        #expect(ring.available == 8)
        #expect(Self.readAll(ring, max: 5) == Self.ramp(5..<10))
        #expect(Self.readAll(ring, max: 5) == Self.ramp(10..<13))
        #expect(Self.readAll(ring, max: 5).isEmpty)
    }

    /// Producer writes 0, 1, 2, … in random chunks; the consumer reads at a random pace. Every sample seen is
    /// the previous one + 1 except across gaps, and the gaps add up to the overrun counter.
    /// Arguments: ring capacity, and whether the producer pauses now and then (so the consumer keeps up for
    /// stretches) or writes flat out (constant lapping, exercising the discard-after-copy path).
    @Test(arguments: [(64, false), (4096, true), (1 << 16, true)])
    func twoThreadStress(capacity: Int, producerPauses: Bool) throws {
        let total = 4_000_000 // < 2^24, so every counter value is exact in Float
        let ring = SampleRing(capacity: capacity)
        let done = Atomic<Bool>(false)
        let producer = Thread {
            var rng = SplitMix(seed: 7)
            var chunk = [Float](repeating: 0, count: 512)
            var next = 0
            while next < total {
                let n = min(total - next, 1 + Int(rng.next() % 512))
                for i in 0..<n { chunk[i] = Float(next + i) }
                chunk.withUnsafeBufferPointer { ring.write(UnsafeBufferPointer(rebasing: $0[0..<n])) }
                next += n
                if rng.next() % 64 == 0 { sched_yield() }
                if producerPauses, rng.next() % 16 == 0 { usleep(20) }
            }
            done.store(true, ordering: .releasing)
        }
        producer.start()

        var rng = SplitMix(seed: 11)
        var buf = [Float](repeating: 0, count: 2048)
        var expected = 0, seen = 0, gaps = 0, disorder = 0
        while true {
            let finished = done.load(ordering: .acquiring)
            let want = 1 + Int(rng.next() % 2048)
            let k = buf.withUnsafeMutableBufferPointer { ring.read(into: UnsafeMutableBufferPointer(rebasing: $0[0..<want])) }
            for i in 0..<k {
                let v = Int(buf[i])
                if v < expected { disorder += 1 } else { gaps += v - expected }
                expected = v + 1
            }
            seen += k
            if finished && k == 0 && ring.available == 0 { break }
            switch rng.next() % 8 {
            case 0: usleep(50)
            case 1: sched_yield()
            default: break
            }
        }
        gaps += total - expected // lost at the very end (cannot happen after draining, but count it)
        print("ring stress capacity \(capacity) pauses \(producerPauses): seen \(seen), overrun \(ring.overrunSamples)",
              "(discarded after copy \(ring.staleDiscarded.load(ordering: .relaxed))), written \(ring.totalWritten)")
        #expect(disorder == 0, "samples out of order or duplicated")
        #expect(ring.totalWritten == total)
        #expect(gaps == ring.overrunSamples)
        #expect(seen + ring.overrunSamples == total)
        #expect(expected == total, "the last sample written was read")
    }
}
