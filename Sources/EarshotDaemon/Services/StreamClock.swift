import Foundation

/// Wall-clock times of the captured stream's seconds (an event's EARSHOT_START, its evidence clip's time, the score
/// log's UTC): counted back from the newest sample heard, which came with the block just read — now — not from the
/// detector's last complete frame (22–32 ms older). A resampled device's newest sample is the capture's lag older
/// than its block (`CaptureThread.resampleLag`: 15.2 ms at 48 kHz), which every stamp was late by until session 57.
struct StreamClock {
    /// Seconds of the stream heard: where its newest sample ends.
    var heard: Double
    /// Seconds by which the newest sample is older than the block that brought it.
    var lag: Double

    /// The wall-clock time of stream second `t`, the block just read having arrived at `now`.
    func wallClock(stream t: Double, now: Date = Date()) -> Date { now.addingTimeInterval(t - heard - lag) }

    /// How far back from `now` the newest sample heard was recorded, for a log that stamps windows by their stream
    /// time (`ScoreLogger.append`'s `streamSeconds`).
    var heardBeforeNow: Double { heard + lag }
}
