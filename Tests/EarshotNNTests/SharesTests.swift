import Foundation
import Testing
@testable import EarshotNN

/// `Shares`: contiguous, non-empty shares that cover every item once, never more shares than parts or items,
/// and `run` visits each share exactly once (concurrently when there are several).
@Suite struct SharesTests {
    @Test(arguments: [(0, 2), (1, 2), (5, 2), (5, 4), (7, 3), (32, 2), (3, 8), (16, 1)])
    func sharesCoverEveryItemOnce(n: Int, parts: Int) {
        let s = Shares(n, parts: parts)
        let ranges = (0..<s.used).map(s.range)
        #expect(s.used <= max(0, min(parts, n)))
        #expect(ranges.allSatisfy { !$0.isEmpty })
        #expect(ranges.flatMap { Array($0) } == Array(0..<n))
        if n > 0 { #expect(abs((0..<s.used).map(s.fraction).reduce(0, +) - 1) < 1e-6) }
        let visits = Visits(s.used)
        s.run { visits.mark($0) }
        #expect(visits.counts == [Int](repeating: 1, count: s.used))
    }

    final class Visits: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var counts: [Int]
        init(_ n: Int) { counts = [Int](repeating: 0, count: n) }
        func mark(_ j: Int) { lock.lock(); counts[j] += 1; lock.unlock() }
    }
}
