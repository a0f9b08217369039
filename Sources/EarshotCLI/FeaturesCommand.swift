import ArgumentParser
import EarshotDSP
import Foundation

/// `earshot features`: decode a file and summarise its log-mel features (a smoke test of the DSP path).
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Decode a file and print its log-mel feature summary (the shared DSP path).",
        discussion: """
        Examples:
          earshot features recording.flac
          earshot features --json recording.wav          # {"frames":…,"mels":64,…}
          # a shape line, then one frame per line
          earshot features --npy-like recording.wav > m.txt
        """
    )
    @Flag(help: "Print the summary as one JSON object.") var json = false
    @Flag(help: "Print the whole (frames, mels) matrix as text: a shape line, then one frame per line.") var npyLike = false
    @Argument(help: "Audio file (any format/rate libsndfile reads).") var file: String

    func run() throws {
        let clip = try AudioFile.read(URL(fileURLWithPath: file))
        if let bad = clip.damaged { FileHandle.standardError.write(Data((bad.warning(file: file, handled: "read as silence") + "\n").utf8)) }
        let c = FeatureConfig()
        let lm = try LogMel.compute(clip.samples, config: c)   // (frames, nMels)
        let frames = lm.count / c.nMels
        if npyLike {
            print("# shape (\(frames), \(c.nMels)) float32, row-major: one frame per line, ln(mel + \(c.logEpsilon))")
            for t in 0..<frames { print(lm[(t * c.nMels)..<((t + 1) * c.nMels)].map { String(format: "%.5f", $0) }.joined(separator: " ")) }
            return
        }
        let mn = lm.min() ?? 0, mx = lm.max() ?? 0, mean = frames > 0 ? lm.reduce(0, +) / Float(lm.count) : 0
        var loudest = 0, best = -Float.infinity
        for t in 0..<frames {
            let e = lm[(t * c.nMels)..<((t + 1) * c.nMels)].reduce(0, +)
            if e > best { best = e; loudest = t }
        }
        let loudestTime = Double(loudest * c.hop) / Double(c.sampleRate)
        func f(_ x: Double, _ d: Int = 3) -> String { String(format: "%.\(d)f", x) }
        if json {
            print("{\"file\":\(JSONLine.quote(file)),\"duration\":\(f(clip.duration)),\"source_rate\":\(clip.sourceSampleRate),\"source_channels\":\(clip.sourceChannels),\"frames\":\(frames),\"mels\":\(c.nMels),\"min\":\(f(Double(mn))),\"mean\":\(f(Double(mean))),\"max\":\(f(Double(mx))),\"loudest_frame_time\":\(f(loudestTime))}")
            return
        }
        print("\(file): \(clip.sourceFormat), \(clip.sourceSampleRate) Hz × \(clip.sourceChannels) → \(c.sampleRate) Hz mono, \(f(clip.duration, 2)) s")
        guard frames > 0 else { print("shorter than one frame (\(c.nFFT) samples): no features"); return }
        print("log-mel: \(frames) frames × \(c.nMels) mels; min \(f(Double(mn), 2)), mean \(f(Double(mean), 2)), max \(f(Double(mx), 2))")
        print("loudest frame at \(f(loudestTime, 2)) s")
    }
}
