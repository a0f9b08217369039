import EarshotDSP
import EarshotDaemon
import Foundation

/// Input level per stretch of audio (a second, for `earshot listen`): peak and RMS in dBFS (full scale = 1.0,
/// so a sine at full scale has an RMS of −3 dBFS), and whether it clipped or was digital silence. The peak and
/// clipping are the device's own (`device(_:)`: the capture thread's levels, at the device's rate, on every
/// channel mixed) when it has them, else the samples' heard.
struct LevelMeter {
    struct Line {
        /// Seconds of audio up to the end of this line's stretch.
        var end: Double
        var peak: Double, sumSquares: Double, count: Int
        /// The device's largest |sample| in this stretch, and whether it clipped (nil: no level block came).
        var devicePeak: Double? = nil, deviceClipped = false
        /// The device's largest swing from its DC offset in this stretch (`LevelBlock.swing`), for near silence.
        var deviceSwing: Double? = nil
        /// |sample| at or above this is clipped: `liveness.clip_level`, as the device's count uses.
        var clipLevel: Double
        /// A peak below this (and not digital silence) is near silence: `liveness.quiet_dbfs` (0 when its check is off).
        var quietLevel: Double
        /// At most 0 dBFS: the device's converter stops at full scale, and a clipped input resampled to the
        /// model's rate overshoots it by a few dB (the resampler rings at the clipped edges) — still CLIPPING.
        var peakDBFS: Double { LevelMeter.dBFS(min(devicePeak ?? peak, 1)) }
        var rmsDBFS: Double { LevelMeter.dBFS(count > 0 ? (sumSquares / Double(count)).squareRoot() : 0) }
        /// At full scale: the gain is too high for a loud bang (a clipped shot still counts, but loses its shape).
        /// Resampling smooths a clipped device's samples below full scale (white noise clipped at 48 kHz peaks
        /// below it at 16 kHz), so the device's count decides when there is one.
        var clipped: Bool { devicePeak != nil ? deviceClipped : peak >= clipLevel }
        var silent: Bool { peak == 0 }
        /// Only a converter's hiss (a few LSB), as earshotd's liveness check counts it: on the device's peak.
        var quiet: Bool { !silent && (deviceSwing ?? peak) < quietLevel }

        /// `maxScore` nil: no window was scored in this stretch (the first window needs a window's length of
        /// audio, ≈ 1 s), shown as "no window yet", not as a score of 0.
        func text(maxScore: Float?, threshold: Float) -> String {
            let level = silent ? "  digital silence: check the input (alsamixer), the cable and channel:" :
                String(format: "  peak %6.1f dBFS  rms %6.1f dBFS", peakDBFS, rmsDBFS)
            let mark = clipped ? "  CLIPPING: lower the input gain"
                : quiet ? "  NEAR SILENCE: only hiss — is the microphone plugged in, its capture gain up (alsamixer)?"
                : (maxScore ?? 0) >= threshold ? "  ≥ threshold" : ""
            let score = maxScore.map { String(format: "score %.3f", $0) } ?? "score —  (no window yet)"
            return "\(ListenCommand.clock(end))\(level)  \(score)\(mark)"
        }

        /// `"max_score": null` when no window was scored in this stretch.
        func json(maxScore: Float?) -> String {
            JSONLine.object(["type": JSONLine.quote("level"), "end": JSONLine.number(end, 2),
                             "peak_dbfs": silent ? "null" : JSONLine.number(peakDBFS, 1),
                             "rms_dbfs": silent ? "null" : JSONLine.number(rmsDBFS, 1),
                             "clipped": clipped ? "true" : "false", "near_silence": quiet ? "true" : "false", "max_score": maxScore.map { JSONLine.number(Double($0), 4) } ?? "null"])
        }
    }

    let samplesPerLine: Int
    let clipLevel: Double, quietLevel: Double
    private var line: Line
    private var total = 0
    /// The loudest peak so far, dBFS (−inf before any sound).
    private(set) var loudest = -Double.infinity
    /// Every stretch so far was near silence (`Line.quiet`), and there was one.
    private(set) var onlyQuiet = false
    private var stretches = 0

    /// `quietLevel`: `liveness.quiet_dbfs` as a magnitude, 0 to mark no near silence.
    init(samplesPerLine: Int, clipLevel: Float = PeakLevel.clipLevel, quietLevel: Float = 0) {
        self.samplesPerLine = samplesPerLine; self.clipLevel = Double(clipLevel); self.quietLevel = Double(quietLevel)
        line = Line(end: 0, peak: 0, sumSquares: 0, count: 0, clipLevel: Double(clipLevel), quietLevel: Double(quietLevel))
    }

    /// The device's levels for samples about to be added (`CaptureLevels`, drained up to what was read).
    mutating func device(_ b: LevelBlock) {
        line.devicePeak = max(line.devicePeak ?? 0, Double(b.peak))
        line.deviceSwing = max(line.deviceSwing ?? 0, Double(b.swing))
        if b.clipped > 0 { line.deviceClipped = true }
    }

    /// Adds samples; calls `emit` with each completed stretch.
    mutating func add(_ x: UnsafeBufferPointer<Float>, emit: (Line) -> Void) {
        for v in x {
            let a = Double(abs(v))
            if a > line.peak { line.peak = a }
            line.sumSquares += a * a
            line.count += 1
            total += 1
            if line.count == samplesPerLine { flush(emit: emit) }
        }
    }

    /// Emits the stretch so far (the end of the audio: a partial one), if it holds any samples.
    mutating func flush(emit: (Line) -> Void) {
        guard line.count > 0 else { return }
        line.end = Double(total) / Double(samplesPerLine)
        loudest = max(loudest, line.peakDBFS)
        onlyQuiet = line.quiet && (stretches == 0 || onlyQuiet)
        stretches += 1
        emit(line)
        line = Line(end: 0, peak: 0, sumSquares: 0, count: 0, clipLevel: clipLevel, quietLevel: quietLevel)
    }

    static func dBFS(_ x: Double) -> Double { x > 0 ? 20 * log10(x) : -.infinity }
}
