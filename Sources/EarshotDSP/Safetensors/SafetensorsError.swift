/// Why a safetensors file could not be read or written. Every case names the file and what is wrong.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case missingTensor(path: String, name: String)
    case wrongDType(path: String, name: String, expected: String, found: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read safetensors file: \(reason)"
        case let .unwritable(path, reason):
            return "\(path): cannot write the file: \(reason); choose a folder you can write to"
        case let .malformed(path, reason):
            return "\(path): not a valid safetensors file: \(reason). The file is damaged or not a model/fixture file; re-create or re-download it."
        case let .missingTensor(path, name):
            return "\(path): has no tensor named '\(name)'"
        case let .wrongDType(path, name, expected, found):
            return "\(path): tensor '\(name)' has dtype \(found), expected \(expected)"
        }
    }
}
