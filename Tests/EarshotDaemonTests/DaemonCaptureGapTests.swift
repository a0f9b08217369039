import EarshotDSP
import Foundation
import Testing

/// Capture gaps through the whole daemon: audio that arrives faster than it is analysed laps the detection
/// loop in the capture ring, and the lost samples are a gap that no recording may hide.
@Suite(.serialized) struct DaemonCaptureGapTests {
    /// Sample i of the test signal says where it is: (i mod 20,000 − 10,000) / 32,768, exact in 16 bits.
    static func counter(_ n: Int) -> [Float] { (0..<n).map { Float($0 % 20_000 - 10_000) / 32_768 } }

    /// 30 s in the FIFO before the daemon starts, a 2 s ring: the capture thread laps the detection loop
    /// several times. The site recording starts a new file exactly at each loss, so every file holds
    /// contiguous audio. (All of it is in the pipe first: a reader that caught up with the writer would get
    /// short reads, which the plugin pads with its previous period — stale audio no capture path could tell.)
    @Test func siteRecordingFilesNeverJoinTwoStretches() throws {
        let run = try DaemonRun()
        let fifo = try FifoCapture(dir: run.dir)
        let x = Self.counter(30 * 16_000)
        // …then an end mark outside the counter's range: what the files hold from it on is not the test's
        // audio (SIGTERM interrupts the plugin's read of the FIFO, and it then hands over its last period again).
        let end = [Float](repeating: -20_000 / 32_768, count: 1_600)
        let bytes = 2 * (x.count + end.count)
        try #require(fifo.growBuffer(to: bytes) >= bytes, "needs a pipe of \(bytes) bytes (/proc/sys/fs/pipe-max-size)")
        try fifo.write(x + end)
        let rec = run.dir.appendingPathComponent("rec")
        let config = try run.writeConfig(extra: "ring_seconds: 2\nrecording:\n  enabled: true\n  directory: \(rec.path)")
        let notify = try NotifySocket()
        let daemon = try DaemonProcess(args: ["--config", config.path],
                                       environment: ["NOTIFY_SOCKET": notify.path, "ALSA_CONFIG_PATH": fifo.asound.path], dir: run.dir)
        #expect(notify.wait(timeout: 15) { $0.contains("READY=1") } != nil, "READY=1; stderr:\n\(daemon.stderr)")
        // all of it read (SIGTERM during the read of the counter would have the plugin hand over its last
        // counter period again — a jump that would be the test's, not the daemon's), then the ring's last 2 s
        // analysed. (The one jump seen on a loaded machine was the daemon's: a ring read whose copy was all
        // overwritten returned nothing and its loss went unseen — CaptureReaderTests.)
        #expect(fifo.waitDrained(timeout: 60), "the daemon did not read the FIFO: \(fifo.unread()) bytes left")
        notify.wait(timeout: 1) { _ in false }
        daemon.signal(SIGTERM)
        #expect(daemon.waitExit(timeout: 15) == 0, "stderr:\n\(daemon.stderr)")
        try fifo.close()

        let files = try FileManager.default.contentsOfDirectory(atPath: rec.path).filter { $0.hasSuffix(".wav") }.sorted()
        var samples = 0, joins: [String] = []
        for f in files {
            let all = try AudioFile.read(rec.appendingPathComponent(f)).samples.map { Int(($0 * 32_768).rounded()) }
            let y = Array(all.prefix { $0 != -20_000 })
            samples += y.count
            // each jump named: where in which file (of how many samples), and from which value to which —
            // −1,599 is a period handed over twice, a forward step samples lost without a new file
            for i in y.indices.dropLast() where y[i + 1] - y[i] != 1 && !(y[i] == 9_999 && y[i + 1] == -10_000) {
                joins.append("\(f)[\(i + 1) of \(y.count)]: \(y[i]) → \(y[i + 1])")
            }
        }
        #expect(joins.isEmpty, "every file is one contiguous stretch: \(joins.count) jumps in \(files.count) files: \(joins.prefix(5))\nstderr:\n\(daemon.stderr)")
        #expect(files.count >= 2, "samples were lost (the loop was lapped), so the recording was split: \(files)")
        #expect(daemon.stderr.contains("detection fell behind:") && daemon.stderr.contains("raise ring_seconds (now 2 s)"), "the loss is reported: \(daemon.stderr)")
        // every sample lost is said (operator QA 4: a run lapped many times within a minute said only its first
        // loss): the lines add up to the last one's total, which is what the recording misses of the counter
        let lines = daemon.stderr.split(separator: "\n").filter { $0.contains("detection fell behind: ") }
        func seconds(_ l: Substring, after marker: String) -> Double? {
            l.range(of: marker).flatMap { r in Double(l[r.upperBound...].prefix { $0.isNumber || $0 == "." }) }
        }
        let said = lines.compactMap { seconds($0, after: "detection fell behind: ") }.reduce(0, +)
        let total = lines.last.flatMap { l in l.range(of: "never analysed ").flatMap { r in seconds(l[r.upperBound...], after: "(") } } ?? -1
        let missing = Double(x.count - samples) / 16_000
        #expect(abs(said - total) < 0.05 && abs(total - missing) < 0.25, "said \(said) s in \(lines.count) lines, total \(total) s, the recording misses \(missing) s:\n\(lines.joined(separator: "\n"))")
        #expect(samples > 2 * 16_000 && samples < x.count, "\(samples) of \(x.count) samples kept")
    }
}
