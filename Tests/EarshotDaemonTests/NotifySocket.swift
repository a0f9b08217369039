import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The service manager's side of sd_notify for tests: an AF_UNIX datagram socket whose path goes into the
/// child's NOTIFY_SOCKET; every datagram (e.g. "READY=1\nSTATUS=…") is collected with its arrival time.
final class NotifySocket {
    let path: String
    private let fd: Int32
    private(set) var messages: [(time: Date, text: String)] = []

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
    }

    deinit { close(fd); unlink(path) }

    /// Receives datagrams until one satisfies `match` or `timeout` passes; returns the matching message.
    @discardableResult
    func wait(timeout: Double, for match: (String) -> Bool) -> String? {
        if let m = messages.first(where: { match($0.text) }) { return m.text }
        let end = Date().addingTimeInterval(timeout)
        var buf = [UInt8](repeating: 0, count: 4096)
        while Date() < end {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, min(200, end.timeIntervalSinceNow * 1000)))
            guard poll(&p, 1, ms) > 0 else { continue }
            let n = recv(fd, &buf, buf.count, 0)
            guard n > 0 else { continue }
            let text = String(decoding: buf[0..<n], as: UTF8.self)
            messages.append((Date(), text))
            if match(text) { return text }
        }
        return nil
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
