/// Whole-signal log-mel, for the trainer and offline tools. Runs the streaming `LogMelExtractor` over the
/// signal, so batch and streaming share one code path and cannot differ.
public enum LogMel {
    /// Number of frames for `n` samples with center = false: 0 if n < nFFT, else 1 + (n − nFFT) / hop.
    public static func frameCount(samples n: Int, config: FeatureConfig = FeatureConfig()) -> Int {
        n < config.nFFT ? 0 : 1 + (n - config.nFFT) / config.hop
    }

    /// Log-mel of `samples` (16 kHz mono float).
    /// - Returns: (frames, nMels) row-major.
    public static func compute(_ samples: [Float], config: FeatureConfig = FeatureConfig(), filterbank: [Float]? = nil) throws -> [Float] {
        let extractor = try LogMelExtractor(config: config, filterbank: filterbank)
        return compute(samples, extractor: extractor)
    }

    /// The same with a caller-owned extractor (reset first), so a loop over many clips plans FFTW once.
    public static func compute(_ samples: [Float], extractor: LogMelExtractor) -> [Float] {
        extractor.reset()
        let nMels = extractor.config.nMels
        var out = [Float]()
        out.reserveCapacity(frameCount(samples: samples.count, config: extractor.config) * nMels)
        extractor.push(samples) { out.append(contentsOf: $0) }
        return out
    }
}
