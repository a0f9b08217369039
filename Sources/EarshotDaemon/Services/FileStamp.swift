import Foundation

/// Which version of a file is on disk, as `stat` tells it: inode, size and modification time (ns). A file
/// rewritten in place or replaced (written elsewhere and renamed over it, as editors and `cp` do) gets a new
/// stamp. Lets earshotd see whether a file it reads again (the mute file every second, the model on a reload)
/// changed, without reading it.
struct FileStamp: Equatable {
    let inode: UInt64, size: Int, seconds: Int, nanoseconds: Int

    /// The stamp of `path` now; nil if it cannot be `stat`ed (missing). The corresponding C function is `stat`.
    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        inode = UInt64(st.st_ino); size = Int(st.st_size); seconds = st.st_mtim.tv_sec; nanoseconds = st.st_mtim.tv_nsec
    }
}
