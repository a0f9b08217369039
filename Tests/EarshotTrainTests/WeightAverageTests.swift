import EarshotNN
import Foundation
import Testing
@testable import EarshotTrain

struct WeightAverageTests {
    static func network() throws -> Network {
        let n = try Network(specs: [.conv("conv1", 2), .bn("bn1"), .relu, .gap, .dense("fc1", 2)], inputShape: Shape3(1, 4, 4))
        n.initialize(seed: 1)
        return n
    }

    /// After updates with weights w₁, w₂, …, the average follows avg ← d_t·avg + (1 − d_t)·w_t with the
    /// warm-up decay d_t = min(decay, (1 + t)/(10 + t)), for every parameter (BN running statistics too).
    @Test func followsTheWarmUpRecurrence() throws {
        let net = try Self.network()
        var avg = WeightAverage(net, decay: 0.9)
        var expected = net.snapshot().map { $0.map(Double.init) }
        for t in 0..<40 {
            for (k, p) in net.parameters.enumerated() {
                p.value = p.value.indices.map { (j: Int) -> Float in Float(sin(Double(t * 7 + k + j))) }
            }
            let d = min(0.9, Double(1 + t) / Double(10 + t))
            #expect(abs(avg.currentDecay - d) < 1e-12)
            for (k, p) in net.parameters.enumerated() {
                expected[k] = zip(expected[k], p.value).map { d * $0 + (1 - d) * Double($1) }
            }
            avg.update(from: net)
        }
        let err = zip(avg.values, expected).flatMap { zip($0, $1).map { abs(Double($0) - $1) } }.max() ?? 1
        #expect(err < 1e-5, "max |avg − recurrence| = \(err)")
        #expect(avg.updates == 40 && abs(avg.currentDecay - 41.0 / 50.0) < 1e-12, "still warming up after 40 steps")
        #expect(net.parameters.contains { $0.name == "bn1.running_var" }, "running statistics are averaged too")
    }

    @Test func withAveragedRestoresTheNetworksOwnWeights() throws {
        let net = try Self.network()
        var avg = WeightAverage(net, decay: 0.5)
        for p in net.parameters { p.value = p.value.map { $0 + 1 } }
        avg.update(from: net)
        let own = net.snapshot()
        let seen = avg.withAveraged(in: net) { net.snapshot() }
        #expect(seen == avg.values, "body sees the averaged weights")
        #expect(seen != own)
        #expect(net.snapshot() == own, "own weights are back afterwards")
    }

    /// A soup of three networks is their element-wise mean, BN running statistics included, and differs
    /// from each ingredient (the average is not just one of them).
    @Test func soupIsTheElementwiseMeanOfItsIngredients() throws {
        let nets = try (1...3).map { (k: UInt64) -> Network in
            let n = try Self.network()
            n.initialize(seed: k)
            for p in n.parameters where p.name.hasSuffix("running_mean") { p.value = p.value.map { $0 + Float(k) } }
            return n
        }
        let soup = WeightAverage.mean(of: nets.map { $0.snapshot() })
        #expect(soup.count == nets[0].parameters.count)
        var worst: Float = 0
        for (i, p) in soup.enumerated() {
            for j in p.indices {
                let m = (nets[0].parameters[i].value[j] + nets[1].parameters[i].value[j] + nets[2].parameters[i].value[j]) / 3
                worst = max(worst, abs(p[j] - m))
            }
        }
        #expect(worst < 1e-6)
        let bnMean = try #require(nets[0].parameters.firstIndex { $0.name.hasSuffix("running_mean") })
        #expect(soup[bnMean].allSatisfy { abs($0 - 2) < 1e-6 }, "BN running means 1, 2, 3 average to 2: \(soup[bnMean])")
        #expect(nets.allSatisfy { $0.snapshot() != soup })
    }
}
