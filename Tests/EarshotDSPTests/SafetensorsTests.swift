import Foundation
import Testing
@testable import EarshotDSP

@Suite struct SafetensorsTests {
    @Test func readsLibrosaFixture() throws {
        let st = try Safetensors(contentsOf: TestPaths.fixtures.appendingPathComponent("logmel_reference.safetensors"))
        let info = try st.info("logmel")
        #expect(info.dtype == "F32")
        #expect(info.shape == [197, 64])
        #expect(try st.floats("mel_filterbank").count == 64 * 257)
        #expect(try st.floats("window").count == 512)
    }

    @Test func roundTripsFloatsIntsAndMetadata() throws {
        var w = SafetensorsWriter(metadata: ["format": "test", "version": "1"])
        w.add("a", shape: [2, 3], floats: [1, -2, 3.5, .pi, 0, -0.25])
        w.add("b", shape: [3], int64s: [1, -7, 1 << 40])
        let st = try Safetensors(bytes: try w.bytes())
        #expect(try st.floats("a") == [1, -2, 3.5, .pi, 0, -0.25])
        #expect(try st.int64s("b") == [1, -7, 1 << 40])
        #expect(st.metadata == ["format": "test", "version": "1"])
        #expect(throws: SafetensorsError.self) { try st.floats("b") }
        #expect(throws: SafetensorsError.self) { try st.floats("nope") }
    }

    @Test func rejectsEveryTruncation() throws {
        var w = SafetensorsWriter()
        w.add("a", shape: [4], floats: [1, 2, 3, 4])
        let bytes = try w.bytes()
        for cut in 0..<bytes.count {
            #expect(throws: SafetensorsError.self) { try Safetensors(bytes: Array(bytes[0..<cut])) }
        }
    }

    @Test func rejectsHostileHeaders() throws {
        func file(_ json: String, data: Int = 0) -> [UInt8] {
            var b = [UInt8]()
            withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { b.append(contentsOf: $0) }
            return b + Array(json.utf8) + [UInt8](repeating: 0, count: data)
        }
        // absurd header length
        var huge = [UInt8](repeating: 0xff, count: 8); huge += [0x7b, 0x7d]
        #expect(throws: SafetensorsError.self) { try Safetensors(bytes: huge) }
        #expect(throws: SafetensorsError.self) { try Safetensors(bytes: file("not json")) }
        #expect(throws: SafetensorsError.self) { try Safetensors(bytes: file(#"{"a":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}"#, data: 4)) }
        #expect(throws: SafetensorsError.self) { try Safetensors(bytes: file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: 4)) }
        #expect(throws: SafetensorsError.self) { try Safetensors(bytes: file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#, data: 8)) }
        #expect(throws: SafetensorsError.self) { try Safetensors(bytes: file(#"{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}}"#, data: 4)) }
        #expect(throws: SafetensorsError.self) { try Safetensors(bytes: file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4000000000]}}"#, data: 4)) }
        // a valid minimal file is accepted
        #expect(try Safetensors(bytes: file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 4)).tensors.count == 1)
    }
}

@Suite struct SafetensorsFileTests {
    @Test func refusesDevicesAndDirectoriesWithoutReadingThem() {
        #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: URL(fileURLWithPath: "/dev/zero")) }
        #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: URL(fileURLWithPath: "/tmp")) }
        #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors")) }
        // through a symbolic link, a device is still refused
        let dir = TestPaths.tempDir("st-link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let zero = dir.appendingPathComponent("zero.safetensors")
        try? FileManager.default.createSymbolicLink(atPath: zero.path, withDestinationPath: "/dev/zero")
        #expect { try Safetensors(contentsOf: zero) } throws: { "\($0)".contains("not a regular file") }
    }

    /// A model reached through a symbolic link (an operator's current.safetensors -> model-v2.safetensors) loads:
    /// the type check looked at the link itself (lstat) and refused it as "not a regular file".
    @Test func aSymbolicLinkToAModelLoads() throws {
        let dir = TestPaths.tempDir("st-link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model-v2.safetensors"), link = dir.appendingPathComponent("current.safetensors")
        let header = Array(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
        bytes += withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian, Array.init)
        try Data(bytes).write(to: model)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "model-v2.safetensors")
        #expect(try Safetensors(contentsOf: link).names == ["a"])
    }
}
