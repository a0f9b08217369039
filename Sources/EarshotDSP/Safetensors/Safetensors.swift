import Foundation

/// A parsed safetensors file (https://github.com/huggingface/safetensors, "Format" section):
/// 8-byte little-endian header length N, N bytes of JSON `{name: {dtype, shape, data_offsets}, "__metadata__": {…}}`,
/// then the raw little-endian tensor bytes. Offsets are relative to the byte after the header.
///
/// Everything is validated before any tensor is touched: header length vs file size, JSON shape, dtypes,
/// offsets in range, byte counts matching shapes, tensors not overlapping. Sizes are bounded so a hostile
/// header cannot make the reader allocate without limit.
public struct Safetensors: Sendable {
    public struct TensorInfo: Sendable, Equatable {
        public var dtype: String
        public var shape: [Int]
        /// Byte range inside the data section.
        public var range: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    /// Largest header accepted (the format's own reference implementation uses 100 MB).
    public static let maxHeaderBytes = 100_000_000
    /// Bytes per element of the dtypes this reader understands.
    public static let dtypeSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    ]

    public let path: String
    public let metadata: [String: String]
    public let tensors: [String: TensorInfo]
    /// The data section (everything after the header).
    private let data: [UInt8]

    public var names: [String] { tensors.keys.sorted() }

    /// Reads and validates a safetensors file.
    /// Largest file accepted (a model is ≈ 0.3 MB; fixtures a few MB).
    public static let maxFileBytes = 1 << 30

    /// A name that is not UTF-8 is opened by its bytes (`BytePaths`); errors name `url.path`.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let bytes = try BytePaths.withFileSystemPath(path) { fsPath -> Data in
            // Check type and size before reading anything: a path to /dev/zero or a huge file must not be read.
            // stat follows a symbolic link (an operator's current.safetensors -> model-v2.safetensors), as the read does.
            var attrs = stat()
            if stat(fsPath, &attrs) == 0 {
                guard (attrs.st_mode & S_IFMT) == S_IFREG else {
                    throw SafetensorsError.unreadable(path: path, reason: "not a regular file")
                }
                let size = Int(attrs.st_size)
                guard size <= Self.maxFileBytes else {
                    throw SafetensorsError.malformed(path: path, reason: "file is \(size) bytes, larger than the \(Self.maxFileBytes)-byte limit")
                }
            }
            guard let bytes = FileManager.default.contents(atPath: fsPath) else {
                let reason = FileManager.default.fileExists(atPath: fsPath) ? "permission denied or not a regular file" : "no such file"
                throw SafetensorsError.unreadable(path: path, reason: reason)
            }
            return bytes
        }
        try self.init(bytes: [UInt8](bytes), path: path)
    }

    /// Parses and validates safetensors bytes; `path` is only used in error messages.
    public init(bytes: [UInt8], path: String = "<memory>") throws {
        func bad(_ reason: String) -> SafetensorsError { .malformed(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw bad("file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(Self.maxHeaderBytes) else { throw bad("header length \(n) exceeds the \(Self.maxHeaderBytes)-byte limit") }
        let headerLen = Int(n)
        guard headerLen >= 2, 8 + headerLen <= bytes.count else {
            throw bad("header length \(headerLen) does not fit in a file of \(bytes.count) bytes (truncated?)")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLen)]))
        } catch {
            throw bad("header is not valid JSON")
        }
        guard let dict = json as? [String: Any] else { throw bad("header is not a JSON object") }
        let dataCount = bytes.count - 8 - headerLen
        var meta: [String: String] = [:]
        var infos: [String: TensorInfo] = [:]
        for (name, value) in dict {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw bad("__metadata__ value for '\(k)' is not a string") }
                    meta[k] = s
                }
                continue
            }
            guard let t = value as? [String: Any],
                  let dtype = t["dtype"] as? String,
                  let shapeAny = t["shape"] as? [Any],
                  let offAny = t["data_offsets"] as? [Any], offAny.count == 2
            else { throw bad("entry '\(name)' lacks dtype, shape or data_offsets") }
            guard let size = Self.dtypeSizes[dtype] else { throw bad("tensor '\(name)' has unknown dtype '\(dtype)'") }
            var shape: [Int] = []
            var count = 1
            for d in shapeAny {
                guard let v = (d as? NSNumber)?.intValue, v >= 0, v <= 1 << 40 else { throw bad("tensor '\(name)' has an invalid shape") }
                shape.append(v)
                let (m, o) = count.multipliedReportingOverflow(by: v)
                guard !o else { throw bad("tensor '\(name)' shape overflows") }
                count = m
            }
            guard let b = (offAny[0] as? NSNumber)?.intValue, let e = (offAny[1] as? NSNumber)?.intValue,
                  b >= 0, b <= e, e <= dataCount
            else { throw bad("tensor '\(name)' has data_offsets outside the \(dataCount)-byte data section (truncated?)") }
            let (need, o) = count.multipliedReportingOverflow(by: size)
            guard !o, need == e - b else {
                throw bad("tensor '\(name)' (\(dtype) \(shape)) needs \(need) bytes but its offsets span \(e - b)")
            }
            infos[name] = TensorInfo(dtype: dtype, shape: shape, range: b..<e)
        }
        let sorted = infos.values.map(\.range).filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.upperBound > b.lowerBound {
            throw bad("tensors overlap at bytes \(b.lowerBound)..<\(a.upperBound)")
        }
        self.path = path
        self.metadata = meta
        self.tensors = infos
        self.data = Array(bytes[(8 + headerLen)...])
    }

    public func info(_ name: String) throws -> TensorInfo {
        guard let i = tensors[name] else { throw SafetensorsError.missingTensor(path: path, name: name) }
        return i
    }

    /// The tensor as Float. F32 is read as is; F64 and F16 are converted.
    public func floats(_ name: String) throws -> [Float] {
        let i = try info(name)
        switch i.dtype {
        case "F32": return decode(i, as: UInt32.self).map { Float(bitPattern: $0) }
        case "F64": return decode(i, as: UInt64.self).map { Float(Double(bitPattern: $0)) }
        #if arch(x86_64) || arch(arm64)
        case "F16": return decode(i, as: UInt16.self).map { Float(Float16(bitPattern: $0)) }
        #endif
        default: throw SafetensorsError.wrongDType(path: path, name: name, expected: "F32", found: i.dtype)
        }
    }

    /// The tensor as Int64 (I64, I32 and U8 are accepted).
    public func int64s(_ name: String) throws -> [Int64] {
        let i = try info(name)
        switch i.dtype {
        case "I64": return decode(i, as: UInt64.self).map { Int64(bitPattern: $0) }
        case "I32": return decode(i, as: UInt32.self).map { Int64(Int32(bitPattern: $0)) }
        case "U8": return data[i.range].map { Int64($0) }
        default: throw SafetensorsError.wrongDType(path: path, name: name, expected: "I64", found: i.dtype)
        }
    }

    private func decode<T: FixedWidthInteger>(_ i: TensorInfo, as: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        var out = [T](repeating: 0, count: i.count)
        data.withUnsafeBytes { raw in
            for k in 0..<i.count {
                out[k] = T(littleEndian: raw.loadUnaligned(fromByteOffset: i.range.lowerBound + k * size, as: T.self))
            }
        }
        return out
    }
}
