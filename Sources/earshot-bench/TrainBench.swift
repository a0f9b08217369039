import EarshotDSP
import ArgumentParser
import EarshotNN
import Foundation

/// Raw training throughput of the NN engine, measured like the Python peers' `train.py`: 4096 random
/// (1, 64, 96) inputs with random labels, batch 32, one network per optimiser (SGD momentum 0.9 lr 0.01;
/// Adam lr 1e-3, no weight decay), a first (warm-up) epoch each, then alternating timed epochs SGD/Adam/…,
/// reshuffled every epoch. No data loading or augmentation: the trainer's end-to-end figure is separate.
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "CNN training samples/s (batch 32, SGD and Adam), like the peers' train.py."
    )

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 2

    @Option(help: "Data-parallel workers: each runs a share of every batch on its own thread and network copy (as earshot-train does; use with --threads 1).")
    var workers: Int = 1

    @Option(help: "Timed epochs per optimiser (after one warm-up epoch).")
    var epochs: Int = 3

    @Option(help: "Random samples per epoch.")
    var samples: Int = 4096

    @Option(help: "Batch size.")
    var batch: Int = 32

    @Option(help: "Which layer runs the networks execute fused: off, bn-relu, bn-relu-pool (all, as earshot-train).")
    var fusion: Network.Fusion = .batchNormReLUPool

    @Option(help: "Also train a twin of each network with this fusion instead, alternating batches with it, and print both rates: an A/B that shares the machine's moment-to-moment speed.")
    var compare: Network.Fusion?

    @Flag(help: "The same as --compare off (every layer run on its own).")
    var compareUnfused = false

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be ≥ 1 (got \(workers))") }
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1 (got \(threads))") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be ≥ 1 (got \(epochs))") }
        guard batch >= 1, samples >= batch else { throw ValidationError("need --samples ≥ --batch ≥ 1 (got \(samples), \(batch))") }
    }

    func run() throws {
        BLAS.setThreads(threads)
        let shape = Shape3(1, 64, 96)
        let x = NNBench.normals(count: samples * shape.count, seed: 0)
        var rng = SeededRNG(seed: 1)
        let y = (0..<samples).map { _ in Int32(rng.next() & 1) }
        /// A fresh reference network (same seed) with its own optimiser: "sgd" or "adam".
        func session(_ name: String, _ fusion: Network.Fusion) throws -> TrainingSession {
            let net = try Network(specs: LayerSpec.reference(), inputShape: shape, fusion: fusion)
            net.initialize(seed: 0)
            let opt: Optimizer = name == "sgd" ? SGD(learningRate: 0.01, momentum: 0.9) : AdamW(learningRate: 1e-3, weightDecay: 0)
            return TrainingSession(network: net, optimizer: opt, maxBatch: batch, workers: workers)
        }
        let runs = try ["sgd", "adam"].map { ($0, try session($0, fusion)) }
        let twinFusion = compareUnfused ? .off : compare
        let twins = try twinFusion.map { f in try runs.map { try session($0.0, f) } } ?? []
        let twinName = twinFusion == .off ? "unfused" : twinFusion?.rawValue ?? ""
        var xb = [Float](repeating: 0, count: batch * shape.count)
        var yb = [Int32](repeating: 0, count: batch)
        var order = Array(0..<samples)
        /// One shuffled epoch; returns (samples/s, mean loss). With `twin`, every batch is also a step of the
        /// twin (timed apart), whose samples/s is returned third.
        func epoch(_ s: TrainingSession, twin: TrainingSession? = nil) -> (Double, Double, Double) {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            var loss = 0.0, steps = 0, twinTime = 0.0
            let t0 = NNBench.now()
            x.withUnsafeBufferPointer { all in
                var i = 0
                while i + batch <= samples {
                    xb.withUnsafeMutableBufferPointer { dst in
                        for j in 0..<batch {
                            let src = all.baseAddress! + order[i + j] * shape.count
                            (dst.baseAddress! + j * shape.count).update(from: src, count: shape.count)
                            yb[j] = y[order[i + j]]
                        }
                    }
                    loss += Double(xb.withUnsafeBufferPointer { s.step(inputs: $0.baseAddress!, labels: yb) })
                    if let twin {
                        let t1 = NNBench.now()
                        xb.withUnsafeBufferPointer { _ = twin.step(inputs: $0.baseAddress!, labels: yb) }
                        twinTime += NNBench.now() - t1
                    }
                    steps += 1
                    i += batch
                }
            }
            let dt = NNBench.now() - t0 - twinTime
            return (Double(steps * batch) / dt, loss / Double(steps), twin == nil ? 0 : Double(steps * batch) / twinTime)
        }
        let t = workers > 1 ? "\(threads)t\(workers)w" : "\(threads)t"
        func twin(_ k: Int) -> TrainingSession? { twins.isEmpty ? nil : twins[k] }
        for (k, (name, s)) in runs.enumerated() {
            let (sps, _, _) = epoch(s, twin: twin(k))
            print("train_swift_\(name)_\(t)_first_epoch_sps \(String(format: "%.1f", sps)) samples/s")
        }
        for _ in 0..<epochs {
            for (k, (name, s)) in runs.enumerated() {
                let (sps, loss, twinSps) = epoch(s, twin: twin(k))
                guard loss.isFinite else { throw ValidationError("\(name): non-finite loss: the benchmark is broken") }
                print("train_swift_\(name)_\(t)_sps \(String(format: "%.1f", sps)) samples/s")
                if twin(k) != nil {
                    print("train_swift_\(name)_\(t)_\(twinName)_sps \(String(format: "%.1f", twinSps)) samples/s")
                    print("train_swift_\(name)_\(t)_\(fusion.rawValue)_over_\(twinName) \(String(format: "%.3f", sps / twinSps)) x")
                }
            }
        }
        print("# fusion=\(fusion.rawValue)\(twinFusion.map { " twin=\($0.rawValue)" } ?? "") openblas core=\(BLAS.coreName) threads=\(BLAS.threads) samples=\(samples) batch=\(batch) params=\(runs[0].1.network.parameterCount)")
    }
}

extension Network.Fusion: ExpressibleByArgument {}
