import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs one hook process to completion on the calling (worker) thread: `posix_spawn` of the executable itself
/// (argv = [path], no shell), in its own process group, signal dispositions and mask reset to defaults,
/// stdin = the JSON payload, stdout = /dev/null, stderr = a pipe read continuously into a bounded tail, every
/// other descriptor closed. At the timeout the whole process group gets SIGTERM, and SIGKILL `killAfter`
/// seconds later. When `cut()` turns true (earshotd's stop deadline, `HookRunner.cutShort`) the same happens at
/// once, with SIGKILL at most `StopBudget.killGrace` seconds later, and the group gets SIGKILL once more after the
/// hook itself is gone, so nothing it started outlives earshotd.
struct HookProcess {
    let path: String
    let settings: HookSettings
    /// Whether the run is to be cut short now (polled while it runs).
    var cut: () -> Bool = { false }

    /// The corresponding C functions are `posix_spawn`, `poll`, `read`, `waitpid` and `kill`.
    func run(_ payload: HookPayload) -> HookResult {
        var result = HookResult(eventID: payload.logID)
        result.section = settings.section
        result.lostWhenGivenUp = settings.lostWhenGivenUp
        switch payload.content {
        case .health, .incident: result.subject = payload.logID
        case .alert: break
        }
        let t0 = MonotonicClock.nanoseconds
        if let problem = settings.executableProblem() {
            result.spawnError = problem
            return result
        }
        let pid: pid_t, errFD: Int32
        do { (pid, errFD) = try spawn(payload) } catch {
            result.spawnError = "\(error)"
            return result
        }
        result.pid = pid
        var tail = ByteTail(capacity: settings.stderrTailBytes)
        let status = supervise(pid: pid, errFD: errFD, tail: &tail, timedOut: &result.timedOut, cutShort: &result.cutShort)
        close(errFD)
        if status & 0x7f == 0 { result.exitCode = (status >> 8) & 0xff } else { result.signal = status & 0x7f }
        result.stderrTail = tail.text
        result.stderrBytes = tail.total
        result.seconds = Double(MonotonicClock.nanoseconds - t0) / 1e9
        return result
    }

    /// Spawns the hook; returns its pid and the read end of its stderr pipe (non-blocking).
    private func spawn(_ payload: HookPayload) throws -> (pid_t, Int32) {
        var inPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        try hookCheck(GNUSpawnExtensions.cloexecPipe(&inPipe), "pipe2", errnoStyle: true)
        defer { close(inPipe[0]); if inPipe[1] >= 0 { close(inPipe[1]) } }
        try hookCheck(GNUSpawnExtensions.cloexecPipe(&errPipe), "pipe2", errnoStyle: true)
        var spawned = false
        defer { close(errPipe[1]); if !spawned { close(errPipe[0]) } }

        // Our ends are non-blocking (their own open file descriptions; the hook's ends stay blocking).
        try hookCheck(fcntl(inPipe[1], F_SETFL, O_NONBLOCK), "fcntl", errnoStyle: true)
        try hookCheck(fcntl(errPipe[0], F_SETFL, O_NONBLOCK), "fcntl", errnoStyle: true)

        var actions = posix_spawn_file_actions_t()
        try hookCheck(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init")
        defer { posix_spawn_file_actions_destroy(&actions) }
        try hookCheck(posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0), "posix_spawn_file_actions_adddup2")
        try hookCheck(posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0), "posix_spawn_file_actions_addopen")
        try hookCheck(posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2), "posix_spawn_file_actions_adddup2")
        try hookCheck(GNUSpawnExtensions.addCloseFrom(&actions, 3), "posix_spawn_file_actions_addclosefrom_np")
        try hookCheck(GNUSpawnExtensions.addChdir(&actions, "/"), "posix_spawn_file_actions_addchdir_np")

        var attr = posix_spawnattr_t()
        try hookCheck(posix_spawnattr_init(&attr), "posix_spawnattr_init")
        defer { posix_spawnattr_destroy(&attr) }
        let flags = Int32(POSIX_SPAWN_SETPGROUP) | Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)
        try hookCheck(posix_spawnattr_setflags(&attr, Int16(flags)), "posix_spawnattr_setflags")
        try hookCheck(posix_spawnattr_setpgroup(&attr, 0), "posix_spawnattr_setpgroup")
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults); sigemptyset(&empty)
        for s in Int32(1)..<32 where s != SIGKILL && s != SIGSTOP { sigaddset(&defaults, s) }
        try hookCheck(posix_spawnattr_setsigdefault(&attr, &defaults), "posix_spawnattr_setsigdefault")
        try hookCheck(posix_spawnattr_setsigmask(&attr, &empty), "posix_spawnattr_setsigmask")

        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = payload.environment().map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        try hookCheck(posix_spawn(&pid, path, &actions, &attr, argv, envp), "posix_spawn", hook: path)
        spawned = true

        // stdin: the payload is far smaller than a pipe buffer, so one non-blocking write never waits, even if
        // the hook never reads it. EPIPE (hook already gone) is ignored; SIGPIPE is ignored by HookRunner.
        let json = payload.json()
        _ = json.withUnsafeBytes { Glibc.write(inPipe[1], $0.baseAddress, $0.count) }
        close(inPipe[1]); inPipe[1] = -1
        return (pid, errPipe[0])
    }

    /// Drains stderr into `tail` while waiting for the process; enforces the timeout and the stop deadline
    /// (`cut`). Returns the wait status.
    private func supervise(pid: pid_t, errFD: Int32, tail: inout ByteTail, timedOut: inout Bool, cutShort: inout Bool) -> Int32 {
        let start = MonotonicClock.nanoseconds
        let deadline = start + UInt64(settings.timeout * 1e9)
        var killAt: UInt64 = .max
        var termSent = false, killSent = false, errOpen = true
        var chunk = [UInt8](repeating: 0, count: 4096)
        var status: Int32 = 0
        while true {
            // Read whatever stderr has; a flooding hook is drained as fast as it writes, keeping only the tail.
            if errOpen {
                var pfd = pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, 20)
                // At most 64 chunks (256 KB) per round, so an endless flood still reaches the timeout checks.
                for _ in 0..<64 {
                    let n = chunk.withUnsafeMutableBytes { read(errFD, $0.baseAddress, $0.count) }
                    if n > 0 { tail.append(chunk, count: n); continue }
                    if n == 0 { errOpen = false }
                    break // EAGAIN or EOF
                }
            } else {
                usleep(10_000)
            }
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r == -1 && errno == ECHILD) {
                // Pick up what the hook wrote just before exiting (bounded: a left-behind child may keep writing).
                for _ in 0..<256 where errOpen {
                    let n = chunk.withUnsafeMutableBytes { read(errFD, $0.baseAddress, $0.count) }
                    if n > 0 { tail.append(chunk, count: n) } else { break }
                }
                // cut short: what the hook left running in its group (a child that ignores SIGTERM) goes too
                if cutShort { kill(-pid, SIGKILL) }
                return status
            }
            let now = MonotonicClock.nanoseconds
            if !cutShort && cut() {
                cutShort = true
                if !termSent { termSent = true; kill(-pid, SIGTERM) }
                killAt = min(killAt, now + UInt64(min(settings.killAfter, StopBudget.killGrace) * 1e9))
            }
            if !termSent && now >= deadline {
                timedOut = true; termSent = true
                kill(-pid, SIGTERM)
                killAt = now + UInt64(settings.killAfter * 1e9)
            }
            if termSent && !killSent && now >= killAt {
                killSent = true
                kill(-pid, SIGKILL)
            }
        }
    }
}

/// The last `capacity` bytes of a stream, in a fixed buffer.
struct ByteTail {
    private var buf: [UInt8]
    private var next = 0
    private(set) var total = 0

    init(capacity: Int) { buf = [UInt8](repeating: 0, count: capacity) }

    mutating func append(_ bytes: [UInt8], count n: Int) {
        total += n
        let cap = buf.count
        guard cap > 0 else { return }
        let keep = min(n, cap)
        for i in (n - keep)..<n { buf[next] = bytes[i]; next = next + 1 == cap ? 0 : next + 1 }
    }

    /// The kept bytes as text (invalid UTF-8 replaced), trimmed of surrounding whitespace.
    var text: String {
        let kept = min(total, buf.count)
        guard kept > 0 else { return "" }
        var start = next - kept
        if start < 0 { start += buf.count }
        let ordered = (0..<kept).map { buf[(start + $0) % buf.count] }
        return String(decoding: ordered, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
