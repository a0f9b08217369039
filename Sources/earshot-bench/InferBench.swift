import EarshotDSP
import ArgumentParser
import EarshotNN
import Foundation

/// CNN inference latency and throughput, measured like the Python peers' `infer.py`: 20 warm-up windows, then
/// batch-1 calls for `--budget` seconds (median and minimum latency), then batch-64 calls for `--budget`
/// seconds (median ms per window and windows/s). Random N(0, 1) inputs, generated before the clock starts.
/// Uses the serving path (`InferenceSession`: BN folded, buffers preallocated, no allocation per window).
struct InferBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "CNN inference: ms/window at batch 1 and windows/s at batch 64, like the peers' infer.py."
    )

    @Option(help: "OpenBLAS threads (the daemon uses 1).")
    var threads: Int = 1

    @Option(help: "Seconds per timed phase (batch 1, then batch 64).")
    var budget: Double = 2

    @Option(help: "Separate timed rounds (each prints its own lines).")
    var rounds: Int = 1

    @Option(help: "Model file to time (default: the reference architecture, seeded random weights).")
    var model: String?

    @Flag(help: "Score batch-1 windows layer by layer (im2col + OpenBLAS, the path before 2026-12-04) instead of as a one-window stream through Earshot's convolution kernels: the A/B of the batch-1 path.")
    var layerByLayer = false

    @Flag(help: "Also alternate batch-1 calls of the column path and the layer-by-layer path (two sessions, call by call) and print both medians: the batch-1 path's A/B at the same moments.")
    var comparePaths = false

    @Option(help: "Also time a twin session whose folded network runs with this fusion instead, alternating calls with it (batch 1, then batch 64), and print both medians: an A/B that shares the machine's moment-to-moment speed.")
    var compare: Network.Fusion?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1 (got \(threads))") }
        guard budget > 0 else { throw ValidationError("--budget must be > 0 seconds (got \(budget))") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be ≥ 1 (got \(rounds))") }
        guard !(comparePaths && layerByLayer) else {
            throw ValidationError("--compare-paths times both batch-1 paths itself; drop --layer-by-layer")
        }
    }

    func run() throws {
        let batch = 64
        let network = try model.map { try Model.load(URL(fileURLWithPath: $0)).network } ?? Self.referenceNetwork()
        BLAS.setThreads(threads)
        let session = try InferenceSession(source: network, maxBatch: batch)
        session.scoresWindowsByColumns = !layerByLayer
        let twin = try compare.map { try InferenceSession(source: network, maxBatch: batch, fusion: $0) }
        let perWindow = network.inputShape.count
        let x = NNBench.normals(count: batch * perWindow, seed: 0)
        var sink: Float = 0
        try x.withUnsafeBufferPointer { xb in
            let p = xb.baseAddress!
            for _ in 0..<20 { sink += session.gunshotProbability(p) + (twin?.gunshotProbability(p) ?? 0) }
            for _ in 0..<3 { sink += session.logits(p, n: batch)[0] }
            for _ in 0..<rounds {
                var lat: [Double] = []
                lat.reserveCapacity(100_000)
                let end1 = NNBench.now() + budget
                while NNBench.now() < end1 || lat.count < 50 {
                    let t0 = NNBench.now()
                    sink += session.gunshotProbability(p)
                    lat.append(NNBench.now() - t0)
                }
                if comparePaths {
                    let layers = try InferenceSession(source: network, maxBatch: 1)
                    layers.scoresWindowsByColumns = false
                    var cols: [Double] = [], lays: [Double] = []
                    let end = NNBench.now() + budget
                    while NNBench.now() < end || cols.count < 50 {
                        var t0 = NNBench.now()
                        sink += session.gunshotProbability(p)
                        cols.append(NNBench.now() - t0)
                        t0 = NNBench.now()
                        sink += layers.gunshotProbability(p)
                        lays.append(NNBench.now() - t0)
                    }
                    let (a, b) = (NNBench.median(cols), NNBench.median(lays))
                    print("infer_swift_\(threads)t_b1_ms_ab \(String(format: "%.4f", a * 1e3)) ms by columns, \(String(format: "%.4f", b * 1e3)) ms layer by layer, ratio \(String(format: "%.3f", b / a))")
                }
                if let twin {
                    for n in [1, batch] {
                        var mine: [Double] = [], theirs: [Double] = []
                        let end = NNBench.now() + budget
                        while NNBench.now() < end || mine.count < 5 {
                            var t0 = NNBench.now()
                            sink += session.logits(p, n: n)[0]
                            mine.append((NNBench.now() - t0) / Double(n))
                            t0 = NNBench.now()
                            sink += twin.logits(p, n: n)[0]
                            theirs.append((NNBench.now() - t0) / Double(n))
                        }
                        let (a, b) = (NNBench.median(mine), NNBench.median(theirs))
                        print("infer_swift_\(threads)t_b\(n)_ms_per_window_ab \(String(format: "%.4f", a * 1e3)) ms, fusion \(twin.network.fusion.rawValue): \(String(format: "%.4f", b * 1e3)) ms, ratio \(String(format: "%.3f", b / a))")
                    }
                }
                var per: [Double] = []
                let t0 = NNBench.now()
                while NNBench.now() - t0 < budget || per.count < 5 {
                    let t1 = NNBench.now()
                    sink += session.logits(p, n: batch)[0]
                    per.append(NNBench.now() - t1)
                }
                let total = NNBench.now() - t0
                guard sink.isFinite else { throw ValidationError("non-finite output: the benchmark is broken") }
                let t = "\(threads)t"
                let med = NNBench.median(lat)
                print("infer_swift_\(t)_b1_ms \(String(format: "%.4f", med * 1e3)) ms")
                print("infer_swift_\(t)_b1_minms \(String(format: "%.4f", lat.min()! * 1e3)) ms")
                print("infer_swift_\(t)_b1_wps \(String(format: "%.1f", 1 / med)) windows/s")
                print("infer_swift_\(t)_b64_ms_per_window \(String(format: "%.4f", NNBench.median(per) * 1e3 / Double(batch))) ms")
                print("infer_swift_\(t)_b64_wps \(String(format: "%.1f", Double(batch * per.count) / total)) windows/s")
            }
        }
        print("# openblas core=\(BLAS.coreName) threads=\(BLAS.threads) input=\(network.inputShape) params=\(network.parameterCount) b1=\(session.windowsGoByColumns ? "columns conv=\(StreamingInference.convolutionKernel)" : "layers")")
    }

    /// The reference CNN with seeded He weights and non-trivial BN statistics (as the peers' build_keras).
    static func referenceNetwork() throws -> Network {
        let net = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        net.initialize(seed: 0)
        let r = NNBench.normals(count: 4 * 64, seed: 7)
        for l in net.layers {
            guard let bn = l as? BatchNorm else { continue }
            for c in 0..<bn.inShape.c {
                bn.gamma.value[c] = 1 + 0.1 * r[c]
                bn.beta.value[c] = 0.1 * r[64 + c]
                bn.runningMean.value[c] = 0.1 * r[128 + c]
                bn.runningVar.value[c] = 0.5 + abs(r[192 + c]) * 0.5
            }
        }
        return net
    }
}

/// Helpers shared by the `infer` and `train` benchmarks: a monotonic clock, the median and seeded N(0, 1) data.
enum NNBench {
    /// Seconds on the monotonic clock. The corresponding C function is `clock_gettime` (via `DispatchTime`).
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// `count` standard-normal floats (`SeededRNG.normal`), reproducible per seed.
    static func normals(count: Int, seed: UInt64) -> [Float] {
        var rng = SeededRNG(seed: seed)
        return (0..<count).map { _ in Float(rng.normal()) }
    }
}
