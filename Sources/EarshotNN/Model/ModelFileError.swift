/// Why a model file was rejected. Every case names the file, the problem and what to do.
public enum ModelFileError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case damaged(path: String, reason: String)
    case notAModel(path: String, found: String)
    case futureVersion(path: String, version: Int)
    case badMetadata(path: String, key: String, reason: String)
    case missingTensor(path: String, name: String)
    case wrongShape(path: String, name: String, expected: [Int], found: [Int])
    case architecture(path: String, reason: String)
    case featureMismatch(path: String, differences: [String])
    case noOperatingPoint(path: String, requested: Double, available: [Double])

    public var description: String {
        switch self {
        case let .unreadable(p, r):
            return "\(p): cannot load model: \(r); check the path and that the file is readable (--model, or model: in earshotd's config; without either the shipped model is used)"
        case let .damaged(p, r):
            return "\(p): not a readable model file (\(r)); it is damaged or cut short — copy it again, or retrain it with earshot-train"
        case let .notAModel(p, f):
            return "\(p): not an Earshot model (format is '\(f)', expected 'earshot-model'); point --model/model: at a file written by earshot-train"
        case let .futureVersion(p, v):
            return "\(p): model format version \(v) is newer than this earshot understands (\(Model.formatVersion)); upgrade earshot or use an older model"
        case let .badMetadata(p, k, r):
            return "\(p): model metadata '\(k)' is invalid (\(r)); the file is damaged — retrain or re-export it"
        case let .missingTensor(p, n):
            return "\(p): model lacks tensor '\(n)' required by its layer list; the file is damaged or incomplete — retrain or re-export it"
        case let .wrongShape(p, n, e, f):
            return "\(p): tensor '\(n)' has shape \(f) but the layer list needs \(e); the file is damaged — retrain or re-export it"
        case let .architecture(p, r):
            return "\(p): model architecture is invalid: \(r); retrain with this version of earshot-train"
        case let .noOperatingPoint(p, r, a):
            let rates = a.isEmpty ? "none (an older or hand-made model)" : a.map(Model.rateKey).joined(separator: ", ")
            return "\(p): no threshold calibrated for \(Model.rateKey(r)) false alarm(s)/hour (this model has: \(rates)); use one of those, or set a score threshold instead"
        case let .featureMismatch(p, d):
            return "\(p): model was trained with different features (\(d.joined(separator: "; "))): retrain the model for these features or use a model that matches"
        }
    }
}
