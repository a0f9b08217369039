import Foundation
import Testing
@testable import EarshotDSP
@testable import EarshotNN

/// Damaged and hostile model files beyond ModelFileTests: every cut point of the header, every bit of the
/// header length, raw header edits (offsets, dtypes, overlap), non-finite weights and inconsistent metadata.
/// Each must end in a typed `ModelFileError` naming the file — never a crash or an unbounded allocation.
@Suite struct ModelFileHardeningTests {
    /// A valid model file's bytes, split into (header JSON object, data section).
    static func goodFile() throws -> (bytes: [UInt8], header: [String: Any], data: [UInt8]) {
        let m = try ModelFileTests.makeModel(seed: 5)
        var w = SafetensorsWriter(metadata: m.metadata())
        for p in m.network.parameters { w.add(p.name, shape: p.shape, floats: p.value) }
        w.add("mel_filterbank", shape: [m.features.nMels, m.features.nBins], floats: m.melFilterbank)
        let bytes = try w.bytes()
        let n = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as! [String: Any]
        return (bytes, header, Array(bytes[(8 + n)...]))
    }

    /// Re-assembles a file from a (possibly edited) header and data section.
    static func assemble(_ header: [String: Any], _ data: [UInt8]) throws -> [UInt8] {
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        let n = UInt64(json.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + json + data
    }

    /// Loads `bytes` from a temp file; returns the error text (nil if it loaded). Untyped errors are recorded.
    static func loadError(_ bytes: [UInt8], _ dir: URL, _ name: String = "m.safetensors") -> String? {
        let url = dir.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        do {
            _ = try Model.load(url)
            return nil
        } catch let e as ModelFileError {
            #expect(e.description.components(separatedBy: url.path).count == 2, "error does not name the file once: \(e)")
            return e.description
        } catch {
            Issue.record("\(name): untyped error \(error)")
            return "\(error)"
        }
    }

    @Test func everyCutThroughTheHeaderAndManyThroughTheDataAreRejected() throws {
        let dir = TestPaths.tempDir("cuts"); defer { try? FileManager.default.removeItem(at: dir) }
        let (good, _, data) = try Self.goodFile()
        #expect(Self.loadError(good, dir) == nil, "the untouched file must load")
        let headerEnd = good.count - data.count
        var cuts = Array(0..<min(64, headerEnd)) + Array(stride(from: 64, to: headerEnd + 8, by: 13))
        cuts += stride(from: headerEnd + 8, to: good.count, by: max(1, data.count / 60)).map { $0 }
        cuts.append(good.count - 1)
        for cut in cuts {
            #expect(Self.loadError(Array(good[0..<cut]), dir) != nil, "file cut at \(cut)/\(good.count) bytes loaded")
        }
        // trailing bytes after the described tensors: the format tolerates them; it must at least not crash
        _ = Self.loadError(good + [UInt8](repeating: 0xAB, count: 100), dir)
    }

    /// A missing file and a cut one: each message names the file once and says what to do.
    @Test func missingAndCutFilesSayWhatToDo() throws {
        let dir = TestPaths.tempDir("model-missing"); defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("absent.safetensors")
        #expect { try Model.load(missing) } throws: { e in
            let d = "\(e)"
            return d.components(separatedBy: missing.path).count == 2 && d.contains("no such file") && d.contains("shipped model is used")
        }
        let cut = Self.loadError(Array(try Self.goodFile().bytes.prefix(1000)), dir)
        #expect(cut?.contains("damaged or cut short") == true && cut?.contains("truncated") == true, "\(cut ?? "loaded")")
    }

    @Test func everyBitOfTheHeaderLengthIsChecked() throws {
        let dir = TestPaths.tempDir("len"); defer { try? FileManager.default.removeItem(at: dir) }
        let (good, _, _) = try Self.goodFile()
        for bit in 0..<64 {
            var b = good
            b[bit / 8] ^= UInt8(1 << (bit % 8))
            let e = Self.loadError(b, dir)
            #expect(e != nil, "flipping header-length bit \(bit) was not detected")
        }
    }

    @Test func hostileOffsetsDtypesAndSizesAreRejected() throws {
        let dir = TestPaths.tempDir("hostile"); defer { try? FileManager.default.removeItem(at: dir) }
        let (_, header, data) = try Self.goodFile()
        func edit(_ name: String, _ f: (inout [String: Any]) -> Void) throws -> String? {
            var h = header
            var t = h[name] as! [String: Any]
            f(&t)
            h[name] = t
            return Self.loadError(try Self.assemble(h, data), dir)
        }
        let conv1 = header["conv1.weight"] as! [String: Any]
        let off = (conv1["data_offsets"] as! [Int])
        // offsets past the end of the data section
        #expect(try edit("conv1.weight") { $0["data_offsets"] = [data.count, data.count + 576] }?.contains("truncated") == true)
        // huge offsets and shapes: no allocation, a clear error
        #expect(try edit("conv1.weight") { $0["data_offsets"] = [0, Int(Int64.max / 2)] } != nil)
        #expect(try edit("conv1.weight") { $0["shape"] = [1 << 40, 1 << 40, 1 << 40, 9] } != nil)
        #expect(try edit("conv1.weight") { $0["shape"] = [-16, 1, 3, 3] } != nil)
        // overlapping another tensor
        let conv1b = header["conv1.bias"] as! [String: Any]
        let offB = conv1b["data_offsets"] as! [Int]
        #expect(try edit("conv1.bias") { $0["data_offsets"] = [off[0], off[0] + (offB[1] - offB[0])] }?.contains("overlap") == true)
        // right byte count, wrong dtype: F16 with twice the elements → the shape/dtype check names the tensor
        #expect(try edit("conv1.weight") { $0["dtype"] = "I32" }?.contains("conv1.weight") == true)
        #expect(try edit("conv1.weight") { $0["dtype"] = "Q4" }?.contains("Q4") == true)
        // header that is not an object / metadata that is not strings
        #expect(Self.loadError(try Self.assemble(["__metadata__": ["format": 1]], []), dir) != nil)
        let arr = [UInt8]("[]".utf8)
        #expect(Self.loadError([2, 0, 0, 0, 0, 0, 0, 0] + arr, dir) != nil)
        // not a safetensors file at all, an empty file, a directory, a missing file
        #expect(Self.loadError([UInt8]("model: big.onnx\nthreshold: 0.5\n".utf8), dir) != nil)
        #expect(Self.loadError([], dir) != nil)
        for url in [dir, dir.appendingPathComponent("nope.safetensors")] {
            do { _ = try Model.load(url); Issue.record("\(url.path) loaded") } catch let e as ModelFileError {
                #expect(e.description.contains(url.path))
            }
        }
    }

    /// One flipped bit in a weight — a box's storage going bad — loaded as a model that scored differently (a
    /// black-box test: the demo's volley missed, or all its 12 s one event), as did an edited `feature.hop`.
    /// The fingerprint written with the weights tells both; a file without one (written before it was) loads.
    @Test func aByteChangedSinceTheFileWasWrittenIsDamage() throws {
        let dir = TestPaths.tempDir("fingerprint"); defer { try? FileManager.default.removeItem(at: dir) }
        let (good, header, data) = try Self.goodFile()
        #expect(Self.loadError(good, dir) == nil)
        let off = (header["fc1.weight"] as! [String: Any])["data_offsets"] as! [Int]
        var flipped = data
        flipped[(off[0] + off[1]) / 2] ^= 0x10
        let e = Self.loadError(try Self.assemble(header, flipped), dir)
        #expect(e?.contains("do not match the fingerprint written with them") == true && e?.contains("copy it again") == true, "\(e ?? "loaded")")
        var meta = header["__metadata__"] as! [String: String]
        meta["feature.hop"] = "80"
        var edited = header; edited["__metadata__"] = meta
        #expect(Self.loadError(try Self.assemble(edited, data), dir)?.contains("fingerprint") == true)
        meta = header["__metadata__"] as! [String: String]
        meta["fingerprint"] = nil
        var old = header; old["__metadata__"] = meta
        #expect(Self.loadError(try Self.assemble(old, flipped), dir) == nil, "no fingerprint, nothing to check")
        // … but it says so, with the fix (the re-check's N4); a file with one says nothing
        let oldURL = dir.appendingPathComponent("old.safetensors")
        _ = FileManager.default.createFile(atPath: oldURL.path, contents: Data(try Self.assemble(old, data)))
        let unchecked = try Model.load(oldURL)
        #expect(!unchecked.fingerprintStored && unchecked.unverifiedNote?.contains("holds no fingerprint") == true
                && unchecked.unverifiedNote?.contains("--write-shot-scores \(oldURL.path)") == true, "\(unchecked.unverifiedNote ?? "no note")")
        let goodURL = dir.appendingPathComponent("good.safetensors")
        _ = FileManager.default.createFile(atPath: goodURL.path, contents: Data(good))
        let checked = try Model.load(goodURL)
        #expect(checked.fingerprintStored && checked.unverifiedNote == nil)
        // re-saved, it has one
        try unchecked.save(to: oldURL)
        #expect(try Model.load(oldURL).fingerprintStored)
    }

    /// The operating point is checked too (`decision_fingerprint`): one flipped bit in an ASCII digit of
    /// `threshold` (0.98… → 0.18…) loaded and alarmed at 0.18 (the trainer's black-box test, D6), and a
    /// `thresholds` that is no JSON object was read as no calibrated thresholds at all.
    @Test func aChangedThresholdIsDamageAndMalformedThresholdsAnError() throws {
        let dir = TestPaths.tempDir("decision"); defer { try? FileManager.default.removeItem(at: dir) }
        let (good, header, data) = try Self.goodFile()
        let meta = header["__metadata__"] as! [String: String]
        #expect(meta["decision_fingerprint"] != nil && meta["thresholds"] != "{}", "the test model has calibrated thresholds: \(meta["thresholds"] ?? "")")
        #expect(Self.loadError(good, dir) == nil)
        func edited(_ key: String, _ change: (String) -> String, dropFingerprint: Bool = false) throws -> String? {
            var m = meta
            m[key] = change(m[key]!)
            if dropFingerprint { m["decision_fingerprint"] = nil }
            var h = header; h["__metadata__"] = m
            return Self.loadError(try Self.assemble(h, data), dir)
        }
        // one bit: '9' (0x39) → '1' (0x31) in the first decimal of the threshold
        let flipped = try edited("threshold") { t in
            var u = Array(t.utf8); let i = u.firstIndex(of: UInt8(ascii: ".")).map { $0 + 1 } ?? 0
            u[i] = u[i] == UInt8(ascii: "1") ? UInt8(ascii: "9") : UInt8(ascii: "1")
            return String(decoding: u, as: UTF8.self)
        }
        #expect(flipped?.contains("threshold or calibrated thresholds do not match the fingerprint") == true, "\(flipped ?? "loaded")")
        let rate = try edited("thresholds") { $0.replacingOccurrences(of: "0.", with: "0.1", options: [], range: $0.range(of: "0.")) }
        #expect(rate?.contains("do not match the fingerprint") == true, "\(rate ?? "loaded")")
        let broken = try edited("thresholds", { "[" + $0.dropFirst() }, dropFingerprint: true)
        #expect(broken?.contains("'thresholds'") == true && broken?.contains("not a JSON object") == true, "\(broken ?? "loaded")")
        // a file from before the decision fingerprint loads as it is
        #expect(try edited("threshold", { $0 }, dropFingerprint: true) == nil)
    }

    @Test func inconsistentContentGetsSpecificMessages() throws {
        let dir = TestPaths.tempDir("content"); defer { try? FileManager.default.removeItem(at: dir) }
        let m = try ModelFileTests.makeModel(seed: 6)
        func variant(meta: (inout [String: String]) -> Void = { _ in }, poison: String? = nil, filterbankMels: Int? = nil) throws -> String? {
            var md = m.metadata(); md["fingerprint"] = nil; md["decision_fingerprint"] = nil; meta(&md)   // edited on purpose: checked without them
            var w = SafetensorsWriter(metadata: md)
            for p in m.network.parameters {
                var v = p.value
                if p.name == poison { v[v.count / 2] = .nan }
                w.add(p.name, shape: p.shape, floats: v)
            }
            let mels = filterbankMels ?? m.features.nMels
            w.add("mel_filterbank", shape: [mels, m.features.nBins], floats: [Float](repeating: 0.01, count: mels * m.features.nBins))
            return Self.loadError(try w.bytes(), dir)
        }
        #expect(try variant() == nil)
        #expect(try variant(poison: "fc1.weight")?.contains("tensor 'fc1.weight' holds NaN or infinite weights") == true, "a weight is no metadata")
        #expect(try variant(poison: "bn2.running_var")?.contains("bn2.running_var") == true)
        #expect(try variant(filterbankMels: 40)?.contains("mel_filterbank") == true)
        #expect(try variant(meta: { $0["classes"] = "[\"a\",\"b\",\"c\"]" })?.contains("3 classes") == true)
        #expect(try variant(meta: { $0["classes"] = "gunshot" })?.contains("classes") == true)
        #expect(try variant(meta: { $0["input_shape"] = "[1,40,96]" })?.contains("input_shape") == true)
        #expect(try variant(meta: { $0["format_version"] = "one" })?.contains("format_version") == true)
        #expect(try variant(meta: { $0["format_version"] = "999" })?.contains("upgrade earshot") == true)
        #expect(try variant(meta: { $0.removeValue(forKey: "feature.hop") })?.contains("feature.hop") == true)
        #expect(try variant(meta: { $0["feature.n_mels"] = "100000" }) != nil)
        // parameters that contradict themselves (they loaded, and a band above Nyquist or ln 0 scored nonsense)
        #expect(try variant(meta: { $0["feature.fmax"] = "9000" })?.contains("'feature.fmax' is invalid (9000 Hz is above half the sample rate, 8000 Hz)") == true)
        #expect(try variant(meta: { $0["feature.fmin"] = "8000" })?.contains("'feature.fmin' is invalid (8000 Hz is not below fmax, 8000 Hz)") == true)
        #expect(try variant(meta: { $0["feature.log_epsilon"] = "0" })?.contains("'feature.log_epsilon' is invalid (0 is not above 0") == true)
        #expect(try variant(meta: { $0["layers"] = "{not json" })?.contains("layers") == true)
        #expect(try variant(meta: { $0.removeValue(forKey: "format") })?.contains("not an Earshot model") == true)
    }
}
