import Foundation

/// Hands out file indices to parallel workers and prints each file's report in the order the files were
/// given, as soon as it and every file before it are done.
final class OrderedReports: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var printed = 0
    private var pending: [Int: () -> Void] = [:]
    private let count: Int
    /// Files whose analysis failed.
    private(set) var failed = 0

    init(count: Int) { self.count = count }

    /// The next file to analyse, or nil when all have been handed out.
    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    /// Records file i's report (a closure that prints it) and prints every report now in order.
    func finish(_ i: Int, failed isFailure: Bool, report: @escaping () -> Void) {
        lock.lock(); defer { lock.unlock() }
        if isFailure { failed += 1 }
        pending[i] = report
        while let r = pending.removeValue(forKey: printed) {
            r()
            printed += 1
        }
    }
}
