#if canImport(Glibc)
import Glibc
#endif

/// glibc's `_GNU_SOURCE` calls the hook runner needs but Swift's Glibc module does not import (they sit behind
/// `__USE_GNU`), looked up once with `dlsym`. Each falls back to a portable equivalent when missing.
enum GNUSpawnExtensions {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChDir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static func lookup<T>(_ name: String, as: T.Type) -> T? {
        guard let sym = dlsym(nil, name) else { return nil }
        return unsafeBitCast(sym, to: T.self)
    }
    private static let pipe2Fn = lookup("pipe2", as: Pipe2.self)
    private static let closeFromFn = lookup("posix_spawn_file_actions_addclosefrom_np", as: CloseFrom.self)
    private static let chdirFn = lookup("posix_spawn_file_actions_addchdir_np", as: ChDir.self)

    /// A pipe whose both ends are close-on-exec. The corresponding C function is `pipe2(fds, O_CLOEXEC)`
    /// (fallback `pipe` + `fcntl(FD_CLOEXEC)`). Returns 0 or -1 with errno set.
    static func cloexecPipe(_ fds: UnsafeMutablePointer<Int32>) -> Int32 {
        if let f = pipe2Fn { return f(fds, O_CLOEXEC) }
        guard pipe(fds) == 0 else { return -1 }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC); _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return 0
    }

    /// Closes every descriptor ≥ `from` in the child. The corresponding C function is
    /// `posix_spawn_file_actions_addclosefrom_np`; without it (glibc < 2.34) this is a no-op and the
    /// daemon's descriptors are protected only by O_CLOEXEC. Returns an error number, 0 on success.
    static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32 {
        closeFromFn?(actions, from) ?? 0
    }

    /// Runs the child in `dir`. The corresponding C function is `posix_spawn_file_actions_addchdir_np`
    /// (no-op when missing). Returns an error number, 0 on success.
    static func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ dir: String) -> Int32 {
        chdirFn?(actions, dir) ?? 0
    }
}
