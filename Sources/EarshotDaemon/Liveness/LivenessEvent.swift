/// What can be wrong with a microphone's signal.
public enum LivenessCondition: String, Sendable, CaseIterable {
    /// Every sample exactly zero (rounds to 0 in 16 bit): muted, unplugged analogue input, dead preamp.
    case silence
    /// No sample above `liveness.quiet_dbfs` (a few LSB): only a converter's hiss — an analogue input with nothing
    /// plugged in, or its capture gain at zero. Digital silence and a stuck value are their own conditions.
    case quiet
    /// Every sample the same non-zero value: a stuck ADC or a driver replaying one value.
    case stuck
    /// Channels mixed (`channel: mix`) that cancel each other: one is phase-inverted (a laptop's or webcam's pair
    /// of built-in microphones often is), so the mix the detector hears loses the sound both channels carry.
    case cancel
    /// A large share of the samples at full scale: gain far too high, or a broken input.
    case clipping
}

extension LivenessCondition {
    /// In words: "digital silence", "near silence", "channels cancelling", "stuck", "clipping".
    public var label: String {
        switch self {
        case .silence: "digital silence"
        case .quiet: "near silence"
        case .cancel: "channels cancelling"
        case .stuck, .clipping: rawValue
        }
    }
}

/// A change of the microphone's liveness, for the journal and STATUS=.
public struct LivenessEvent: Sendable, Equatable {
    /// `withdrawn`: a warning in force whose watch a reload turned off (`liveness: enabled: false`), not known to be over.
    public enum Kind: String, Sendable { case warning, recovered, withdrawn }
    public var condition: LivenessCondition
    public var kind: Kind
    /// For a warning: how long the condition had lasted; for a recovery or a withdrawal: how long the episode lasted.
    public var seconds: Double

    public init(condition: LivenessCondition, kind: Kind, seconds: Double) {
        self.condition = condition; self.kind = kind; self.seconds = seconds
    }

    /// One line for the journal.
    public var message: String {
        let s = String(format: "%.1f", seconds)
        switch (kind, condition) {
        case (.warning, .silence):
            return "Microphone input is digital silence for \(s) s: check the device, its mute switch and mixer levels (alsamixer); a microphone pair opened as one channel is averaged by ALSA, and cancels to zero if one is phase-inverted: try channels: 2"
        case (.warning, .quiet):
            return "Microphone input is near silence for \(s) s (no swing from its resting level above liveness.quiet_dbfs, only a converter's hiss): check that the microphone is plugged in, on the channel heard (channel:), and its capture gain is up (alsamixer)"
        case (.warning, .cancel):
            return "The channels mixed cancel each other over the last \(s) s (one is phase-inverted): the detector hears their mix, weakened, above all a shot's low frequencies; set channel: to one channel (earshot listen --channel N shows each)"
        case (.warning, .stuck):
            return "Microphone input is stuck at one value for \(s) s: the device or driver has stopped delivering audio; replug or restart it"
        case (.warning, .clipping):
            return "Microphone input is clipping for \(s) s: lower the capture gain (alsamixer) so loud sounds stay below full scale"
        case (.recovered, _):
            return "Microphone input recovered from \(condition.label) after \(s) s"
        case (.withdrawn, _):
            return "No longer watching the microphone input for \(condition.label) (a reload set liveness: enabled: false): its warning of \(s) s is withdrawn, not known to be over — check the microphone before relying on it"
        }
    }
}
