import ArgumentParser
import EarshotDaemon
import EarshotDetect
import EarshotDSP
import EarshotNN
import Foundation
import Logging
import Synchronization

/// `earshot listen`: the daemon's capture and detector on the configured microphone, live, with the input level
/// each second — for installing a box: is it the right microphone and channel, is the gain right (a clap well
/// above the room, a loud bang short of clipping), and does a test bang score as earshotd would score it.
struct ListenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Listen on the configured microphone with the daemon's pipeline: input level and score each second, and every event earshotd would alert on.",
        discussion: """
            Opens the capture device from the config (or --device, --channel) exactly as earshotd does — same sample rate, \
            channels, channel choice, resampling, model, threshold and decision rule — and prints, for each \
            second of audio, the peak and RMS level in dBFS (the peak and CLIPPING as the device recorded \
            them, before resampling, on any channel mixed) and the highest score ("no window yet" until a \
            window's length of audio, about 1 s, has been heard), then a line for every event \
            earshotd would alert on (no journal entry, no hook), and a MICROPHONE line when earshotd's checks \
            (liveness: digital silence, near silence, channels mixed that cancel, one stuck value, clipping, with the \
            config's limits) would warn. Use it \
            when installing: clap or pop a balloon where a shot could happen, check the level is well above the \
            room's and not CLIPPING, and that the channel with the microphone is the one used (--channel N tries another). Nothing is \
            alerted or recorded.

            earshotd holds the device while it runs: stop it for the test (sudo systemctl stop earshot), or \
            watch the service's own view instead (systemctl status earshot: last score; journalctl -f).

            Ctrl-C (SIGINT) or SIGTERM stops it as the end of --seconds does: the audio captured so far is \
            analysed, the summary printed (with --json the summary record, every line whole) and the exit status \
            is 0.

            Example:
              sudo systemctl stop earshot && earshot listen --seconds 60
              sudo systemctl start earshot
              earshot listen --device plughw:CARD=Device,DEV=0 --seconds 30
              earshot listen --instance hall --json
            """
    )

    @Option(help: "Config file (default: /etc/earshot/earshot.yaml, or built-in defaults).")
    var config: String?

    @Option(help: "Use earshot@NAME.service's config (/etc/earshot/NAME.yaml).")
    var instance: String?

    @Option(help: "ALSA capture device instead of the config's device: (see earshot devices).")
    var device: String?

    @Option(help: "Channel to listen to instead of the config's channel: — a 0-based index below the config's channels:, or mix. Try each of a stereo microphone's to find the one to set.")
    var channel: String?

    @Option(parsing: .unconditional, help: "Stop after this many seconds of audio (default: until Ctrl-C or SIGTERM).")
    var seconds: Double?

    @Flag(help: "One JSON object per line: {\"type\":\"listening\",…} first (device, rate, channels opened), {\"type\":\"level\",…} each second, {\"type\":\"event\",…} per event, {\"type\":\"liveness\",…} when the microphone's silence, near-silence, cancelling, stuck or clipping check changes, {\"type\":\"summary\",…} at the end.")
    var json = false

    func validate() throws {
        if let s = seconds, !(s > 0 && s <= 86_400) { throw ValidationError("--seconds \(s): give 0 < seconds ≤ 86400") }
        if let c = channel, c != "mix", Int(c).map({ $0 >= 0 && $0 < 32 }) != true {
            throw ValidationError("--channel \(c): give mix or a channel index 0…31")
        }
    }

    func run() throws {
        var cfg: DaemonConfig
        let model: Model, detector: Detector
        do {
            cfg = try DaemonConfig.load(path: config, instance: try Instance(name: instance))
            if let d = device { cfg.device = d }
            if let c = channel {
                cfg.channel = Int(c)
                if let i = cfg.channel, i >= cfg.channels {
                    throw ValidationError("--channel \(i): the config opens \(cfg.channels) channel(s) (channels:), so 0…\(cfg.channels - 1) or mix; raise channels: to open more")
                }
            }
            model = try Model.load(try DefaultModel.resolve(cfg.model))
            detector = try Detector(model: model, rule: cfg.rule(try cfg.threshold(for: model)), threads: 1)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // what earshotd would log at start with this config and model (check-config prints the same)
        for problem in cfg.modelProblems(model: model) {
            FileHandle.standardError.write(Data("warning: \(problem)\n".utf8))
        }
        let rate = model.features.sampleRate
        var logger = Logger(label: "earshot.listen") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical   // the device's errors are reported below, overruns in the summary
        let wake = DispatchSemaphore(value: 0)
        let ring = SampleRing(capacity: Int(cfg.ringSeconds * Double(rate)))
        let opts = CaptureThread.Options(config: cfg, targetRate: rate, maxFrames: seconds.map { Int(($0 * Double(cfg.sampleRate)).rounded()) })
        let capture = CaptureThread(options: opts, ring: ring, logger: logger, onData: { wake.signal() })
        capture.levels.clipLevel = cfg.liveness.clipLevel   // CLIPPING where earshotd's liveness counts clipped samples
        // Ctrl-C and SIGTERM end the listening, not the process: the summary still comes, and output is flushed
        let stop = StopRequest()
        let signals = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { stop.flag.store(true, ordering: .releasing); wake.signal() }
            source.resume()
            return source
        }
        defer { for s in signals { s.cancel() } }
        capture.start()
        defer { capture.stop() }
        while capture.state == .starting, !stop.flag.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.005) }
        if capture.state == .retrying {
            FileHandle.standardError.write(Data("error: \(capture.lastError)\n".utf8))
            throw ExitCode(1)
        }
        // the channels the device opened with, which can be fewer than `channels:` asked (the capture thread takes the last)
        let ch = capture.channels
        if let c = cfg.channel, c >= ch {
            FileHandle.standardError.write(Data("warning: channel: \(c), but \(cfg.device) opened with \(ch) channel(s): listening to channel \(ch - 1), as earshotd would\n".utf8))
        }
        if json {
            // what was opened, as the text's first line says it
            print(JSONLine.object(["type": JSONLine.quote("listening"), "device": JSONLine.quote(cfg.device), "rate": "\(capture.rate)",
                                   "resampled_to": capture.rate != rate ? "\(rate)" : "null", "channels": "\(ch)",
                                   "channel": opts.channelHeard(opened: ch).map { "\($0)" } ?? "null", "model": JSONLine.quote(model.name),
                                   "threshold": JSONLine.number(detector.rule.threshold)]))
        } else {
            let heard = opts.channelHeard(opened: ch).map { "channel \($0) of \(ch)" } ?? (ch == 1 ? "1 channel" : "\(ch) channels mixed")
            print("listening on \(cfg.device) (\(capture.rate) Hz\(capture.rate != rate ? ", resampled to \(rate) Hz" : ""), \(heard)) with \(model.name), threshold \(String(format: "%.4g", detector.rule.threshold))\(seconds.map { String(format: " for %g s", $0) } ?? "; Ctrl-C to stop")")
        }

        let stopAt = seconds.map { Int(($0 * Double(rate)).rounded()) } ?? Int.max
        var meter = LevelMeter(samplesPerLine: rate, clipLevel: cfg.liveness.clipLevel,
                               quietLevel: cfg.liveness.quietSeconds > 0 ? cfg.liveness.quietLevel : 0)
        // earshotd's microphone checks (silence, near silence, a stuck value, clipping) with the config's `liveness:` limits
        var liveness = LivenessMonitor(settings: cfg.liveness)
        var livenessChanges: [LivenessEvent] = []
        var maxScore: Float? = nil, events = 0, held = 0
        detector.onScore = { _, s in maxScore = max(maxScore ?? s, s) }
        func report(_ out: DetectorOutput) {
            // an alert, or a gunshot event the cooldown holds back (a second bang within `cooldown` of the first)
            let (e, alert): (DetectionEvent, Bool)
            switch out {
            case let .started(s): (e, alert) = (s, true); events += 1
            case let .heardInCooldown(h): (e, alert) = (h, false); held += 1
            case .ended: return
            }
            if json {
                print(JSONLine.object(["type": JSONLine.quote(alert ? "event" : "heard"), "start": JSONLine.number(e.start, 3), "score": JSONLine.number(Double(e.peakScore), 4)]))
            } else if alert {
                print("  GUNSHOT at \(Self.clock(e.start)), score \(String(format: "%.3f", e.peakScore)) — earshotd would alert")
            } else {
                print("  gunshot at \(Self.clock(e.start)), score \(String(format: "%.3f", e.peakScore)) — in the cooldown (\(String(format: "%g", detector.rule.cooldown)) s): earshotd would count it into the incident, page nobody")
            }
        }
        func show(_ line: LevelMeter.Line) {
            print(json ? line.json(maxScore: maxScore) : line.text(maxScore: maxScore, threshold: detector.rule.threshold))
            maxScore = nil
        }
        let chunk = 1600
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: chunk)
        defer { buffer.deallocate() }
        var consumed = 0
        while consumed < stopAt, !stop.flag.load(ordering: .acquiring) {
            let n = ring.read(into: UnsafeMutableBufferPointer(start: buffer, count: min(chunk, stopAt - consumed)))
            if n == 0 {
                if capture.state == .stopped { break }
                if capture.state == .retrying {
                    FileHandle.standardError.write(Data("error: capture device lost: \(capture.lastError)\n".utf8))
                    throw ExitCode(1)
                }
                _ = wake.wait(timeout: .now() + 0.5)
                continue
            }
            let block = UnsafeBufferPointer(start: buffer, count: n)
            // the peak and clipping as the device recorded them, and the microphone's checks
            capture.levels.drain(upTo: ring.readPosition) { b in
                meter.device(b)
                liveness.observe(block: b) { livenessChanges.append($0) }
            }
            detector.process(block, report)
            meter.add(block, emit: show)
            // after the level line of the second they complete
            for e in livenessChanges { print(Self.line(e, json: json)) }
            livenessChanges.removeAll(keepingCapacity: true)
            consumed += n
        }
        detector.finish(report)
        meter.flush(emit: show)
        let heard = Double(consumed) / Double(rate)
        if json {
            print(JSONLine.object(["type": JSONLine.quote("summary"), "seconds": JSONLine.number(heard, 2), "events": "\(events)", "heard": "\(held)",
                                   "peak_dbfs": JSONLine.number(meter.loudest, 1), "overruns": "\(capture.overruns)"]))
        } else {
            var loudest = meter.loudest.isFinite ? String(format: "loudest peak %.1f dBFS", meter.loudest) : "loudest peak: none, digital silence (every sample 0)"
            if meter.onlyQuiet {
                loudest += ", near silence: only a converter's hiss — is the microphone plugged in, its capture gain up (alsamixer)?"
            }
            print(String(format: "%.1f s listened: %d event(s) earshotd would alert on%@; %@%@", heard, events,
                         held > 0 ? " and \(held) more in their cooldown" : "", loudest,
                         capture.overruns > 0 ? " (\(capture.overruns) overrun(s): audio was lost)" : ""))
        }
    }

    /// A microphone check's warning or recovery: "  MICROPHONE: …" (a warning) or "  microphone: …", or its JSON record.
    static func line(_ e: LivenessEvent, json: Bool) -> String {
        let warning = e.kind == .warning
        if json {
            return JSONLine.object(["type": JSONLine.quote("liveness"), "condition": JSONLine.quote(e.condition.rawValue),
                                    "problem": warning ? "true" : "false", "seconds": JSONLine.number(e.seconds, 1), "message": JSONLine.quote(e.message)])
        }
        return warning ? "  MICROPHONE: \(e.message) — earshotd would warn (journal, health_hook:)" : "  microphone: \(e.message)"
    }

    /// "1:02.35" (minutes:seconds) from stream seconds.
    static func clock(_ t: Double) -> String { String(format: "%d:%05.2f", Int(t) / 60, t.truncatingRemainder(dividingBy: 60)) }
}

/// A stop asked for by SIGINT or SIGTERM: set on the signal sources' queue, read by the listening loop.
private final class StopRequest: Sendable {
    let flag = Atomic<Bool>(false)
}
