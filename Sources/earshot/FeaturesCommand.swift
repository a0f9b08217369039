import ArgumentParser
import EarshotDSP
import Foundation

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Decode a file and print its log-mel feature summary (the shared DSP path).",
        discussion: "Example:\n  earshot features recording.flac"
    )
    @Argument(help: "Audio file.") var file: String

    func run() throws {
        let clip = try AudioFile.read(URL(fileURLWithPath: file))
        let c = FeatureConfig()
        let lm = try LogMel.compute(clip.samples, config: c)
        let frames = lm.count / c.nMels
        print("\(file): \(clip.sourceFormat), \(clip.sourceSampleRate) Hz × \(clip.sourceChannels) → 16000 Hz mono, \(String(format: "%.2f", clip.duration)) s")
        guard frames > 0 else { print("shorter than one frame (\(c.nFFT) samples): no features"); return }
        let mn = lm.min()!, mx = lm.max()!, mean = lm.reduce(0, +) / Float(lm.count)
        print("log-mel: \(frames) frames × \(c.nMels) mels; min \(String(format: "%.2f", mn)), mean \(String(format: "%.2f", mean)), max \(String(format: "%.2f", mx))")
        var loudest = 0, best = -Float.infinity
        for t in 0..<frames {
            let e = lm[(t * c.nMels)..<((t + 1) * c.nMels)].reduce(0, +)
            if e > best { best = e; loudest = t }
        }
        print("loudest frame at \(String(format: "%.2f", Double(loudest * c.hop) / 16000)) s")
    }
}
