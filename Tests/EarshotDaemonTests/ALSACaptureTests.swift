import CALSA
@testable import EarshotDaemon
import EarshotDSP
import Foundation
import Testing

/// The ALSA wrapper against real alsa-lib: the `file` plugin (private config string) and a missing device.
@Suite struct ALSACaptureTests {
    @Test func checkerPassesNonNegativeAndTypesFailures() throws {
        #expect(try alsaCheck(7, "snd_pcm_readi") == 7)
        do { try alsaCheck(-ENOENT, "snd_pcm_open", device: "hw:9"); Issue.record("expected a throw") } catch let e as ALSAError {
            #expect(e.call == "snd_pcm_open" && e.device == "hw:9" && e.code == -ENOENT && e.isDeviceMissing)
            #expect(e.message == String(cString: snd_strerror(-ENOENT)))
            #expect(e.description.contains("hw:9") && e.description.contains("earshot devices") && e.description.contains("device:"), "\(e)")
        }
        let busy = ALSAError(call: "snd_pcm_open", code: -EBUSY, device: "hw:1")
        #expect(busy.hint.contains("busy") && busy.hint.contains("another earshotd") && busy.isDeviceMissing, "retried, with the likely culprits named")
    }

    @Test func missingDeviceIsENOENTWithTheFix() throws {
        do { _ = try PCMCapture(device: "hw:0", rate: 16_000, channels: 1); Issue.record("hw:0 opened on a machine without sound cards?") } catch let e as ALSAError {
            #expect(e.code == -ENOENT && e.call == "snd_pcm_open" && e.isDeviceMissing, "\(e)")
            #expect(e.description.contains("run `earshot devices`"))
        }
    }

    @Test func readsExactlyTheFilePluginsData() throws {
        let dir = TestPaths.tempDir("alsa")
        // A ramp of distinct 16-bit values, stereo: left = i, right = −i.
        let frames = 4000
        var inter = [Float](repeating: 0, count: frames * 2)
        for i in 0..<frames { inter[2 * i] = Float(i) / 32768; inter[2 * i + 1] = -Float(i) / 32768 }
        let fx = try AlsaFileFixture(inter, rate: 48_000, channels: 2, dir: dir)
        let pcm = try PCMCapture(device: "cap", rate: 48_000, channels: 2, periodFrames: 480, configText: fx.configText(name: "cap"))
        #expect(pcm.rate == 48_000 && pcm.channels == 2)
        let buf = UnsafeMutablePointer<Int16>.allocate(capacity: 480 * 2)
        defer { buf.deallocate() }
        var got: [Int16] = []
        var overruns = 0
        while got.count < frames * 2 {
            let n = try pcm.read(into: buf, frames: min(480, frames - got.count / 2)) { overruns += 1 }
            got += UnsafeBufferPointer(start: buf, count: n * 2)
        }
        pcm.close()
        #expect(overruns == 0)
        #expect(got.count == frames * 2)
        var bad: Int? = nil
        for i in 0..<frames where bad == nil {
            let left = Int16(i), right = -Int16(i)
            if got[2 * i] != left || got[2 * i + 1] != right { bad = i }
        }
        #expect(bad == nil, "frame \(bad ?? -1) differs")
    }

    /// What README's troubleshooting says of `channels: 1` on a two-channel microphone: ALSA's plug layer averages
    /// the channels before earshotd sees them, so a phase-inverted pair is digital zero and a channel alone is halved.
    @Test func aPlugDeviceOpenedWithOneChannelAveragesTwo() throws {
        let dir = TestPaths.tempDir("alsa-plug-mono")
        let frames = 960
        for (right, want) in [(Float(-1), [Int16](repeating: 0, count: frames)), (0, (0..<frames).map { Int16($0 * 8) / 2 })] {
            var inter = [Float](repeating: 0, count: frames * 2)
            for i in 0..<frames { inter[2 * i] = Float(i * 8) / 32768; inter[2 * i + 1] = right * Float(i * 8) / 32768 }
            let fx = try AlsaFileFixture(inter, rate: 16_000, channels: 2, dir: dir)
            let pcm = try PCMCapture(device: "cap", rate: 16_000, channels: 1, periodFrames: 480, configText: fx.plugConfigText(name: "cap"))
            #expect(pcm.channels == 1)
            let buf = UnsafeMutablePointer<Int16>.allocate(capacity: 480)
            defer { buf.deallocate() }
            var got: [Int16] = []
            while got.count < frames { got += UnsafeBufferPointer(start: buf, count: try pcm.read(into: buf, frames: min(480, frames - got.count)) { }) }
            pcm.close()
            #expect(got == want, "right channel × \(right): \(got.prefix(8)) … against \(want.prefix(8)) …")
        }
    }

    @Test func badPrivateConfigIsAnALSAError() throws {
        do { _ = try PCMCapture(device: "cap", rate: 16_000, channels: 1, configText: "pcm.cap { type file"); Issue.record("expected a throw") } catch let e as ALSAError {
            #expect(e.call == "snd_config_load", "\(e)")
        }
    }
}
