import Dispatch
import Foundation
import Testing
@testable import EarshotDSP

/// The trainer decodes its corpus on several threads: concurrent reads (good and bad files mixed) must give the
/// same samples and the same error cases as serial reads.
@Suite struct AudioConcurrencyTests {
    typealias S = AudioTestSignals

    /// Outcome of one read, comparable across runs.
    enum Outcome: Equatable {
        case samples([Float])
        case error(String)  // the case name only: reasons may legitimately differ
    }

    static func outcome(_ url: URL) -> Outcome {
        do { return .samples(try AudioFile.read(url).samples) } catch let e as AudioFileError {
            return .error(Self.caseName(e))
        } catch { return .error("untyped \(error)") }
    }

    static func caseName(_ e: AudioFileError) -> String {
        switch e {
        case .missing: "missing"
        case .unreadable: "unreadable"
        case .empty: "empty"
        case .notAudio: "notAudio"
        case .folder: "folder"
        case .notAFile: "notAFile"
        case .truncated: "truncated"
        case .zeroFrames: "zeroFrames"
        case .unsupportedEncoding: "unsupportedEncoding"
        case .cannotWrite: "cannotWrite"
        case .damaged: "damaged"
        }
    }

    @Test func concurrentReadsMatchSerialReads() throws {
        let dir = TestPaths.tempDir("conc")
        defer { try? FileManager.default.removeItem(at: dir) }
        var urls = [URL]()
        let formats: [AudioFileFormat] = [.wavPCM16, .flac, .wavPCM24, .aiff16, .wavFloat]
        for k in 0..<20 {
            let url = dir.appendingPathComponent("f\(k).\(formats[k % formats.count])")
            let rate = [8000, 16000, 44100, 48000][k % 4]
            try AudioFileWriter.write(S.sine(200 + 50 * Double(k), rate: rate, count: rate / 2), channels: 1 + k % 2,
                                      sampleRate: rate, format: formats[k % formats.count], to: url)
            urls.append(url)
            // Bad files in between: libsndfile keeps its last open error in a process-wide variable.
            let text = dir.appendingPathComponent("t\(k).wav")
            try "not audio \(k)".write(to: text, atomically: true, encoding: .utf8)
            urls.append(text)
        }
        let serial = urls.map(Self.outcome)
        #expect(serial.filter { $0 == .error("notAudio") }.count == 20)
        for round in 0..<3 {
            let box = ResultsBox(count: urls.count)
            DispatchQueue.concurrentPerform(iterations: urls.count) { i in box.set(i, Self.outcome(urls[i])) }
            for i in urls.indices where box.results[i] != serial[i] {
                Issue.record("round \(round): \(urls[i].lastPathComponent) differs when read concurrently")
            }
        }
    }

    @Test func independentResamplersRunInParallel() throws {
        let x = S.sine(1000, rate: 48000, count: 48000)
        let reference = try Resampler.resample(x, from: 48000, to: 16000)
        let box = ResultsBox(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            box.set(i, (try? Resampler.resample(x, from: 48000, to: 16000)).map { .samples($0) } ?? .error("threw"))
        }
        #expect(box.results.allSatisfy { $0 == .samples(reference) })
    }

    /// Lock-protected result slots for `concurrentPerform`.
    final class ResultsBox: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var results: [Outcome?]
        init(count: Int) { results = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ o: Outcome) { lock.lock(); results[i] = o; lock.unlock() }
    }
}
