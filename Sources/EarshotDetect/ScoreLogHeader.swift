import Foundation

/// What a score log file says about its windows (earshotd's `scores:` log; `ScoreLogFile` has the layout):
/// which model scored them, on which frame grid, from which frame on, in which detector's stream, when, and under
/// which decision rule the daemon ran. JSON, keys in snake case.
public struct ScoreLogHeader: Sendable, Equatable, Codable {
    /// The model file's name, for messages.
    public var model: String
    /// `Model.scoreFingerprint` of the model that scored the windows.
    public var modelFingerprint: String
    /// The model's sample rate.
    public var sampleRate: Int
    public var grid: WindowGrid
    /// Absolute index of the first window's first frame (`WindowGrid.window(first:…)`); window i starts at
    /// frame `firstFrame + i · grid.hopFrames`.
    public var firstFrame: Int
    /// One detector's windows, across files: files of the same stream whose frames follow on are one stream
    /// of windows, so an event or a cooldown across a file boundary counts as it did live.
    public var stream: String
    /// UTC (seconds since 1970) of the first window's start. Later windows of the file follow at the hop; a
    /// capture gap starts a new file, so the times stay right.
    public var utcStart: Double
    /// The decision rule earshotd ran when the file began (the threshold included): `earshot calibrate
    /// --scores` counts events under its settings unless told others.
    public var minConsecutive: Int
    public var maxDips: Int
    public var mergeGap: Double
    public var cooldown: Double
    public var threshold: Float
    /// The capture device and the instance name ("" for the single service), for messages.
    public var device: String
    public var instance: String

    public init(model: String, modelFingerprint: String, sampleRate: Int, grid: WindowGrid, firstFrame: Int, stream: String, utcStart: Double,
                rule: DecisionRule, device: String, instance: String) {
        self.model = model; self.modelFingerprint = modelFingerprint; self.sampleRate = sampleRate; self.grid = grid
        self.firstFrame = firstFrame; self.stream = stream; self.utcStart = utcStart
        minConsecutive = rule.minConsecutive; maxDips = rule.maxDips; mergeGap = rule.mergeGap; cooldown = rule.cooldown; threshold = rule.threshold
        self.device = device; self.instance = instance
    }

    /// The rule the daemon ran (its hop is the grid's).
    public var rule: DecisionRule {
        DecisionRule(threshold: threshold, minConsecutive: minConsecutive, maxDips: maxDips, mergeGap: mergeGap, cooldown: cooldown, hopSeconds: grid.hopSeconds)
    }

    static let encoder: JSONEncoder = { let e = JSONEncoder(); e.keyEncodingStrategy = .convertToSnakeCase; e.outputFormatting = [.sortedKeys]; return e }()
    static let decoder: JSONDecoder = { let d = JSONDecoder(); d.keyDecodingStrategy = .convertFromSnakeCase; return d }()
}
