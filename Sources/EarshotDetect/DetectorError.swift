/// A model that cannot drive the streaming detector. Names the model and the fix.
public enum DetectorError: Error, CustomStringConvertible, Equatable {
    /// The network's input is not (1, nMels, windowFrames) of the model's own feature parameters.
    case inputShape(model: String, network: String, features: String)
    /// The stored mel filterbank does not have nMels × (nFFT/2 + 1) weights.
    case filterbank(model: String, count: Int, expected: Int)

    public var description: String {
        switch self {
        case let .inputShape(m, n, f):
            return "model \(m): network input \(n) does not match its feature parameters \(f) — re-export the model with earshot-train, or pass a different --model FILE"
        case let .filterbank(m, c, e):
            return "model \(m): mel filterbank has \(c) weights, expected \(e) — the file is inconsistent; re-export it with earshot-train"
        }
    }
}
