import Foundation

extension Model {
    /// 16 hex digits that change whenever the model's window scores can: the layers, every parameter's value,
    /// the feature parameters, the mel filterbank, the classes and the score temperature — not the thresholds
    /// or the provenance. earshotd writes it into its score log (`ScoreLogHeader`), and `earshot calibrate
    /// --scores` uses only the windows that the model being calibrated scored. FNV-1a (64 bit) over the bytes:
    /// an identity check, not a security one.
    /// ref: Fowler–Noll–Vo hash, http://www.isthe.com/chongo/tech/comp/fnv/ (FNV-1a, 64-bit offset basis and prime)
    public var scoreFingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        }
        func mix(_ floats: [Float]) { floats.withUnsafeBytes { mix($0) } }
        let f = features.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        mix(Array("\(LayerSpec.encode(network.specs))\n\(f)\n\(classes.joined(separator: ","))\n\(gunshotIndex)\n".utf8))
        mix([scoreTemperature])
        for p in network.parameters { mix(Array(p.name.utf8)); mix(p.value) }
        mix(melFilterbank)
        return String(format: "%016llx", h)
    }
}
