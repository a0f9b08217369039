import Foundation

/// Builds a safetensors file (same format as `Safetensors` reads). Tensors are written in insertion order,
/// aligned to 8 bytes by padding the JSON header with spaces, as the reference implementation does.
public struct SafetensorsWriter {
    private var entries: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = []
    public var metadata: [String: String] = [:]

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    public mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not match \(floats.count) values for \(name)")
        var b = [UInt8](); b.reserveCapacity(floats.count * 4)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { b.append(contentsOf: $0) } }
        entries.append((name, "F32", shape, b))
    }

    public mutating func add(_ name: String, shape: [Int], int64s: [Int64]) {
        precondition(shape.reduce(1, *) == int64s.count, "shape \(shape) does not match \(int64s.count) values for \(name)")
        var b = [UInt8](); b.reserveCapacity(int64s.count * 8)
        for v in int64s { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
        entries.append((name, "I64", shape, b))
    }

    /// The complete file as bytes.
    public func bytes() throws -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for e in entries {
            header[e.name] = ["dtype": e.dtype, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]] as [String: Any]
            offset += e.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for e in entries { out.append(contentsOf: e.bytes) }
        return out
    }

    /// Writes the file atomically (temporary file + rename), so a reader never sees half a model.
    public func write(to url: URL) throws {
        do {
            try Data(try bytes()).write(to: url, options: .atomic)
        } catch let e as SafetensorsError {
            throw e
        } catch {
            throw SafetensorsError.unwritable(path: url.path, reason: error.localizedDescription)
        }
    }
}
