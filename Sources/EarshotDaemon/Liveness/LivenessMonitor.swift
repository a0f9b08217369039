/// Watches the captured signal for a dead or broken microphone, in 100 ms blocks (`LevelBlock`), allocation-free:
/// - silence: every sample of a block rounds to 0 in 16 bit (|x| < 0.5/32768);
/// - quiet: a block's swing (its peak, less any DC offset) below `quiet_dbfs` (near silence: a converter's hiss), while neither silence nor stuck
///   is warned about (they say more); counted from the block's peak, so a dead input that goes from zeros to hiss
///   is warned about at once when the silence ends;
/// - cancel: with channels mixed, the last `cancel_seconds` of blocks with sound say the channels cancel each
///   other (`MixCancellation`): one is phase-inverted. Over when they say the channels are in phase, or when no
///   channels are mixed any more (a reload set one channel);
/// - stuck: every sample of a block equals the previous block's single value (non-zero);
/// - clipping: at least `clip_fraction` of a block's samples have |x| ≥ `clip_level`.
/// A condition held for its configured time gives a `.warning`; once it has been absent for
/// `recover_seconds` a `.recovered` follows (cancel: as its window says). The daemon logs both (journal) and shows `statusText` in STATUS=.
///
/// earshotd feeds it the blocks its capture thread counted at the device's own rate (`CaptureLevels`); `observe`
/// of samples cuts them into blocks itself, at `sampleRate`.
/// Single-threaded: call `observe` from the detection loop.
public struct LivenessMonitor: Sendable {
    public private(set) var settings: LivenessSettings
    public var sampleRate: Int { blocks.sampleRate }
    /// Cuts samples given to `observe(_:onChange:)` into blocks.
    private var blocks: LevelBlocks
    private var previousConstant: Float? = nil
    private var silence = Tracker(condition: .silence), quiet = Tracker(condition: .quiet), stuck = Tracker(condition: .stuck)
    private var cancel = Tracker(condition: .cancel), clipping = Tracker(condition: .clipping)
    private var mix: MixCancellation
    /// Conditions warned about and not yet recovered.
    public var active: Set<LivenessCondition> {
        Set([silence, quiet, cancel, stuck, clipping].filter(\.active).map(\.condition))
    }
    /// A warning in force that leaves the detector nothing to hear — digital silence, near silence, a stuck value —
    /// as against one that weakens what it hears (clipping, channels cancelling). The heartbeat stops for the
    /// first kind only. Allocation-free, for the detection loop.
    public var hearsNothing: Bool { silence.active || quiet.active || stuck.active }
    /// The warnings in force, each as when it was given but with the seconds it has lasted so far: for a health
    /// hook set by a reload, which was not there to hear them.
    public var inForce: [LivenessEvent] {
        [silence, quiet, cancel, stuck, clipping].filter(\.active).map { LivenessEvent(condition: $0.condition, kind: .warning, seconds: $0.episode) }
    }
    /// Warnings given per condition.
    public var warnings: [LivenessCondition: Int] {
        [.silence: silence.warnings, .quiet: quiet.warnings, .cancel: cancel.warnings, .stuck: stuck.warnings, .clipping: clipping.warnings]
    }

    public init(settings: LivenessSettings, sampleRate: Int = 16_000) {
        self.settings = settings
        blocks = LevelBlocks(sampleRate: sampleRate)
        mix = MixCancellation(blocks: Self.windowBlocks(settings))
    }

    /// `cancel_seconds` in 100 ms blocks.
    private static func windowBlocks(_ s: LivenessSettings) -> Int { Int((s.cancelSeconds * 10).rounded()) }

    /// Watches by `settings` from the next block on, with what it has seen kept: a condition warned about still
    /// gets its `.recovered` (earshotd's reload). Disabled, it forgets it all (nothing is watched any more): each
    /// warning in force is `.withdrawn` through `onChange` first, so the health hook told of it is not left waiting.
    public mutating func update(settings new: LivenessSettings, onChange: (LivenessEvent) -> Void) {
        settings = new
        if !new.enabled {
            for t in [silence, quiet, cancel, stuck, clipping] where t.active {
                onChange(LivenessEvent(condition: t.condition, kind: .withdrawn, seconds: t.episode))
            }
            self = LivenessMonitor(settings: new, sampleRate: sampleRate)
        }
        else if Self.windowBlocks(new) != mix.blocks { mix = MixCancellation(blocks: Self.windowBlocks(new)) }
    }

    /// Feeds samples at `sampleRate`; `onChange` is called for each warning or recovery (rarely; on the calling
    /// thread).
    public mutating func observe(_ samples: UnsafeBufferPointer<Float>, onChange: (LivenessEvent) -> Void) {
        guard settings.enabled else { return }
        var blocks = self.blocks
        blocks.observe(samples, clipLevel: settings.clipLevel) { observe(block: $0, onChange: onChange) }
        self.blocks = blocks
    }

    public mutating func observe(_ samples: [Float], onChange: (LivenessEvent) -> Void) {
        samples.withUnsafeBufferPointer { observe($0, onChange: onChange) }
    }

    /// Feeds one block, counted elsewhere (earshotd's capture thread, at the device's rate, `clip_level` applied).
    public mutating func observe(block b: LevelBlock, onChange: (LivenessEvent) -> Void) {
        guard settings.enabled else { return }
        let isStuck = !b.silent && b.constant != nil && previousConstant == b.constant
        // The first stuck block follows one constant block: count that one too.
        let stuckStart = isStuck && stuck.held == 0
        let isClipping = Float(b.clipped) >= settings.clipFraction * Float(b.samples)
        previousConstant = b.constant
        let r = settings.recoverSeconds
        silence.step(b.silent, block: b.seconds, limit: settings.silenceSeconds, recover: r, onChange)
        stuck.step(isStuck, block: stuckStart ? 2 * b.seconds : b.seconds, limit: settings.stuckSeconds, recover: r, onChange)
        // Digital silence and a stuck value are quiet too, and warned about sooner: no second warning for them. The
        // quiet time goes on counting, so hiss after them is warned about as soon as they are over. quiet_seconds 0
        // is off: nothing is quiet (a warning given before the reload recovers) and nothing reaches the limit.
        let off = settings.quietSeconds == 0
        let isQuiet = !off && b.swing < settings.quietLevel
        quiet.step(isQuiet, block: b.seconds, limit: off || silence.active || stuck.active ? .infinity : settings.quietSeconds, recover: r, onChange)
        // One channel heard (a block with sound and no mix ratio): nothing mixed, nothing to cancel.
        let mixed = b.mixRatio != nil || b.silent
        if mixed { mix.add(ratio: b.mixRatio, sounding: b.swing >= settings.quietLevel) } else { mix.reset() }
        cancel.set(cancel.active ? mixed && !mix.tellsInPhase : mix.tellsCancelling, block: b.seconds,
                   seconds: Double(mix.blocks) * b.seconds, onChange)
        clipping.step(isClipping, block: b.seconds, limit: settings.clipSeconds, recover: r, onChange)
    }

    /// "microphone: digital silence, clipping" or "microphone ok", for STATUS=.
    public var statusText: String {
        active.isEmpty ? "microphone ok"
            : "microphone: " + LivenessCondition.allCases.filter { active.contains($0) }.map(\.label).joined(separator: ", ")
    }
}

/// One condition's state machine: held long enough → warning; absent long enough while active → recovered.
private struct Tracker: Sendable {
    let condition: LivenessCondition
    var held = 0.0, absent = 0.0, episode = 0.0
    var active = false
    var warnings = 0

    mutating func step(_ present: Bool, block: Double, limit: Double, recover: Double, _ onChange: (LivenessEvent) -> Void) {
        if present { held += block; absent = 0 } else { held = 0; if active { absent += block } }
        if active {
            episode += block
            if !present && absent >= recover - 1e-9 {
                active = false
                onChange(LivenessEvent(condition: condition, kind: .recovered, seconds: episode - absent))
                absent = 0; episode = 0
            }
        } else if held >= limit - 1e-9 {
            active = true
            warnings += 1
            episode = held
            onChange(LivenessEvent(condition: condition, kind: .warning, seconds: held))
        }
    }

    /// On or off as decided elsewhere (a window's verdict): warned about when it turns on (`seconds`: what the
    /// verdict covers), recovered when it turns off.
    mutating func set(_ on: Bool, block: Double, seconds: Double, _ onChange: (LivenessEvent) -> Void) {
        if active {
            episode += block
            if !on {
                active = false
                onChange(LivenessEvent(condition: condition, kind: .recovered, seconds: episode))
                episode = 0
            }
        } else if on {
            active = true
            warnings += 1
            episode = seconds
            onChange(LivenessEvent(condition: condition, kind: .warning, seconds: seconds))
        }
    }
}
