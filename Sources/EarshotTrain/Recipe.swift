import EarshotNN

/// One way of training a model, as data: the architecture, the settings of its training stage, and the
/// recipe it fine-tunes (if any). The protocol trains each recipe once; the out-of-fold calibration
/// re-trains the chosen one (and its base) from scratch on other data with fixed epoch counts.
public struct Recipe: Sendable {
    public var name: String
    public var title: String
    public var specs: [LayerSpec]
    public var settings: TrainSettings
    /// Index (in the lineup) of the recipe whose trained weights this one starts from; nil = from scratch.
    public var base: Int?
    public var initSeed: UInt64
    /// Indices (in the lineup) of trained recipes whose weights this one averages instead of training
    /// (a "model soup"); empty = trained. ref: Wortsman et al. 2022, "Model soups: averaging weights of
    /// multiple fine-tuned models improves accuracy without increasing inference time".
    public var soup: [Int] = []

    /// The output classes every recipe trains, in order: `BatchBuilder` labels a gunshot window 1 and any
    /// other 0, and training scores output 1.
    public static let classes = ["other", "gunshot"]

    /// The name of the shipped model's recipe (`models/earshot-default.safetensors`).
    public static let shipped = "model9-meanmax"

    /// The paper's three models, Earshot's own three, the paper's two fine-tunes combined, the average of
    /// Model 1's fine-tunes, Model 5's training on a network that pools mean + max over time (`MeanMaxPool`),
    /// and that network fine-tuned as the paper's Model 2 is (noise injection on 70 % of the windows, natural
    /// levels, lower learning rate), in training order (a base precedes its fine-tunes, ingredients their soup).
    public static func lineup(seed: UInt64, epochScale: Double = 1, windowsPerEpoch: Int = 4096) -> [Recipe] {
        func s(_ epochs: Int, _ aug: AugmentConfig, lr: Float, balanced: Bool = false, hard: Double = 0, patience: Int = 4, seed k: UInt64) -> TrainSettings {
            var t = TrainSettings()
            t.epochs = max(1, Int((Double(epochs) * epochScale).rounded())); t.augment = aug; t.learningRate = lr
            t.balanceSources = balanced; t.hardNegativeFraction = hard; t.patience = patience
            t.seed = seed &+ k; t.windowsPerEpoch = windowsPerEpoch
            return t
        }
        return [
            Recipe(name: "model1-paper-clean", title: "Model 1: from scratch, clean (paper)", specs: LayerSpec.reference(),
                   settings: s(12, .clean, lr: 1e-3, seed: 1), base: nil, initSeed: seed),
            Recipe(name: "model2-paper-noise", title: "Model 2: M1 + crowd/noise injection (paper)", specs: LayerSpec.reference(),
                   settings: s(8, .noise, lr: 3e-4, seed: 2), base: 0, initSeed: seed),
            Recipe(name: "model3-paper-energy", title: "Model 3: M1 + energy augmentation (paper)", specs: LayerSpec.reference(),
                   settings: s(8, .energy, lr: 3e-4, seed: 3), base: 0, initSeed: seed),
            Recipe(name: "model4-earshot", title: "Model 4: level-invariant, all augmentation, source-balanced", specs: LayerSpec.reference(inputNorm: .global),
                   settings: s(16, .all, lr: 1e-3, balanced: true, seed: 4), base: nil, initSeed: seed &+ 4),
            Recipe(name: "model5-earshot-hardneg", title: "Model 5: Model 4 + hard-negative mining + SpecAugment masking, longer", specs: LayerSpec.reference(inputNorm: .global),
                   settings: s(30, .allMasked, lr: 1e-3, balanced: true, hard: 0.3, patience: 8, seed: 5), base: nil, initSeed: seed &+ 5),
            Recipe(name: "model6-earshot-bandnorm", title: "Model 6: Model 5 with per-band normalisation (microphone-colour invariant), lower learning rate", specs: LayerSpec.reference(inputNorm: .band),
                   settings: s(24, .allMasked, lr: 5e-4, balanced: true, hard: 0.3, patience: 6, seed: 6), base: nil, initSeed: seed &+ 6),
            Recipe(name: "model7-paper-combined", title: "Model 7: M1 fine-tuned with noise, energy and reverberation together, source-balanced", specs: LayerSpec.reference(),
                   settings: s(8, .all, lr: 3e-4, balanced: true, seed: 7), base: 0, initSeed: seed),
            Recipe(name: "model8-soup", title: "Model 8: weight average of Models 2, 3 and 7 (Model 1's three fine-tunes)", specs: LayerSpec.reference(),
                   settings: s(0, .clean, lr: 0, seed: 8), base: nil, initSeed: seed, soup: [1, 2, 6]),
            Recipe(name: "model9-meanmax", title: "Model 9: Model 5's training with mean+max pooling over time (a short shot is not averaged away by the noise around it), streamable", specs: LayerSpec.reference(pool: .meanMaxPool),
                   settings: s(30, .allMasked, lr: 1e-3, balanced: true, hard: 0.3, patience: 8, seed: 9), base: nil, initSeed: seed &+ 9),
            Recipe(name: "model10-m9-noise", title: "Model 10: Model 9 fine-tuned with crowd/noise injection (the paper's Model 2 step on Model 9)", specs: LayerSpec.reference(pool: .meanMaxPool),
                   settings: s(8, .noise, lr: 3e-4, balanced: true, hard: 0.3, seed: 10), base: 8, initSeed: seed &+ 9),
        ]
    }

    /// A fresh, initialised network of this recipe's architecture.
    public func freshNetwork(inputShape: Shape3) throws -> Network {
        let n = try Network(specs: specs, inputShape: inputShape)
        n.initialize(seed: initSeed)
        return n
    }

    /// The epoch whose weights early stopping kept (the best validation metric), or the last one.
    public static func bestEpoch(_ history: [EpochRecord]) -> Int? {
        history.max { $0.selectionScore < $1.selectionScore }?.epoch
    }
}
