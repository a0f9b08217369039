import Testing
@testable import EarshotDSP

@Suite struct HistoryBufferTests {
    @Test func keepsTheLastSamplesAcrossWrapAround() {
        var h = HistoryBuffer(capacity: 10)
        #expect(h.count == 0)
        h.append((0..<7).map(Float.init))
        #expect(h.count == 7)
        #expect(h.last(7) == (0..<7).map(Float.init))
        h.append(7)
        h.append((8..<15).map(Float.init)) // wraps
        #expect(h.count == 10)
        #expect(h.totalAppended == 15)
        #expect(h.last(10) == (5..<15).map(Float.init))
        #expect(h.last(3) == [12, 13, 14])
        #expect(h.last(0).isEmpty)
        h.append((100..<125).map(Float.init)) // longer than the buffer
        #expect(h.last(10) == (115..<125).map(Float.init))
        h.reset()
        #expect(h.count == 0)
    }

    /// Random appends and reads against a plain array.
    @Test func matchesNaiveModel() {
        var rng = SplitMix(seed: 3)
        var h = HistoryBuffer(capacity: 37)
        var model = [Float]()
        var dst = [Float](repeating: 0, count: 37)
        for step in 0..<2000 {
            let n = Int(rng.next() % 50)
            let chunk = (0..<n).map { Float(step * 100 + $0) }
            if n == 1 { h.append(chunk[0]) } else { h.append(chunk) }
            model += chunk
            let m = Int(rng.next() % UInt64(min(model.count, 37) + 1))
            dst.withUnsafeMutableBufferPointer { h.copyLast(m, into: $0) }
            #expect(Array(dst[0..<m]) == Array(model.suffix(m)), "step \(step)")
        }
    }
}
