import Foundation

/// A change in whether the detector can hear, for `health_hook:`: the capture device lost or back, the capture
/// stalled or flowing again, the microphone's signal silent, near silence, cancelling in the mix, stuck or clipping (liveness) or
/// recovered. A
/// detector that cannot hear raises no alert, so this is how an operator's paging learns of it.
public struct HealthNotice: Sendable, Equatable {
    /// What: "device" (unavailable, or open but delivering nothing), a liveness condition ("silence", "quiet",
    /// "cancel", "stuck", "clipping"), "muted" (paging paused), "alert_rate" (far more alerts than calibrated) or "heartbeat".
    public var condition: String
    /// True when the problem starts, false when it is over.
    public var problem: Bool
    /// One line saying what happened and what to do (the journal's message).
    public var message: String
    /// ALSA PCM name.
    public var device: String
    /// `location:` ("" when not set).
    public var location: String
    public var time: Date
    /// True for `earshot test-alert`'s drill of the health hook.
    public var test: Bool
    /// The drill's event id (`DrillRequest`), under which the run's outcome is journalled; nil otherwise.
    public var eventID: String?

    public init(condition: String, problem: Bool, message: String, device: String, location: String = "", time: Date = Date(), test: Bool = false) {
        self.condition = condition; self.problem = problem; self.message = message; self.device = device
        self.location = location; self.time = time; self.test = test
    }

    /// RFC 3339 with milliseconds, UTC (EARSHOT_TIME).
    public var timeRFC3339: String { UTCStamp.rfc3339(time) }
}
