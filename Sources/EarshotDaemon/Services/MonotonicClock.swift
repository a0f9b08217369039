import Dispatch

/// Seconds on the monotonic clock (`DispatchTime`: CLOCK_MONOTONIC on Linux), for intervals and deadlines. The
/// wall clock steps — NTP's first sync on a box without a battery-backed clock, `date -s` — and an interval timed
/// with `Date` then stretches or shrinks by the step: an hour back stopped the watchdog pings for an hour, so
/// systemd killed a listening earshotd (DaemonClockJumpTests). `Date` stays for what is shown or stored as a time.
/// The daemon's one monotonic source: the capture thread's progress and the hooks' timeouts read it too.
enum MonotonicClock {
    static var nanoseconds: UInt64 { DispatchTime.now().uptimeNanoseconds }
    static var now: Double { Double(nanoseconds) / 1e9 }
}
