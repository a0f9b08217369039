import Foundation

/// The kernel's view of the calling thread: its name (what `ps -L`, `top -H` and /proc/PID/task/TID/comm show) and
/// its id. Foundation's `Thread.name` does not reliably reach the kernel on Linux (set before `start()`, it never
/// does), so earshotd's own threads name themselves here: earshot-detect, earshot-capture, earshot-hook. A thread
/// starts with its creator's name, so one left unnamed would pass as its creator.
public enum ThreadName {
    /// Names the calling thread (15 bytes at most, the kernel's limit) by writing /proc/thread-self/comm, as
    /// `pthread_setname_np` does on Linux (which Glibc's module does not export).
    public static func set(_ name: String) {
        try? Data(name.utf8.prefix(15)).write(to: URL(fileURLWithPath: "/proc/thread-self/comm"))
    }

    /// The calling thread's kernel id (`gettid`, not exported either), from /proc/thread-self's link
    /// ("PID/task/TID"); 0 without /proc.
    public static func currentID() -> pid_t {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
        return pid_t(link.split(separator: "/").last ?? "") ?? 0
    }
}
