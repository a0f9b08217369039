import Dispatch

/// Seconds on the monotonic clock (`DispatchTime`: CLOCK_MONOTONIC on Linux), for intervals and deadlines. The
/// wall clock steps — NTP's first sync on a box without a battery-backed clock, `date -s` — and an interval timed
/// with `Date` then stretches or shrinks by the step: an hour back stopped the watchdog pings for an hour, so
/// systemd killed a listening earshotd (DaemonClockJumpTests). `Date` stays for what is shown or stored as a time.
enum MonotonicClock {
    static var now: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
