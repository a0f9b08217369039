import ServiceLifecycle

/// Rewrites the Prometheus text file every interval until shutdown.
struct MetricsService: Service {
    let metrics: MetricsFile
    func run() async throws {
        await cancelWhenGracefulShutdown { await metrics.run() }
    }
}
