import Foundation

/// Where a `ThreeModelProtocol` run is and what its output folder holds so far, for the line `earshot-train
/// train` prints when SIGINT or SIGTERM stops it (`interruptionMessage`). The run updates it; the signal
/// handler reads it on another thread, so every access takes the lock.
public final class TrainRunState: @unchecked Sendable {
    public let out: URL
    private let lock = NSLock()
    private var phase = "checking the corpus and --out"
    private var uncalibrated: [String] = []
    private var finished: [String] = []
    private var reportWritten = false
    private var earlier: [String] = []

    public init(out: URL) { self.out = out }

    private func locked<T>(_ f: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return f() }

    /// What the run is doing now ("training model3-paper-energy (3 of 10)"), as the message's "while …".
    func enter(_ phase: String) { locked { self.phase = phase } }

    /// These models' files were in --out when the run began: an earlier run's, until this run saves its own.
    func foundEarlier(_ names: [String]) { locked { earlier = names } }

    /// `name` was saved in --out right after its training, before calibration (`train.state` "uncalibrated").
    func savedUncalibrated(_ name: String) {
        locked {
            earlier.removeAll { $0 == name }
            if !uncalibrated.contains(name) { uncalibrated.append(name) }
        }
    }

    /// `name` was saved in --out calibrated and tested (its final file).
    func savedFinished(_ name: String) {
        locked {
            earlier.removeAll { $0 == name }
            uncalibrated.removeAll { $0 == name }
            if !finished.contains(name) { finished.append(name) }
        }
    }

    func wroteReport() { locked { reportWritten = true } }

    /// One line for an interruption by `signal` ("SIGINT"): where the run stopped, what in --out is incomplete
    /// (models saved uncalibrated, finished ones, model files an earlier run left there, the missing report) and how to go on (`--reuse` takes every
    /// saved model instead of training it again).
    public func interruptionMessage(signal: String) -> String {
        locked {
            let dir = out.path
            var holds: [String] = []
            if !uncalibrated.isEmpty {
                holds.append("\(uncalibrated.joined(separator: ", ")) saved before calibration (train.state \"uncalibrated\": threshold 0.5, not for use; earshot warns about them)")
            }
            if !finished.isEmpty { holds.append("\(finished.joined(separator: ", ")) calibrated and tested") }
            let contents = holds.isEmpty ? "\(dir) holds no model of this run yet" : "\(dir) holds " + holds.joined(separator: "; ")
            // files this run has not replaced yet: another seed's or budget's, which --reuse trains again, not takes
            let left = earlier.isEmpty ? "" : "; \(earlier.joined(separator: ", ")) \(earlier.count == 1 ? "is" : "are") an earlier run's (--reuse takes only models trained with this run's seed, split and budget)"
            let report = reportWritten ? "" : ", and no report of this run (report.md is written last)"
            let resume = holds.isEmpty ? "run the same command again to start over"
                : "to go on, run the same command with --reuse \(dir) (its saved models are taken, not trained again; calibration and the report are redone)"
            return "earshot-train: interrupted by \(signal) while \(phase). \(contents)\(left)\(report); \(resume)."
        }
    }
}
