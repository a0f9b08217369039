/// Whether channels mixed (`channel: mix`) cancel each other, told from the last `cancel_seconds` of 100 ms blocks
/// (`LevelBlock.mixRatio`, the mix's energy over what channels with nothing in common would give it). A block with
/// sound is evidence of cancelling (ratio below 0.5: for two channels a correlation below −0.5), of channels in
/// phase (above 1.5), or of neither (near 1: unrelated, such as each microphone's own noise, which tells nothing).
///
/// Once a whole window has been seen, the channels cancel when cancelling blocks are at least a third of the
/// blocks with sound in it (and at least a second of them), and three times the blocks in phase; they no longer do
/// when the blocks in phase are, in the same way. A quiet spell tells neither and changes nothing.
/// Measured (scripts/liveness-corpus.py) on 300 corpus clips made into a microphone pair, each with its own noise
/// at −70 dBFS: one phase-inverted, 95 % of the blocks with sound cancel with the microphones side by side, 65 %
/// two samples apart (4 cm, sound from the side), 48 % five apart; in phase, 0–2 %; two unrelated recordings,
/// 0.08 %. The window is a ring allocated with the settings; `add` allocates nothing.
struct MixCancellation: Sendable {
    /// Per block: 0 no sound, 1 sound that tells nothing, 2 cancelling, 3 in phase.
    private var ring: [UInt8]
    private var next = 0, seen = 0
    private(set) var sound = 0, cancelling = 0, inPhase = 0

    /// A window of `blocks` blocks (`cancel_seconds` × 10).
    init(blocks: Int) { ring = [UInt8](repeating: 0, count: max(1, blocks)) }

    var blocks: Int { ring.count }

    /// Adds one block of channels mixed: `ratio` its `mixRatio`, `sounding` whether it has sound to tell from.
    mutating func add(ratio: Float?, sounding: Bool) {
        var kind: UInt8 = 0
        if sounding, let r = ratio { kind = r < Self.cancellingBelow ? 2 : r > Self.inPhaseAbove ? 3 : 1 }
        count(ring[next], -1)
        ring[next] = kind
        count(kind, 1)
        next = (next + 1) % ring.count
        seen = min(seen + 1, ring.count)
    }

    /// Forgets every block (the channels are no longer mixed).
    mutating func reset() {
        guard seen > 0 else { return }   // one channel heard: every block says so, and the window is empty already
        for i in ring.indices { ring[i] = 0 }
        sound = 0; cancelling = 0; inPhase = 0; next = 0; seen = 0
    }

    /// The window says the channels cancel.
    var tellsCancelling: Bool { seen == ring.count && Self.tells(cancelling, over: inPhase, sound: sound) }
    /// The window says the channels are in phase.
    var tellsInPhase: Bool { seen == ring.count && Self.tells(inPhase, over: cancelling, sound: sound) }

    static let cancellingBelow: Float = 0.5, inPhaseAbove: Float = 1.5

    private static func tells(_ these: Int, over others: Int, sound: Int) -> Bool {
        these >= 10 && 3 * these >= sound && these >= 3 * others
    }

    private mutating func count(_ kind: UInt8, _ d: Int) {
        if kind != 0 { sound += d }
        if kind == 2 { cancelling += d }
        if kind == 3 { inPhase += d }
    }
}
