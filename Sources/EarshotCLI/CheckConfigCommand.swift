import ArgumentParser
import EarshotDaemon
import EarshotDetect
import EarshotNN
import Foundation

/// `earshot check-config [PATH]`: the daemon's own validation, exit 0 (valid) or 1 (an error naming key and line).
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate an earshotd config file exactly as the daemon does (exit 0 = valid, 1 = invalid).",
        discussion: """
            Unknown keys, wrong types and out-of-range values are reported with the file, line and key. The \
            model is loaded as earshotd loads it at start: a model file that is missing or no readable model, or \
            a false_alarms_per_hour the model has no threshold for, is an error too (earshotd would not start; \
            a reload would keep the running config). Problems the daemon only logs at run time (a hook that \
            does not exist or is not executable, with --instance a clips, recording or metrics place outside \
            the instance's state directory, a capture device that does not open or refuses earshotd's format, \
            a channel: it does not have) are printed as warnings and do not change the exit status: earshotd \
            starts and retries the device. A second line names the OpenBLAS kernels the CNN runs on (Earshot restarts itself once with \
            OPENBLAS_CORETYPE set when OpenBLAS falls back to pre-AVX2 kernels on a CPU it does not know).

            The device is opened as earshotd opens it (non-blocking, and closed at once; busy while the \
            config's own unit runs is no problem), and the OK line says the rate and channels it gave. Run it as \
            the service's user (in the `audio` group) for the service's answer; --no-probe leaves the device alone.

            Example:
              earshot check-config /etc/earshot/earshot.yaml &&
                sudo systemctl reload earshot
              earshot check-config --instance north-entrance &&
                sudo systemctl reload earshot@north-entrance
            """
    )

    @Argument(help: "Config file (default: /etc/earshot/earshot.yaml, or built-in defaults if it does not exist).")
    var path: String?

    @Option(help: "Check it as earshot@NAME.service reads it: /etc/earshot/NAME.yaml, state in /var/lib/earshot-NAME.")
    var instance: String?

    @Option(help: ArgumentHelp("Where the other earshotd configs are (for a device two of them name).", visibility: .hidden))
    var configDirectory = "/etc/earshot"

    @Flag(name: .customLong("probe"), inversion: .prefixedNo, help: "Open the capture device as earshotd would, and close it.")
    var probe = true

    func run() throws {
        let config: DaemonConfig, inst: Instance
        do {
            inst = try Instance(name: instance)
            config = try DaemonConfig.load(path: path, instance: inst)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let checked = path ?? (FileManager.default.fileExists(atPath: inst.configPath) ? inst.configPath : nil)
        let shown = checked ?? "built-in defaults"
        var warnings = config.placesOutside(inst)
        // only units that may capture: not one systemd neither starts nor runs (earshot.service beside earshot@NAME)
        let systemd = SystemdUnits.current(configDirectory: configDirectory)
        let running = ConfiguredDevice.inUse(ConfiguredDevice.scan(configDirectory), systemd: systemd)
        for other in ConfiguredDevice.others(naming: config.device, besides: checked, in: running) {
            warnings.append("device: \(config.device) is also \(other.unit)'s (\(other.path)); two earshotd cannot capture from one device at once — if both run, give each its own microphone (earshot devices)")
        }
        for h in [config.hook, config.clipHook, config.healthHook, config.incidentHook, config.heartbeat.hook] {
            warnings += [h.executableProblem(), h.orderProblem()].compactMap { $0 }
        }
        if let m = MuteCommand.note(inst) { warnings.append(m) }
        if let p = config.clips.directoryProblem() { warnings.append(p) }
        if let m = ConvKernel.environmentProblem { warnings.append(m) }
        // the model and threshold earshotd starts with: a config it would stop with is invalid here too
        let model: Model
        do { model = try DetectionService.modelAtStart(config) } catch {
            for w in warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            FileHandle.standardError.write(Data("error: \(shown): \(error)\n".utf8))
            throw ExitCode(1)
        }
        warnings += config.modelProblems(model: model)
        var device: String?
        if probe {
            // the open's result is said below, with its fix: alsa-lib's own stderr lines add nothing to it
            ALSALibMessages.drop()
            let opened = DeviceProbe.open(CaptureThread.Options(config: config, targetRate: model.features.sampleRate))
            // busy is this config's own earshotd only when systemd runs the unit that reads this file
            let unit = inst.name.map { "earshot@\($0)" } ?? "earshot"
            let unitsFile = checked.map { URL(fileURLWithPath: $0).standardizedFileURL.path } == inst.configPath
            let own: String? = (opened.isBusy && unitsFile && systemd.use(of: unit)?.activeState == "active") ? unit : nil
            warnings += opened.problems(runningUnit: own)
            device = opened.summary(runningUnit: own)
        }
        if let why = config.alertRateUnknown(model: model) { warnings.append(why) }
        let watch = config.expectedAlertRate(model: model).map { "\(String(format: "%g", $0.perHour)) false alarm(s)/hour (\($0.source))" } ?? "off"
        for w in warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        print("\(shown): OK — device \(config.device)\(device.map { " (\($0))" } ?? "")\(config.location.isEmpty ? "" : " at \"\(config.location)\""), hook \(config.hook.path ?? "none"), clip hook \(config.clipHook.path ?? "none"), health hook \(config.healthHook.path ?? "none"), incident hook \(config.incidentHook.path ?? "none"), heartbeat \(config.heartbeat.hook.path.map { "\($0) every \(String(format: "%g", config.heartbeat.interval)) s" } ?? "none"), clips \(config.clips.enabled ? config.clips.directory : "off"), site recording \(config.recording.enabled ? String(format: "%@ (up to %g h)", config.recording.directory, config.recording.hours) : "off"), score log \(config.scores.enabled ? String(format: "%@ (%g days)", config.scores.directory, config.scores.days) : "off"), alert-rate watch \(watch), metrics \(config.metrics.enabled ? config.metrics.path : "off")")
        // what the threshold costs in shots, beside the model's own when it is another
        if let t = try? config.threshold(for: model), let a = ShotScores.share(model: model, rule: config.rule(t)) {
            var own = config.rule(t)
            own.threshold = model.threshold
            let atOwn = ShotScores.share(model: model, rule: own)
            print("Threshold \(t) finds \(a) of the model's held-out test shots"
                  + (t == model.threshold ? "" : String(format: " (%@ at its own %.4f)", atOwn?.description ?? "?", model.threshold))
                  + a.incidentText + (t == model.threshold || a.incidents == nil ? "" : (atOwn?.incidents).map { String(format: " (%.1f %% at its own)", 100 * $0) } ?? ""))
        }
        print("OpenBLAS: \(BLAS.coreName) kernels" + (OpenBLASKernel.note.map { " — \($0)" } ?? ""))
        print("Convolutions: " + ConvKernel.selected.description + (ConvKernel.selected == .blas ? "" : " (EARSHOT_CONV_KERNEL=blas: im2col + OpenBLAS)"))
    }
}
