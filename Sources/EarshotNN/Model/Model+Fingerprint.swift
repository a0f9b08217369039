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

    /// 16 hex digits over the operating point — `threshold` and every calibrated `thresholds` entry (rate keys
    /// sorted, each threshold's 4 little-endian IEEE bytes) — which `scoreFingerprint` leaves out. Written as the
    /// file's `decision_fingerprint` and checked on load: one flipped bit in an ASCII digit turned a threshold of
    /// 0.98013705 into 0.18013705, and the file loaded and alarmed at 0.18 (the trainer's black-box test, D6).
    /// FNV-1a (64 bit), as `scoreFingerprint`.
    public var decisionFingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        }
        func mix(_ x: Float) { withUnsafeBytes(of: x.bitPattern.littleEndian) { mix($0) } }
        mix(threshold)
        for (k, v) in thresholds.sorted(by: { $0.key < $1.key }) { mix(Array(k.utf8)); mix(v) }
        return String(format: "%016llx", h)
    }
}
