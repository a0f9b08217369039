import EarshotDSP
import Foundation

/// Capture input that the test feeds while the daemon runs: ALSA's `file` plugin (over a `null` slave) reading
/// a FIFO. The real `snd_pcm_readi` path returns what the test writes, as fast as it is written, and blocks
/// inside the read when the test stops writing — as a hung driver does (the FIFO stays open, so no EOF).
final class FifoCapture {
    let fifo: URL
    /// A file defining `pcm.!default` this way, for the daemon's ALSA_CONFIG_PATH.
    let asound: URL
    private let writer: FileHandle

    /// `sink`: where the plugin writes what it captured (its `file`); `|command` pipes it to a command, whose exit
    /// makes the plugin's next write fail, so `snd_pcm_readi` returns -EIO: a device lost mid-read.
    init(dir: URL, sink: String = "/dev/null") throws {
        fifo = dir.appendingPathComponent("capture.fifo")
        guard mkfifo(fifo.path, 0o600) == 0 else { throw DaemonTestError("mkfifo \(fifo.path): errno \(errno)") }
        let fd = open(fifo.path, O_RDWR)   // never blocks, and keeps the FIFO open
        guard fd >= 0 else { throw DaemonTestError("open \(fifo.path): errno \(errno)") }
        writer = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        asound = dir.appendingPathComponent("asound-fifo.conf")
        try """
        pcm.!default {
            type file
            slave.pcm { type null }
            file "\(sink)"
            infile "\(fifo.path)"
            format "raw"
        }
        """.write(to: asound, atomically: true, encoding: .utf8)
    }

    /// Grows the pipe's buffer (Linux `F_SETPIPE_SZ`, at most /proc/sys/fs/pipe-max-size); returns its size in bytes.
    func growBuffer(to bytes: Int) -> Int {
        let fd = writer.fileDescriptor
        _ = fcntl(fd, 1031 /* F_SETPIPE_SZ */, Int32(bytes))
        return Int(fcntl(fd, 1032 /* F_GETPIPE_SZ */))
    }

    /// Bytes written and not yet read by the plugin (`FIONREAD` on the pipe).
    func unread() -> Int {
        var n: Int32 = 0
        return ioctl(writer.fileDescriptor, UInt(FIONREAD), &n) == 0 ? Int(n) : -1
    }

    /// Waits until the plugin has read everything written (true), or `timeout` seconds passed (false).
    func waitDrained(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if unread() == 0 { return true }
            usleep(20_000)
        }
        return unread() == 0
    }

    /// Writes `samples` as S16_LE (blocks while the pipe's buffer is full and the daemon is not reading).
    /// The plugin reads a period at a time and takes a short read for a full one (the rest of its buffer is
    /// its previous period), so a reader that catches up with a slower writer sees stale audio.
    func write(_ samples: [Float]) throws {
        let ints = samples.map { AudioFileWriter.int16($0).littleEndian }
        try writer.write(contentsOf: ints.withUnsafeBytes { Data($0) })
    }

    /// Closes the FIFO: the plugin's reads return at once from then on, so the capture thread can stop.
    func close() throws { try writer.close() }
}
