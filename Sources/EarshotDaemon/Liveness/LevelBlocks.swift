/// One 100 ms block of the microphone's signal, summed up for `LivenessMonitor`.
public struct LevelBlock: Sendable, Equatable {
    /// The block's length in seconds (its samples at the rate they were counted at).
    public var seconds: Double
    /// Every sample rounds to 0 in 16 bit (|x| < 0.5/32768), on every channel heard.
    public var silent: Bool
    /// The block's single value when every sample of it is the same (nil otherwise).
    public var constant: Float?
    /// The samples (frames) at or above the clip level, on any channel heard.
    public var clipped: Int
    /// The largest |sample| on any channel heard.
    public var peak: Float
    /// The largest swing from the channel's own DC offset (|sample − its running mean|) on any channel heard: what
    /// near silence is judged on, so a converter that hisses around an offset of tens of LSB is still near silence.
    /// Without a DC estimate given, `peak`.
    public var swing: Float
    /// The samples (frames) in the block.
    public var samples: Int
    /// With channels mixed: the mix's energy over what channels that share nothing would give it (Σ mono² over
    /// Σ (Σ_c x_c²) / C², each channel less its DC offset) — 1 for unrelated channels, C for the same signal on
    /// each, near 0 for channels that cancel (one wired or built phase-inverted). nil for one channel, or no energy.
    public var mixRatio: Float?

    public init(seconds: Double, silent: Bool, constant: Float?, clipped: Int, samples: Int, peak: Float = 0, swing: Float? = nil,
                mixRatio: Float? = nil) {
        self.seconds = seconds; self.silent = silent; self.constant = constant; self.clipped = clipped; self.samples = samples
        self.peak = peak; self.swing = swing ?? peak; self.mixRatio = mixRatio
    }

    /// The share of the block's samples at or above the clip level.
    public var clippedFraction: Float { samples == 0 ? 0 : Float(clipped) / Float(samples) }
}

/// Cuts a signal into 100 ms `LevelBlock`s at the rate it is recorded at, allocation-free. The capture thread
/// counts at the device's own rate, before libsoxr: resampling leaves fewer samples at full scale than the device
/// clipped (crowd audio clipped 5.4 % at 48 kHz is 3.1 % at 16 kHz, white noise 9.5 % is 0.04 %), and at 44.1 kHz
/// a stuck value comes out varying in its last bits (libsoxr's phases differ from sample to sample).
public struct LevelBlocks: Sendable {
    public let sampleRate: Int
    public let blockSize: Int
    private let blockSeconds: Double
    private var inBlock = 0, clipped = 0, allSilent = true, allSame = true
    private var firstValue: Float = 0, peak: Float = 0, swing: Float = 0, mixSquares: Float = 0, unrelatedSquares: Float = 0

    public init(sampleRate: Int) {
        self.sampleRate = sampleRate
        blockSize = max(1, sampleRate / 10)
        blockSeconds = Double(blockSize) / Double(sampleRate)
    }

    /// Feeds `samples` (mono) and calls `done` for each block completed. `peaks`, when given, is each frame's
    /// largest |sample| over the channels mixed into it (one channel at full scale clips the mix even when the
    /// mean is not; a channel not 0 is no silence even when the mix is); without it the mono sample's own |x|
    /// counts. `swings`, when given, is each frame's largest |x_c − DC_c| over the channels heard
    /// (`LevelBlock.swing`); without it the peak counts. `mix`, when given, is for channels mixed, each frame's
    /// mix of the channels less their DC offsets, Σ_c (x_c − DC_c) / C, and what its energy would be if the
    /// channels shared nothing, Σ_c (x_c − DC_c)² / C² (`LevelBlock.mixRatio`).
    public mutating func observe(_ samples: UnsafeBufferPointer<Float>, peaks: UnsafeBufferPointer<Float>? = nil,
                                 swings: UnsafeBufferPointer<Float>? = nil,
                                 mix: (ac: UnsafeBufferPointer<Float>, unrelated: UnsafeBufferPointer<Float>)? = nil,
                                 clipLevel: Float, _ done: (LevelBlock) -> Void) {
        let silentLevel: Float = 0.5 / 32768
        for i in 0..<samples.count {
            let x = samples[i]
            if inBlock == 0 { firstValue = x }
            let a = abs(x)
            if x != firstValue { allSame = false }
            let p = peaks?[i] ?? a
            if p >= silentLevel { allSilent = false }
            if p >= clipLevel { clipped += 1 }
            if p > peak { peak = p }
            let w = swings?[i] ?? p
            if w > swing { swing = w }
            if let m = mix { mixSquares += m.ac[i] * m.ac[i]; unrelatedSquares += m.unrelated[i] }
            inBlock += 1
            if inBlock == blockSize {
                let ratio: Float? = unrelatedSquares > 0 ? mixSquares / unrelatedSquares : nil
                done(LevelBlock(seconds: blockSeconds, silent: allSilent, constant: allSame ? firstValue : nil, clipped: clipped, samples: blockSize,
                                peak: peak, swing: swing, mixRatio: ratio))
                inBlock = 0; clipped = 0; allSilent = true; allSame = true; peak = 0; swing = 0; mixSquares = 0; unrelatedSquares = 0
            }
        }
    }
}
