import EarshotDSP
import Foundation

/// `liveness:` section — is the microphone alive? Warnings (journal + STATUS) when the input is digital
/// silence, near silence (a converter's hiss only), channels mixed that cancel, stuck at one value, or clipping for
/// longer than these times, and a message when it recovers.
public struct LivenessSettings: Sendable, Equatable {
    /// `liveness.enabled`: watch the input (default true).
    public var enabled: Bool = true
    /// `liveness.silence_seconds`: every sample exactly 0 for this long → "digital silence" (default 30, 1…86400).
    public var silenceSeconds: Double = 30
    /// `liveness.stuck_seconds`: every sample the same non-zero value for this long → "stuck" (default 10, 1…86400).
    public var stuckSeconds: Double = 10
    /// `liveness.quiet_seconds`: no swing above `quiet_dbfs` (a sample less its channel's DC offset, `LevelBlock.swing`)
    /// for this long → "near silence" (default 60, 0 = off,
    /// 0…86400): an analogue input with nothing plugged in, or its capture gain at zero, hisses at a few LSB and is
    /// never digital silence. Real rooms break it within seconds: a silent room through a low-noise microphone
    /// (its own noise at −91 dBFS RMS) peaks above −80 dBFS in about one 100 ms block of five.
    public var quietSeconds: Double = 60
    /// `liveness.quiet_dbfs`: a 100 ms block whose swing on every channel heard is below this is near silence
    /// (default −80 dBFS: ±3 LSB of 16 bit; −90…−40).
    public var quietDBFS: Double = -80
    /// `liveness.cancel_seconds`: with `channel: mix`, the window that tells whether the channels cancel each other
    /// → "channels cancelling" (default 30, 1…86400; `MixCancellation`): at least a third of its 100 ms blocks
    /// with sound (a peak at or above `quiet_dbfs`) have a mix with less than half the energy channels with
    /// nothing in common would give (a correlation below −0.5 for two channels).
    public var cancelSeconds: Double = 30
    /// `liveness.clip_seconds`: input clipping without a break for this long → "clipping" (default 5, 0.5…86400).
    public var clipSeconds: Double = 5
    /// `liveness.clip_level`: |sample| at or above this counts as clipped (default 0.999, 0.5…1).
    public var clipLevel: Float = PeakLevel.clipLevel
    /// `liveness.clip_fraction`: a 100 ms block is clipping when at least this fraction of its samples is
    /// clipped (default 0.01, 0.0001…1).
    public var clipFraction: Float = 0.01
    /// `liveness.recover_seconds`: the condition must be gone this long before "recovered" is logged
    /// (default 1, 0…3600) — keeps a flapping input from flooding the journal.
    public var recoverSeconds: Double = 1

    public init(enabled: Bool = true, silenceSeconds: Double = 30, stuckSeconds: Double = 10, clipSeconds: Double = 5,
                clipLevel: Float = PeakLevel.clipLevel, clipFraction: Float = 0.01, recoverSeconds: Double = 1,
                quietSeconds: Double = 60, quietDBFS: Double = -80, cancelSeconds: Double = 30) {
        self.enabled = enabled; self.silenceSeconds = silenceSeconds; self.stuckSeconds = stuckSeconds
        self.clipSeconds = clipSeconds; self.clipLevel = clipLevel; self.clipFraction = clipFraction
        self.recoverSeconds = recoverSeconds; self.quietSeconds = quietSeconds; self.quietDBFS = quietDBFS
        self.cancelSeconds = cancelSeconds
    }

    /// `quiet_dbfs` as a sample magnitude (−80 dBFS: 1e-4, between 3 and 4 LSB of 16 bit).
    public var quietLevel: Float { Float(pow(10, quietDBFS / 20)) }

    public func validate() throws {
        try Self.silenceSecondsRange.check(silenceSeconds, key: "liveness.silence_seconds")
        try Self.stuckSecondsRange.check(stuckSeconds, key: "liveness.stuck_seconds")
        try Self.clipSecondsRange.check(clipSeconds, key: "liveness.clip_seconds")
        try Self.clipLevelRange.check(clipLevel, key: "liveness.clip_level")
        try Self.clipFractionRange.check(clipFraction, key: "liveness.clip_fraction")
        try Self.recoverSecondsRange.check(recoverSeconds, key: "liveness.recover_seconds")
        try Self.quietSecondsRange.check(quietSeconds, key: "liveness.quiet_seconds")
        try Self.quietDBFSRange.check(quietDBFS, key: "liveness.quiet_dbfs")
        try Self.cancelSecondsRange.check(cancelSeconds, key: "liveness.cancel_seconds")
    }

    // Each key's range, for the config parser and `validate()` alike (`SettingRange`). The Float keys are
    // checked as Floats, so a bound written in the file (0.0001) is accepted as the Float it reads as.
    public static let silenceSecondsRange = SettingRange(1...86_400.0, unit: " seconds")
    public static let stuckSecondsRange = SettingRange(1...86_400.0, unit: " seconds")
    public static let clipSecondsRange = SettingRange(0.5...86_400, unit: " seconds")
    public static let clipLevelRange = SettingRange<Float>(0.5...1)
    public static let clipFractionRange = SettingRange<Float>(0.0001...1)
    public static let recoverSecondsRange = SettingRange(0...3600.0, unit: " seconds")
    public static let quietSecondsRange = SettingRange(0...86_400.0, unit: " seconds (0 = off)")
    public static let quietDBFSRange = SettingRange(-90...(-40.0), unit: " dBFS")
    public static let cancelSecondsRange = SettingRange(1...86_400.0, unit: " seconds")
}
