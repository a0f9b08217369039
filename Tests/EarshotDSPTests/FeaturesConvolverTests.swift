import EarshotDSP
import Foundation
import Testing

struct FeaturesConvolverTests {
    /// y[i] = Σ_k h[k]·x[i−k] in double precision: the reference.
    static func direct(_ x: [Float], _ h: [Float]) -> [Double] {
        (0..<x.count).map { i in
            var acc = 0.0
            for k in 0..<min(h.count, i + 1) { acc += Double(h[k]) * Double(x[i - k]) }
            return acc
        }
    }

    @Test(arguments: [(15_680, 1200), (15_680, 37), (1000, 1200), (1, 1), (333, 77)])
    func matchesDirectConvolution(signal: Int, kernel: Int) throws {
        var rng = SeededRNG(seed: UInt64(signal * 31 + kernel))
        let x = (0..<signal).map { _ in Float(rng.uniform(-1, 1)) }
        let h = (0..<kernel).map { i in Float(rng.uniform(-1, 1) * exp(-Double(i) / 300)) }
        let c = try FFTConvolver(maxSignal: 15_680, maxKernel: 1200)
        let y = c.convolve(x, h)
        let ref = Self.direct(x, h)
        #expect(y.count == x.count)
        let peak = ref.map(abs).max() ?? 1
        let err = zip(y, ref).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(err <= 1e-5 * max(1, peak), "signal \(signal), kernel \(kernel): max error \(err), peak \(peak)")
    }

    @Test func reusedPlansGiveTheSameResultEveryCall() throws {
        var rng = SeededRNG(seed: 9)
        let c = try FFTConvolver(maxSignal: 4000, maxKernel: 500)
        let x = (0..<4000).map { _ in Float(rng.uniform(-1, 1)) }
        let h1 = (0..<500).map { _ in Float(rng.uniform(-1, 1)) }, h2 = [Float(1)]
        let first = c.convolve(x, h1)
        let unit = zip(c.convolve(x, h2), x).map { abs($0 - $1) }.max() ?? 1
        #expect(unit < 1e-5, "a one-tap unit kernel returns the signal (no leftovers of the last call): error \(unit)")
        #expect(c.convolve(x, h1) == first, "the same plans and inputs give bit-identical output")
        #expect(c.convolve([], h1).isEmpty)
    }

    @Test func concurrentCallersGetTheirOwnResults() async throws {
        let c = try FFTConvolver(maxSignal: 2000, maxKernel: 64)
        let results = await withTaskGroup(of: (Int, Bool).self) { g in
            for t in 0..<8 {
                g.addTask {
                    var rng = SeededRNG(seed: UInt64(t))
                    let x = (0..<2000).map { _ in Float(rng.uniform(-1, 1)) }
                    let h = (0..<64).map { _ in Float(rng.uniform(-1, 1)) }
                    var ok = true
                    for _ in 0..<20 {
                        let err = zip(c.convolve(x, h), Self.direct(x, h)).map { abs(Double($0) - $1) }.max() ?? 0
                        ok = ok && err < 1e-4
                    }
                    return (t, ok)
                }
            }
            return await g.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 8 && results.values.allSatisfy { $0 })
    }

    @Test func transformSizeIsTheSmallestWith2_3_5Factors() {
        func smooth(_ n: Int) -> Bool {
            var r = n
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            return r == 1
        }
        for n in [1, 2, 7, 11, 97, 1000, 16_879, 20_001] {
            let s = FFTConvolver.fastSize(atLeast: n)
            #expect(s >= n && smooth(s) && !(n..<s).contains(where: smooth), "n \(n) → \(s)")
        }
        #expect(FFTConvolver.fastSize(atLeast: 16_879) == 17_280)
    }
}
