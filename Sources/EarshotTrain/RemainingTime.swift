import Foundation

/// How long the rest of a training run takes, from the epochs it has trained so far. A whole
/// `earshot-train train` is about an hour on 2 cores, and each progress bar times only its own epoch or clip
/// list; this says, between the phases, what is left of the whole (trainer QA: no ETA for the whole run).
struct RemainingTime {
    /// Epochs trained so far, and their seconds.
    private(set) var epochs = 0
    private(set) var seconds = 0.0

    mutating func add(epochs: Int, seconds: Double) {
        self.epochs += epochs
        self.seconds += seconds
    }

    var secondsPerEpoch: Double? { epochs > 0 ? seconds / Double(epochs) : nil }

    /// "≈ 12 min" for `epochsLeft` epochs at this run's pace so far; nil before any epoch.
    func estimate(_ epochsLeft: Int) -> String? {
        secondsPerEpoch.map { Self.words($0 * Double(epochsLeft)) }
    }

    /// A duration as a person says it: "≈ 40 s", "≈ 12 min", "≈ 1 h 05 min".
    static func words(_ s: Double) -> String {
        if s < 90 { return "≈ \(Int(s.rounded())) s" }
        let m = Int((s / 60).rounded())
        return m < 60 ? "≈ \(m) min" : String(format: "≈ %d h %02d min", m / 60, m % 60)
    }

    /// Epochs the models still to train may run: each its own maximum scaled by the share of their maximum that
    /// the models trained so far ran before early stopping ended them (all of it before any has).
    static func expectedEpochs(left maxima: [Int], ran: [(epochs: Int, maximum: Int)]) -> Int {
        let share = ran.isEmpty ? 1 : Double(ran.reduce(0) { $0 + $1.epochs }) / Double(max(1, ran.reduce(0) { $0 + $1.maximum }))
        return maxima.map { max(1, Int((Double($0) * share).rounded())) }.reduce(0, +)
    }
}
