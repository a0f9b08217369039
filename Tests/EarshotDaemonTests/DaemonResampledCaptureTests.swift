import Foundation
import Testing

/// earshotd on a device that runs at 48 kHz, as most USB microphones do (a `plug` over the file plugin; libsoxr
/// in the capture thread brings it to the model's 16 kHz): its windows end where the capture's blocks end, so each
/// is scored as soon as its block is recorded.
@Suite struct DaemonResampledCaptureTests {
    /// The detector lined its windows up with the ring's end before the first block had arrived. Resampled, the
    /// blocks end a steady lag short of the 100 ms marks (244 samples at 48 kHz), so every window ended that much
    /// after a block and waited for the next: 100 ms on every alert (bench-daemon.py at 48 kHz: median 367 ms,
    /// against 266 ms at 16 kHz). Paced at 10× as a sound card delivers, the loop waits before the first block.
    @Test func windowsEndWhereTheResampledBlocksEnd() throws {
        let run = try DaemonRun()
        let x = (0..<(2 * 48_000)).map { Float(0.05 * sin(2 * Double.pi * 440 * Double($0) / 48_000)) }
        let fx = try AlsaFileFixture(x, rate: 48_000, dir: run.dir)
        let asound = run.dir.appendingPathComponent("asound-plug.conf")
        try "pcm.!default { type plug; slave { pcm { type file; slave.pcm { type null } file \"/dev/null\" infile \"\(fx.raw.path)\" format \"raw\" } rate 48000 } }"
            .write(to: asound, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(args: ["--config", try run.writeConfig().path, "--max-frames", String(fx.frames), "--pace", "10", "--exit-at-end"],
                                       environment: ["ALSA_CONFIG_PATH": asound.path], dir: run.dir)
        #expect(daemon.waitExit(timeout: 60) == 0, "stderr:\n\(daemon.stderr)")
        let err = daemon.stderr
        func number(after key: String) -> Int? {
            err.components(separatedBy: key).dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        }
        let lag = try #require(number(after: "lag_samples="), "the capture resamples:\n\(err)")
        let skipped = try #require(number(after: "windows end with capture blocks block=1600 skipped="), "\(err)")
        // the test model's first window is 15,712 samples (95 hops of 160 + a 512-point frame); blocks end at k·1600 − lag
        #expect((15_712 + skipped + lag) % 1_600 == 0, "the first window ends \((15_712 + skipped + lag) % 1_600) samples after a block end (lag \(lag), skipped \(skipped))")
    }
}
