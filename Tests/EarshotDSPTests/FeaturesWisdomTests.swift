import Foundation
import Testing
@testable import EarshotDSP

/// FFTW wisdom is process-global state: serialized.
@Suite(.serialized) struct FeaturesWisdomTests {
    /// FFTW keeps wisdom for every plan, ESTIMATE ones included, and other suites plan FFTs in parallel with
    /// this one: so wisdom is compared as sets of entries (this test's entries must be present or absent),
    /// never as whole strings, which another suite's plan can extend at any moment.
    @Test func measureSaveForgetLoadRoundTrip() throws {
        FFTWWisdom.forget()
        try FFTWWisdom.measure(nFFT: 64)
        let text = FFTWWisdom.exportString()
        #expect(text.contains("fftwf_wisdom"), "wisdom text: \(text.prefix(80))")
        let file = TestPaths.tempDir("wisdom").appendingPathComponent("fftwf.wisdom")
        try FFTWWisdom.save(to: file)
        let saved = Self.entries(try String(contentsOf: file, encoding: .utf8))
        #expect(Self.entries(text).isSubset(of: saved), "the file holds the measured wisdom")
        #expect(!saved.isEmpty, "codelet entries in the saved file")
        FFTWWisdom.forget()
        #expect(!saved.isSubset(of: Self.entries(FFTWWisdom.exportString())), "forget drops the measured entries")
        try FFTWWisdom.load(from: file)
        #expect(saved.isSubset(of: Self.entries(FFTWWisdom.exportString())), "load brings every saved entry back")
        // plans made after measuring still give the same spectrum
        let x = (0..<64).map { Float(sin(Double($0) * 0.7)) }
        var p = [Float](repeating: 0, count: 33)
        try PowerSpectrum(nFFT: 64).compute(frame: x, power: &p)
        let peak = p.indices.max { p[$0] < p[$1] }!
        #expect(peak == 7, "0.7 rad/sample × 64 / 2π ≈ bin 7")
        FFTWWisdom.forget()
    }

    @Test func badWisdomFilesGetTypedErrorsNamingTheFile() throws {
        let dir = TestPaths.tempDir("wisdom")
        let missing = dir.appendingPathComponent("none.wisdom")
        #expect { try FFTWWisdom.load(from: missing) } throws: { e in
            guard let f = e as? FFTWError else { return false }
            return f.call == "fftwf_import_wisdom_from_filename" && f.detail.contains(missing.path)
        }
        let junk = dir.appendingPathComponent("junk.wisdom")
        try "not wisdom\n".write(to: junk, atomically: true, encoding: .utf8)
        #expect(throws: FFTWError.self) { try FFTWWisdom.load(from: junk) }
        let unwritable = URL(fileURLWithPath: "/proc/earshot-no-such-dir/fftwf.wisdom")
        #expect { try FFTWWisdom.save(to: unwritable) } throws: { e in
            (e as? FFTWError)?.detail.contains(unwritable.path) == true
        }
    }

    /// The codelet lines of an FFTW wisdom text, trimmed.
    static func entries(_ wisdom: String) -> Set<String> {
        Set(wisdom.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("(fftwf_codelet") })
    }
}
