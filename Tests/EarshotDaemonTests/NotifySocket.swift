import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The service manager's side of sd_notify for tests: an AF_UNIX datagram socket whose path goes into the
/// child's NOTIFY_SOCKET; every datagram (e.g. "READY=1\nSTATUS=…") is collected with its arrival time.
///
/// A thread of its own reads the socket all the time, as systemd does. Read only inside `wait`, the socket's
/// queue (net.unix.max_dgram_qlen, 10 datagrams by default: one second of WATCHDOG=1 at WATCHDOG_USEC=0.4 s)
/// filled while a test waited on something else, and the daemon's next `sd_notify` blocked in `sendmsg` — even
/// the STOPPING=1 its SIGTERM handler sends, so a slow run (the thread sanitizer) found earshotd unable to stop.
final class NotifySocket {
    let path: String
    private let fd: Int32
    private let inbox = Inbox()

    /// What the reader thread received, and its stop (the thread holds this, not the socket, so `deinit` runs).
    private final class Inbox: @unchecked Sendable {
        let cond = NSCondition()
        // guarded by `cond`
        var received: [(time: Date, text: String)] = []
        var closing = false, readerDone = false
    }

    init() throws {
        path = "/tmp/earshot-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonTestError("socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard rc == 0 else { close(fd); throw DaemonTestError("bind \(path): \(String(cString: strerror(errno)))") }
        let (socket, inbox) = (fd, self.inbox)
        let reader = Thread {
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                var p = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                let n = poll(&p, 1, 50) > 0 ? recv(socket, &buf, buf.count, 0) : 0
                inbox.cond.lock()
                defer { inbox.cond.unlock() }
                if inbox.closing { inbox.readerDone = true; inbox.cond.broadcast(); return }
                if n > 0 { inbox.received.append((Date(), String(decoding: buf[0..<n], as: UTF8.self))); inbox.cond.broadcast() }
            }
        }
        reader.name = "notify-socket"
        reader.start()
    }

    deinit {
        inbox.cond.lock()
        inbox.closing = true
        while !inbox.readerDone { inbox.cond.wait() }
        inbox.cond.unlock()
        close(fd); unlink(path)
    }

    /// Every datagram received so far, oldest first.
    var messages: [(time: Date, text: String)] { inbox.cond.lock(); defer { inbox.cond.unlock() }; return inbox.received }

    /// Waits until a datagram received (before or during the wait; from the `from`-th on, e.g. `messages.count`
    /// taken before a signal) satisfies `match`, or `timeout` passes; returns the first matching message. `match`
    /// runs outside the lock: it may read `messages` itself — but a matcher on counts also matches an earlier
    /// message once the count is reached, so a test that wants the message after an action passes `from`.
    @discardableResult
    func wait(timeout: Double, from: Int = 0, for match: (String) -> Bool) -> String? {
        let end = Date().addingTimeInterval(timeout)
        var looked = from
        while true {
            inbox.cond.lock()
            let new = inbox.received[looked...].map(\.text)
            looked = inbox.received.count
            inbox.cond.unlock()
            if let m = new.first(where: match) { return m }
            if Date() >= end { return nil }
            inbox.cond.lock()
            if inbox.received.count == looked { _ = inbox.cond.wait(until: min(end, Date().addingTimeInterval(0.2))) }
            inbox.cond.unlock()
        }
    }

    /// All STATUS= values received so far, in order.
    var statuses: [String] {
        messages.flatMap { $0.text.split(separator: "\n") }.filter { $0.hasPrefix("STATUS=") }.map { String($0.dropFirst(7)) }
    }

    func count(_ assignment: String) -> Int {
        messages.filter { $0.text.split(separator: "\n").contains(Substring(assignment)) }.count
    }
}

struct DaemonTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
