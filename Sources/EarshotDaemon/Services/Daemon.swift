import Dispatch
import Foundation
import Logging
import ServiceLifecycle

/// earshotd: configuration, the claim on the places it writes (`PlaceLocks`: one earshotd per config), services in
/// dependency order, signals (SIGTERM/SIGINT → graceful stop, SIGHUP → reload).
public enum Daemon {
    public static func run(options: RuntimeOptions, replay: String? = nil) async throws {
        var config = try DaemonConfig.load(path: options.configPath, instance: options.instance)
        var options = options
        let replayData = try replay.map { try Replay.prepare($0, config: &config, options: &options) }
        defer { if let replayData { try? FileManager.default.removeItem(at: replayData) } }
        JournalLogHandler.bootstrap(level: Logger.Level(rawValue: config.logLevel) ?? .info)
        let logger = Logger(label: "earshotd")
        // alsa-lib's own stderr lines (8–10 per capture retry while the microphone is missing) at debug level only:
        // earshotd says the same once, with the fix
        ALSALibMessages.route(to: logger)
        // before anything is written: a second earshotd on the same places refuses to start (PlaceHeldError)
        let locks = try PlaceLocks(config: config, logger: logger)
        defer { withExtendedLifetime(locks) {} }
        let detection = try DetectionService(config: config, options: options, logger: logger)
        detection.placeLocks = locks   // a reload moves the claim with the places (or is rejected)
        signal(SIGHUP, SIG_IGN)
        let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hup.setEventHandler { logger.notice("SIGHUP: reloading configuration"); detection.requestReload() }
        hup.resume()
        defer { hup.cancel() }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: detection, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "detection"),
        ]
        if config.metrics.enabled {
            services.append(.init(service: MetricsService(metrics: detection.metrics), serviceName: "metrics"))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
