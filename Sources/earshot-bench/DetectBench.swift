import ArgumentParser
import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation

/// `earshot detect` throughput as × real time, beside the peers' `stream.py` (numpy log-mel + LiteRT, one
/// window per hop). Two figures per round, one thread each:
/// - `stream`: the peers' signal (0.05·N(0, 1), generated before the clock starts) pushed through `Detector`
///   in `--chunk`-sample slices — the same work as stream.py (features + one CNN window per hop);
/// - `file`: the same audio written once as a 16-bit WAV, then `FileAnalyzer.analyze` timed — what
///   `earshot detect FILE` does (libsndfile decode + features + CNN + decision rule); with `--jobs J`
///   also the file's windows split among J detectors, as `earshot detect --jobs J FILE` does (compare
///   with the peers' `run_stream.sh ROUNDS SECONDS J`: J threads each).
struct DetectBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Streaming detector throughput (× real time) at a given hop, like the peers' stream.py.",
        discussion: "Example:\n  earshot-bench detect --seconds 600 --hop 0.1 --rounds 3"
    )

    @Option(help: "Seconds of audio per round (≥ 600 for the documented figure).") var seconds: Double = 600
    @Option(help: "Seconds between CNN windows (stream.py's STREAM_WPS=10 is 0.1).") var hop: Double = 0.1
    @Option(help: "Separate timed rounds.") var rounds: Int = 1
    @Option(help: "Samples per push (the daemon's capture period; stream.py uses 16000).") var chunk: Int = 4096
    @Option(help: "OpenBLAS threads.") var threads: Int = 1
    @Option(help: "Detectors sharing the file figure's windows (earshot detect --jobs); > 1 adds a figure.") var jobs: Int = 1
    @Option(help: "Model file, or 'reference' for the peers' architecture with seeded weights (default: the shipped model if found, else 'reference').") var model: String?
    @Flag(help: "Skip the file (decode + detect) figure.") var noFile = false
    @Flag(help: "Score every window with a full forward pass instead of incrementally (the pre-streaming figure).") var full = false

    func validate() throws {
        guard seconds >= 2 else { throw ValidationError("--seconds must be ≥ 2 (got \(seconds))") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be ≥ 1 (got \(rounds))") }
        guard chunk >= 1 else { throw ValidationError("--chunk must be ≥ 1 (got \(chunk))") }
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1 (got \(threads))") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be ≥ 1 (got \(jobs))") }
        guard jobs == 1 || !noFile else { throw ValidationError("--jobs needs the file figure (drop --no-file)") }
    }

    func run() throws {
        let (m, which) = try loadModel()
        let rule = DecisionRule(threshold: m.threshold, hopSeconds: hop)
        let detector = try Detector(model: m, rule: rule, threads: threads, streaming: !full)
        let workers = try [detector] + (1..<jobs).map { _ in try Detector(model: m, rule: rule, threads: threads, streaming: !full) }
        let sr = detector.sampleRate
        let signal = NNBench.normals(count: Int(seconds * Double(sr)), seed: 0).map { 0.05 * $0 }
        func windows(samples: Int) -> Int { FileAnalyzer.windowCount(samples: samples, detector: detector) }
        let expectedWindows = windows(samples: signal.count)
        _ = Self.stream(Array(signal.prefix(10 * sr)), detector, chunk: chunk)   // warm-up
        var wav: URL?
        if !noFile {
            let u = FileManager.default.temporaryDirectory.appendingPathComponent("detectbench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).wav")
            try AudioFileWriter.writeWAV16(signal, sampleRate: sr, to: u)
            wav = u
        }
        defer { if let wav { try? FileManager.default.removeItem(at: wav) } }
        for _ in 0..<rounds {
            let t0 = NNBench.now()
            let events = Self.stream(signal, detector, chunk: chunk)
            let dt = NNBench.now() - t0
            guard detector.windowsScored == expectedWindows else {
                throw ValidationError("bad run: \(detector.windowsScored) windows scored, expected \(expectedWindows)")
            }
            print("detect_swift_\(threads)t_stream_xrt \(String(format: "%.1f", seconds / dt)) x")
            print("detect_swift_\(threads)t_stream_ms_per_audio_second \(String(format: "%.3f", dt / seconds * 1e3)) ms")
            print("detect_swift_\(threads)t_stream_us_per_window \(String(format: "%.1f", dt / Double(expectedWindows) * 1e6)) us")
            if let wav {
                let t1 = NNBench.now()
                let r = try FileAnalyzer.analyze(wav, detector: detector)
                let df = NNBench.now() - t1
                // a file is streamed between stretches of its own noise floor (`FileAnalyzer.padding`): a few more windows
                let (lead, tail) = FileAnalyzer.padding(samples: signal.count, detector: detector)
                let expectedFileWindows = windows(samples: lead + signal.count + tail)
                guard r.windows == expectedFileWindows else { throw ValidationError("bad file run: \(r.windows) windows, expected \(expectedFileWindows)") }
                print("detect_swift_\(threads)t_file_xrt \(String(format: "%.1f", seconds / df)) x")
                if jobs > 1 {
                    let t2 = NNBench.now()
                    let rj = try FileAnalyzer.analyze(wav, detectors: workers)
                    let dj = NNBench.now() - t2
                    guard rj.windows == expectedFileWindows, rj.events == r.events else {
                        throw ValidationError("bad split file run: \(rj.windows) windows, \(rj.events.count) events; one detector: \(r.windows), \(r.events.count)")
                    }
                    print("detect_swift_\(threads)t_file_\(jobs)jobs_xrt \(String(format: "%.1f", seconds / dj)) x")
                }
            }
            print("# events=\(events) windows=\(expectedWindows)")
        }
        print("# scoring=\(detector.isStreaming ? "incremental" : "full forward pass") model=\(which) hop=\(hop)s (\(detector.hopFrames) frames) windows/s=\(String(format: "%.1f", 1 / (Double(detector.hopFrames * m.features.hop) / Double(sr)))) chunk=\(chunk) seconds=\(seconds) openblas=\(BLAS.coreName) conv=\(StreamingInference.convolutionKernel) threads=\(threads)")
    }

    private func loadModel() throws -> (Model, String) {
        if let model, model != "reference" { return (try Model.load(URL(fileURLWithPath: model)), model) }
        if model == nil, let u = DefaultModel.locate() { return (try Model.load(u), u.path) }
        let c = FeatureConfig()
        return (Model(network: try InferBench.referenceNetwork(), features: c, threshold: 0.5), "reference CNN, seeded weights")
    }

    /// The timed loop: `Detector.process` over `chunk`-sample slices, then `finish`. Returns the event count.
    static func stream(_ x: [Float], _ d: Detector, chunk: Int) -> Int {
        d.reset()
        var events = 0
        x.withUnsafeBufferPointer { all in
            var i = 0
            while i < all.count {
                let n = min(chunk, all.count - i)
                d.process(UnsafeBufferPointer(rebasing: all[i..<(i + n)])) { if case .started = $0 { events += 1 } }
                i += n
            }
        }
        d.finish { _ in }
        return events
    }
}
