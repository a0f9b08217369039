import Foundation
import Testing
@testable import EarshotNN

/// The serving path: BN folded into the convolutions must equal the unfolded network with running statistics,
/// the batched path must equal the single-window path, and repeated calls must not drift.
@Suite struct InferenceSessionTests {
    /// The reference network with seeded weights and non-trivial BN statistics.
    static func network(inputNorm: InputNorm.Mode? = nil, pool: LayerSpec = .gap) throws -> Network {
        let net = try Network(specs: LayerSpec.reference(inputNorm: inputNorm, pool: pool), inputShape: Shape3(1, 64, 96))
        net.initialize(seed: 9)
        var r = GradientCheckTests.RNG(s: 21)
        for case let bn as BatchNorm in net.layers {
            for c in 0..<bn.inShape.c {
                bn.gamma.value[c] = 1 + 0.3 * r.next()
                bn.beta.value[c] = 0.2 * r.next()
                bn.runningMean.value[c] = 0.5 * r.next()
                bn.runningVar.value[c] = 0.3 + abs(r.next())
            }
        }
        return net
    }

    static func windows(_ n: Int, seed: UInt64) -> [Float] {
        var r = GradientCheckTests.RNG(s: seed)
        return (0..<(n * 64 * 96)).map { _ in r.next() * 3 - 5 }
    }

    @Test func foldedBatchNormEqualsUnfoldedInference() throws {
        let net = try Self.network()
        let session = try InferenceSession(source: net, maxBatch: 4)
        #expect(!session.network.layers.contains { $0 is BatchNorm })
        #expect(net.layers.contains { $0 is BatchNorm }) // the source is not modified
        // the folded blocks conv → relu → maxpool2 run their relu and pooling as one ReLUPool
        #expect(session.network.fusedSteps == [[String]](repeating: ["ReLU", "MaxPool2"], count: 3))
        let x = Self.windows(4, seed: 1)
        let ref = x.withUnsafeBufferPointer { Array(net.forward($0.baseAddress!, n: 4, training: false)) }
        let folded = x.withUnsafeBufferPointer { Array(session.logits($0.baseAddress!, n: 4)) }
        let d = zip(ref, folded).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        let scale = ref.reduce(Float(0)) { max($0, abs($1)) }
        print("folded vs unfolded logits max diff: \(d) (max |logit| \(scale))")
        #expect(d <= 1e-4 * max(1, scale))
    }

    @Test func batchedPathEqualsSingleWindowPath() throws {
        let session = try InferenceSession(source: try Self.network(inputNorm: .global), maxBatch: 8)
        let x = Self.windows(8, seed: 2)
        var batched = [Float](repeating: -1, count: 8)
        x.withUnsafeBufferPointer { xb in batched.withUnsafeMutableBufferPointer { session.gunshotProbabilities(xb.baseAddress!, n: 8, into: $0.baseAddress!) } }
        for i in 0..<8 {
            let p = x.withUnsafeBufferPointer { session.gunshotProbability($0.baseAddress! + i * 64 * 96) }
            #expect(abs(p - batched[i]) < 1e-6, "window \(i): \(p) vs \(batched[i])")
            #expect(p >= 0 && p <= 1)
        }
        // a batch larger than reserved still works (buffers grow outside the per-window path)
        let x16 = Self.windows(16, seed: 3)
        var out = [Float](repeating: -1, count: 16)
        x16.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { session.gunshotProbabilities(xb.baseAddress!, n: 16, into: $0.baseAddress!) } }
        let last = x16.withUnsafeBufferPointer { session.gunshotProbability($0.baseAddress! + 15 * 64 * 96) }
        #expect(abs(out[15] - last) < 1e-6)
    }

    /// A single window is scored as a one-window stream (`StreamingInference`, Earshot's convolution kernels)
    /// where the network streams: the same scores as the layer-by-layer forward pass, window after window (each
    /// call starts a fresh stream: nothing of the previous window leaks in), for GAP and mean + max pooling;
    /// a network that does not stream (a per-window input normalisation) keeps the forward pass.
    @Test(arguments: [false, true])
    func singleWindowsByColumnsEqualTheForwardPass(meanMax: Bool) throws {
        let session = try InferenceSession(source: try Self.network(pool: meanMax ? .meanMaxPool : .gap), temperature: 4)
        #expect(session.windowsGoByColumns)
        let x = Self.windows(6, seed: 11)
        var lo: Float = 1, hi: Float = 0
        for i in [0, 1, 2, 1, 3, 4, 5, 0] {
            let (byColumns, byLayers) = x.withUnsafeBufferPointer { xb -> (Float, Float) in
                let w = xb.baseAddress! + i * 64 * 96
                return (session.gunshotProbability(w), session.gunshotProbability(logits: session.logits(w).baseAddress!))
            }
            #expect(abs(byColumns - byLayers) <= 2e-5, "window \(i): columns \(byColumns), layers \(byLayers)")
            lo = min(lo, byLayers); hi = max(hi, byLayers)
        }
        #expect(hi - lo > 0.01, "the windows' scores differ, so equality is not trivial")
        session.scoresWindowsByColumns = false
        #expect(!session.windowsGoByColumns)
        let norm = try InferenceSession(source: try Self.network(inputNorm: .global))
        #expect(!norm.windowsGoByColumns)
    }

    @Test func repeatedCallsGiveTheSameAnswer() throws {
        let session = try InferenceSession(source: try Self.network(), maxBatch: 1)
        let x = Self.windows(2, seed: 5)
        let first = x.withUnsafeBufferPointer { Array(session.logits($0.baseAddress!)) }
        var other: [Float] = []
        for _ in 0..<20 { other = x.withUnsafeBufferPointer { Array(session.logits($0.baseAddress! + 64 * 96)) } }
        let again = x.withUnsafeBufferPointer { Array(session.logits($0.baseAddress!)) }
        #expect(first == again)
        #expect(first != other)
    }
}
