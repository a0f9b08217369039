import Testing
@testable import EarshotDSP

/// The sparse `MelFilterbank.apply` against a plain dense matrix-vector product, for the Slaney bank and for
/// arbitrary banks a model file might carry (full rows, empty rows, single bins, bands touching either edge).
@Suite struct MelFilterbankTests {
    static func dense(_ w: [Float], _ p: [Float], nMels: Int, nBins: Int) -> [Float] {
        (0..<nMels).map { m in (0..<nBins).reduce(Float(0)) { $0 + w[m * nBins + $1] * p[$1] } }
    }

    static func check(_ w: [Float], nMels: Int, nBins: Int, seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let fb = MelFilterbank(weights: w, nMels: nMels, nBins: nBins)
        #expect(fb.weights == w)
        for _ in 0..<5 {
            let p = (0..<nBins).map { _ in Float(rng.uniform() * 10) }
            var mel = [Float](repeating: .nan, count: nMels)
            fb.apply(power: p, mel: &mel)
            let ref = dense(w, p, nMels: nMels, nBins: nBins)
            for m in 0..<nMels {
                #expect(abs(mel[m] - ref[m]) <= 1e-5 * max(1, abs(ref[m])), "band \(m): \(mel[m]) vs \(ref[m])")
            }
        }
    }

    @Test func slaneyBankEqualsDenseProduct() {
        let c = FeatureConfig()
        Self.check(MelFilterbank(config: c).weights, nMels: c.nMels, nBins: c.nBins, seed: 1)
    }

    @Test func arbitraryBanksEqualDenseProduct() {
        let nMels = 9, nBins = 257
        var w = [Float](repeating: 0, count: nMels * nBins)
        func row(_ m: Int, _ r: ClosedRange<Int>, _ v: Float = 0.5) { for k in r { w[m * nBins + k] = v + Float(k) * 1e-3 } }
        row(0, 0...256)          // full row
        // row 1 empty
        row(2, 0...0)            // first bin only
        row(3, 256...256)        // last bin only
        row(4, 250...256)        // touches the top edge
        row(5, 0...6)            // touches the bottom edge
        row(6, 100...102)
        row(7, 10...12); row(7, 20...21) // two runs with a gap of zeros inside
        row(8, 1...254)
        Self.check(w, nMels: nMels, nBins: nBins, seed: 2)
        var rng = SplitMix(seed: 9)
        let random = (0..<(nMels * 33)).map { _ in rng.next() % 3 == 0 ? Float(rng.uniform()) : 0 }
        Self.check(random, nMels: nMels, nBins: 33, seed: 3)
        // full rows leave 1, 2 or 3 tail bins past the last 4-bin step; tiny spectra have only tail bins
        for bins in [2, 3, 34, 35, 258, 259] {
            let full = (0..<(5 * bins)).map { Float($0 % bins + 1) * 1e-2 }
            Self.check(full, nMels: 5, nBins: bins, seed: UInt64(bins))
        }
    }

    /// The grouped `apply` adds exactly what one 4-lane accumulator per band followed by a left-to-right lane
    /// sum adds (the layout before bands were grouped), so features — and models trained on them — stay bit
    /// for bit what they were. The reference below is that per-band loop.
    @Test func groupedBandsAddBitForBitAsOneAccumulatorPerBand() {
        func perBand(_ w: [Float], _ p: [Float], nMels: Int, nBins: Int) -> [Float] {
            (0..<nMels).map { m in
                let row = Array(w[(m * nBins)..<((m + 1) * nBins)])
                guard let first = row.firstIndex(where: { $0 != 0 }), let last = row.lastIndex(where: { $0 != 0 }) else { return 0 }
                let len = min(nBins, (last - first + 4) / 4 * 4), s = max(0, min(first, nBins - len))
                var acc = SIMD4<Float>(), k = 0
                while k + 4 <= len {
                    acc += SIMD4(row[(s + k)..<(s + k + 4)]) * SIMD4(p[(s + k)..<(s + k + 4)])
                    k += 4
                }
                var sum = acc.sum()
                while k < len { sum += row[s + k] * p[s + k]; k += 1 }
                return sum
            }
        }
        var rng = SplitMix(seed: 11)
        let c = FeatureConfig()
        var banks = [(MelFilterbank(config: c).weights, c.nMels, c.nBins)]
        banks.append(((0..<(7 * 35)).map { _ in rng.next() % 4 == 0 ? Float(rng.uniform()) : 0 }, 7, 35))
        banks.append(((0..<(6 * 259)).map { Float($0 % 259) * 1e-3 }, 6, 259))
        for (w, nMels, nBins) in banks {
            let fb = MelFilterbank(weights: w, nMels: nMels, nBins: nBins)
            for _ in 0..<5 {
                let p = (0..<nBins).map { _ in Float(rng.uniform() * 100) }
                var mel = [Float](repeating: .nan, count: nMels)
                fb.apply(power: p, mel: &mel)
                let ref = perBand(w, p, nMels: nMels, nBins: nBins)
                #expect(mel.map(\.bitPattern) == ref.map(\.bitPattern), "\(nMels)×\(nBins): \(mel) vs \(ref)")
            }
        }
    }
}
