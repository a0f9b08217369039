import ArgumentParser
import EarshotDetect
import EarshotNN
import Foundation

/// The detectors `earshot detect` and `earshot calibrate` analyse files with: `threads` detectors in groups;
/// each group takes one file at a time and splits that file's windows among its detectors (`FileAnalyzer`),
/// so one long recording uses every core and many files run side by side.
struct FileWorkers {
    private let detectors: DetectorBox
    let groups: Int
    let perGroup: Int

    /// - Parameters:
    ///   - jobs: the `--jobs` option: threads in all (nil: one per CPU core); < 1 is a usage error.
    ///   - oneGroup: a single group (all threads on one file at a time), e.g. so that `--trace` lines come
    ///     out in file order.
    init(model: Model, rule: DecisionRule, jobs: Int?, files: Int, oneGroup: Bool = false) throws {
        if let jobs, jobs < 1 { throw CommandError("--jobs must be ≥ 1 (got \(jobs))") }
        let threads = jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        groups = oneGroup ? 1 : max(1, min(threads, files))
        perGroup = max(1, threads / groups)
        // built here in turn (FFTW's planner is not thread-safe); each scores on one thread with
        // single-threaded OpenBLAS
        detectors = DetectorBox(try (0..<(groups * perGroup)).map { _ in try Detector(model: model, rule: rule) })
    }

    /// The model at `path` (nil: the shipped one); on failure prints why and exits with status 2.
    static func loadModel(_ path: String?) throws -> Model {
        do { return try Model.load(DefaultModel.resolve(path)) } catch {
            FileHandle.standardError.write(Data("earshot: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Runs `body(file index, its group's detectors)` for every index `reports` hands out, on `groups`
    /// threads; `body` reports through `reports.finish`.
    func run(_ reports: OrderedReports, _ body: (Int, [Detector]) -> Void) {
        DispatchQueue.concurrentPerform(iterations: groups) { g in
            let group = Array(detectors.all[(g * perGroup)..<((g + 1) * perGroup)])
            while let i = reports.take() { body(i, group) }
        }
    }
}

/// The workers' detectors; each group is used by one thread at a time.
private final class DetectorBox: @unchecked Sendable {
    let all: [Detector]
    init(_ all: [Detector]) { self.all = all }
}
