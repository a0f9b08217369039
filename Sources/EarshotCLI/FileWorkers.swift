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
    ///   - jobs: the `--jobs` option: threads in all (nil: one per CPU core); < 1 is a usage error (`validate`),
    ///     more than one per CPU core is lowered to that, with a note on stderr (`threads`).
    ///   - oneGroup: a single group (all threads on one file at a time), e.g. so that `--trace` lines come
    ///     out in file order.
    init(model: Model, rule: DecisionRule, jobs: Int?, files: Int, oneGroup: Bool = false) throws {
        let threads = Self.threads(jobs: jobs)
        groups = oneGroup ? 1 : max(1, min(threads, files))
        perGroup = max(1, threads / groups)
        // built here in turn (FFTW's planner is not thread-safe); each scores on one thread with
        // single-threaded OpenBLAS
        detectors = DetectorBox(try (0..<(groups * perGroup)).map { _ in try Detector(model: model, rule: rule) })
    }

    /// For the commands' `validate()`: `--jobs` below 1 is a usage error.
    static func validate(jobs: Int?) throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1 (got \(jobs))") }
    }

    /// The threads to run for `--jobs` (nil: one per CPU core): at most one per core. Each thread has a detector
    /// of its own (about 1 MB, and its share of the audio), and the scoring is all computation, so threads beyond
    /// the cores only cost memory — a mistyped `--jobs 10000` would take 12 GB. Says so on stderr when it lowers it.
    static func threads(jobs: Int?, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        let cores = max(1, cores)
        guard let jobs else { return cores }
        if jobs > cores {
            FileHandle.standardError.write(Data("earshot: note: --jobs \(jobs) is more than the \(cores) CPU core\(cores == 1 ? "" : "s") here: running \(cores) thread\(cores == 1 ? "" : "s")\n".utf8))
            return cores
        }
        return jobs
    }

    /// The model at `path` (nil: the shipped one); on failure prints why and exits with status 2. A file with no
    /// fingerprint (its damage cannot be told) gets a note on stderr, a model the trainer saved before calibrating
    /// it (`Model.uncalibratedNote`) or a site adaptation its trainer did not recommend (`Model.notRecommendedNote`) a warning.
    static func loadModel(_ path: String?) throws -> Model {
        do {
            let m = try Model.load(DefaultModel.resolve(path))
            if let note = m.unverifiedNote { FileHandle.standardError.write(Data("earshot: note: \(note)\n".utf8)) }
            if let warning = m.uncalibratedNote { FileHandle.standardError.write(Data("earshot: warning: \(warning)\n".utf8)) }
            if let warning = m.notRecommendedNote { FileHandle.standardError.write(Data("earshot: warning: \(warning)\n".utf8)) }
            return m
        } catch {
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
