import Foundation

/// Streaming log-mel features: fed samples in chunks of any size, emits exactly the frames the whole-signal
/// computation yields. center = false: frame k covers samples [hop·k, hop·k + nFFT).
///
/// Per frame: periodic-Hann window → FFTW r2c → power → sparse mel → ln(mel + eps). All buffers are
/// allocated in `init`; `push` never allocates. This is the only feature code path: `LogMel.compute`
/// (trainer, CLI) runs on top of it, and the detector (daemon, `earshot detect`) streams through it.
public final class LogMelExtractor {
    public let config: FeatureConfig
    public let filterbank: MelFilterbank
    private let spectrum: PowerSpectrum
    private let pending: UnsafeMutablePointer<Float> // (nFFT) circular: the last nFFT samples
    private var writePos = 0                          // slot of the next sample in `pending`
    private var filled = 0                            // samples of the next frame already in `pending`
    private let power: UnsafeMutablePointer<Float>   // (nBins)
    private let mel: UnsafeMutablePointer<Float>     // (nMels)
    private let logMel: UnsafeMutablePointer<Float>  // (nMels) apart from `mel`: in place, the log does not vectorise
    private let eps: Float
    /// Frames emitted since creation or the last `reset()`.
    public private(set) var framesEmitted = 0

    /// - Parameter filterbank: dense (nMels, nBins) weights, e.g. from a model file; nil builds the Slaney
    ///   filterbank from `config`.
    public init(config: FeatureConfig = FeatureConfig(), filterbank: [Float]? = nil) throws {
        guard config.window == "hann-periodic" else {
            throw FeatureConfigError.badValue(source: "features", key: "feature.window", value: config.window)
        }
        guard config.hop > 0, config.hop <= config.nFFT else {
            throw FeatureConfigError.badValue(source: "features", key: "feature.hop", value: String(config.hop))
        }
        self.config = config
        if let fb = filterbank {
            guard fb.count == config.nMels * config.nBins else {
                throw FeatureConfigError.badValue(source: "features", key: "mel_filterbank",
                                                  value: "\(fb.count) weights, expected \(config.nMels)×\(config.nBins)")
            }
            self.filterbank = MelFilterbank(weights: fb, nMels: config.nMels, nBins: config.nBins)
        } else {
            self.filterbank = MelFilterbank(config: config)
        }
        spectrum = try PowerSpectrum(nFFT: config.nFFT)
        pending = .allocate(capacity: config.nFFT)
        power = .allocate(capacity: config.nBins)
        mel = .allocate(capacity: config.nMels)
        logMel = .allocate(capacity: config.nMels)
        eps = Float(config.logEpsilon)
    }

    deinit {
        pending.deallocate(); power.deallocate(); mel.deallocate(); logMel.deallocate()
    }

    /// Forgets buffered samples; the next sample starts frame 0 again.
    public func reset() {
        filled = 0
        writePos = 0
        framesEmitted = 0
    }

    /// Appends samples (16 kHz mono float) and calls `onFrame` once per completed frame with its nMels
    /// log-mel values. The buffer passed to `onFrame` is valid only during the call.
    public func push(_ samples: UnsafeBufferPointer<Float>, onFrame: (UnsafeBufferPointer<Float>) -> Void) {
        guard var src = samples.baseAddress else { return }
        var left = samples.count
        let n = config.nFFT, hop = config.hop
        while left > 0 {
            let take = min(left, n - filled, n - writePos)
            (pending + writePos).update(from: src, count: take)
            filled += take; src += take; left -= take
            writePos += take
            if writePos == n { writePos = 0 }
            if filled == n {
                // the oldest sample sits where the next one will be written
                emitFrame(oldest: writePos, onFrame)
                filled = n - hop // keep the overlap in place
            }
        }
    }

    /// Convenience for arrays.
    public func push(_ samples: [Float], onFrame: (UnsafeBufferPointer<Float>) -> Void) {
        samples.withUnsafeBufferPointer { push($0, onFrame: onFrame) }
    }

    private func emitFrame(oldest: Int, _ onFrame: (UnsafeBufferPointer<Float>) -> Void) {
        spectrum.compute(ring: pending, oldest: oldest, power: power)
        filterbank.apply(power: power, mel: mel)
        VectorLog.apply(mel, add: eps, count: config.nMels, out: logMel)
        framesEmitted += 1
        onFrame(UnsafeBufferPointer(start: logMel, count: config.nMels))
    }
}
