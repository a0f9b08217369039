import ArgumentParser
import EarshotDetect
import EarshotNN
import Foundation

struct ModelInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-info",
        abstract: "Show a model's architecture, feature parameters, thresholds and training provenance.",
        discussion: "Example:\n  earshot model-info                 # the shipped model\n  earshot model-info my-model.safetensors"
    )
    @Argument(help: "Model file (default: the shipped model).") var path: String?

    func run() throws {
        let url: URL, m: Model
        do { url = try DefaultModel.resolve(path); m = try Model.load(url) } catch {
            // as `detect` and `calibrate` (FileWorkers.loadModel): a model that cannot be loaded is exit status 2
            FileHandle.standardError.write(Data("earshot: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print("model      \(url.path)")
        print("format     earshot-model v\(Model.formatVersion), \(m.network.parameterCount) parameters, classes \(m.classes)")
        print("input      \(m.network.inputShape) = (channels, mel bands, frames)")
        print("layers")
        var shape = m.network.inputShape
        for (spec, layer) in zip(m.network.specs, m.network.layers) {
            let params = layer.parameters.reduce(0) { $0 + $1.value.count }
            var what = spec.type
            if let n = spec.name { what += " \(n)" }
            if let o = spec.out { what += " out=\(o)" }
            if let md = spec.mode { what += " mode=\(md)" }
            let col = what.padding(toLength: max(28, what.count), withPad: " ", startingAt: 0)
            print("  \(col) \(shape) → \(layer.outShape)\(params > 0 ? "  \(params) params" : "")")
            shape = layer.outShape
        }
        let f = m.features
        print("features   \(f.sampleRate) Hz, n_fft \(f.nFFT), hop \(f.hop), \(f.nMels) \(f.melScale) mels \(String(format: "%g", f.fMin))–\(String(format: "%g", f.fMax)) Hz (norm \(f.melNorm)), window \(f.window), ln(mel + \(f.logEpsilon)), \(f.windowFrames)-frame windows")
        print("scores     fingerprint \(m.scoreFingerprint) (earshotd's score log names the model that scored it by this; `earshot calibrate --scores` needs the same)"
              + (m.fingerprintStored ? "; stored in the file and checked on load" : "; NOT stored in the file: \(m.unverifiedNote ?? "")"))
        print(String(format: "threshold  %.6f (operating point)", m.threshold) + (m.uncalibratedNote.map { "; NOT CALIBRATED: \($0)" } ?? "")
              + (m.notRecommendedNote.map { "; NOT RECOMMENDED: \($0)" } ?? ""))
        for (k, v) in m.thresholds.sorted(by: { (Double($0.key) ?? 0) < (Double($1.key) ?? 0) }) {
            print("           \(String(format: "%.6f", v)) for ≤ \(k) false alarm(s)/hour (\(m.provenance["train.thresholds"] == nil ? "on validation" : "see train.thresholds"))")
        }
        let calibrated = DecisionRule.calibration(of: m)
        if m.uncalibratedNote != nil {   // saved by an interrupted trainer: no threshold was calibrated under any rule
            print("rule       none: the model was never calibrated (train.state uncalibrated), so no false-alarm rate holds for its threshold")
        } else {
            print("rule       " + (calibrated.map { $0.countingDescription + (m.provenance[DecisionRule.calibrationKey] == nil ? " (assumed: the file predates the record; every earlier trainer used it)" : "") + " — the thresholds' false-alarm rates hold under this rule" }
                                   ?? "unreadable \(DecisionRule.calibrationKey) record: the thresholds' false-alarm rates are not known to hold under any rule"))
        }
        do {
            if let shots = try ShotScores(model: m) {
                var rule = calibrated ?? DecisionRule(threshold: m.threshold)
                rule.threshold = m.threshold
                let r = shots.share(rule: rule)
                print(String(format: "test shots %d held-out gunshot clips' window scores (hop %g s): %d found (%.1f %%) at the operating point%@ — `earshot calibrate` gives the share each threshold finds", r.total, shots.hop, r.found, 100 * r.fraction,
                             r.incidents.map { String(format: "; %.1f %% of incidents of %d shots of one source (%d sources)", 100 * $0, ShotScores.incidentShots, Set(shots.sources ?? []).count) } ?? ""))
            }
        } catch { print("test shots \(error)") }
        for (k, v) in m.provenance.sorted(by: { $0.key < $1.key }) where k != ShotScores.key { print("\(k.padding(toLength: 16, withPad: " ", startingAt: 0)) \(v)") }
    }
}
