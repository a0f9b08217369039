import EarshotDetect
import EarshotDSP
import Logging

/// The audio stops — the device lost or stalled, or earshotd stopping — and its last half-window is scored as
/// `earshot detect` scores a file's end.
///
/// A window is scored once the audio to its end has come, so the last ≈ 0.5 s of audio is only ever at the right
/// edge of the windows scored: a shot there is judged on its onset alone until later audio moves it to their
/// middle. When no later audio comes, it was never judged whole: the shooter who pulls the microphone's cable, a
/// USB link that drops after a blast, a driver that hangs (then systemd's watchdog restarts earshotd and the audio
/// is gone). Measured with the shipped model (`scripts/audio-end-corpus.py`: 80 corpus gunshot clips, the audio
/// ending 0.1 s after each clip's peak): 26 alerted with the audio cut there, 39 had quiet gone on after it, and
/// 38 with its end scored as here (`earshot detect` on the same audio as files: 39).
///
/// So the audio's end is mirrored (`EdgePadding`, as a file's) through a detector of its own, warm from the last
/// audio heard and on the running detector's window grid, so it scores exactly the windows the running one has
/// not. The running detector takes over its decisions (`EventTracker.endOfAudio`: an event it confirmed is not
/// confirmed again by the windows that, when audio comes back, still hold the audio before the gap). Its own
/// scoring is left as it was, and nothing of the mirror reaches the score log, clips or recordings.
extension DetectionService {
    /// Scores the audio's end, once per stretch of audio (nothing new since the last time: nothing to do).
    func scoreAudioEnd(_ why: String) {
        guard samplesConsumed > audioEndScoredAt else { return }
        audioEndScoredAt = samplesConsumed
        let rate = model.features.sampleRate
        // on the running grid: the tail detector's first window ends where the running one's next would
        let toNext = nextWindowEnd - samplesConsumed
        let warm = detector.firstWindowSamples - toNext
        let tailCount = FileAnalyzer.padding(samples: samplesConsumed, detector: detector).tail
        let source = max(warm, tailCount + 2)
        guard warm >= 0, source <= heard.count, source <= samplesConsumed else { return }   // less than a window heard
        do {
            let tail = try Detector(model: model, rule: detector.rule, streaming: detector.isStreaming)
            tail.continueDecisions(from: detector)
            tail.restartScoring(timeOrigin: -Double(samplesConsumed - warm) / Double(rate), firstFrame: 0)
            let recent = heard.last(source)
            var rng = SeededRNG(seed: 1)   // unused: the mirror, not noise, once a window has been heard
            let mirror = EdgePadding.tail(recent[...], count: tailCount, amplitude: 0, rng: &rng)
            var outputs: [DetectorOutput] = []
            recent.suffix(warm).withUnsafeBufferPointer { tail.process($0) { outputs.append($0) } }
            tail.process(mirror) { outputs.append($0) }
            let end = streamSeconds
            tail.endOfAudio(at: end) { outputs.append($0) }
            detector.continueDecisions(from: tail, scores: false)
            log.info("audio ended (\(why)): its last \(String(format: "%.2f", Double(tailCount) / Double(rate))) s scored with its end mirrored",
                     metadata: ["windows": "\(tail.windowsScored - detector.windowsScored)", "events": "\(outputs.count)"])
            for o in outputs {
                switch o {
                case let .started(e): handle(.started(e.clipped(to: end)))
                case let .ended(e): handle(.ended(e.clipped(to: end)))
                case let .heardInCooldown(e): handle(.heardInCooldown(e.clipped(to: end)))
                }
            }
        } catch {
            log.error("could not score the end of the audio (\(why)): \(error)")
        }
    }
}
