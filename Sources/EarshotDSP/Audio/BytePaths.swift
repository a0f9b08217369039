import Foundation

/// File names that are not UTF-8 (a recorder's or an old Windows machine's Latin-1 "café.wav"), which Foundation
/// cannot hold: `contentsOfDirectory` leaves such a file out of a folder's list, and a command-line argument naming
/// one reaches the program with U+FFFD in place of the bytes, so the path no longer exists.
///
/// Such a name is kept as its bytes, under the name shown for it: the undecodable bytes escaped (`caf\xE9.wav`),
/// or the argument as the program got it. A reader opens it with `withFileSystemPath`: the bytes are opened with
/// `O_PATH` for as long as the reader needs, and read through their `/proc/self/fd/N` link, which is UTF-8.
public enum BytePaths {
    private static let lock = NSLock()
    /// `O_PATH` (Linux's <bits/fcntl-linux.h>; Glibc's module leaves it out, as it needs `_GNU_SOURCE`): an fd that
    /// names the file without reading it, so a file that cannot be read is reported by the reader as unreadable.
    static let oPath: Int32 = 0o10000000
    nonisolated(unsafe) private static var paths: [String: [UInt8]] = [:]

    /// Runs `body` with the path to open for `name`: a `/proc/self/fd/N` link, open while `body` runs, if `name`
    /// stands for a path that is not UTF-8 (one listed by `child(of:_:)`, or a command-line argument), else `name`
    /// itself. What `body` opens stays open after it. The corresponding C functions are `open` and `close`.
    public static func withFileSystemPath<R>(_ name: String, _ body: (String) throws -> R) rethrows -> R {
        guard let bytes = bytes(for: name) else { return try body(name) }
        let fd = (bytes + [0]).withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, oPath | O_CLOEXEC) }
        }
        guard fd >= 0 else { return try body(name) }   // gone since: the reader reports `name` as missing
        defer { close(fd) }
        return try body("/proc/self/fd/\(fd)")
    }

    /// Whether `name` is a file or folder (`isDirectory` set), by its bytes if it stands for a name that is not UTF-8.
    public static func exists(_ name: String, isDirectory: UnsafeMutablePointer<ObjCBool>? = nil) -> Bool {
        withFileSystemPath(name) { FileManager.default.fileExists(atPath: $0, isDirectory: isDirectory) }
    }

    /// The bytes `name` stands for: registered, or those of the command-line argument the program got as `name`
    /// (registered now); nil for a name that is its own path.
    static func bytes(for name: String) -> [UInt8]? {
        if let b = lock.withLock({ paths[name] }) { return b }
        guard name.unicodeScalars.contains("\u{FFFD}"), access(name, F_OK) != 0, let b = argumentBytes(name) else { return nil }
        register(name, bytes: b)
        return b
    }

    /// Makes `name` stand for the path `bytes`.
    static func register(_ name: String, bytes: [UInt8]) {
        lock.withLock { paths[name] = bytes }
    }

    /// `bytes` as a name to show: UTF-8 as it is, any other byte as `\xNN`.
    public static func display(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var out = ""
        var i = 0
        while i < bytes.count {
            // the longest valid UTF-8 sequence at i (1–4 bytes), else one escaped byte
            let n = (1...min(4, bytes.count - i)).reversed().first { String(validating: bytes[i..<(i + $0)], as: UTF8.self) != nil }
            if let n {
                out += String(decoding: bytes[i..<(i + n)], as: UTF8.self)
                i += n
            } else {
                out += String(format: "\\x%02X", bytes[i])
                i += 1
            }
        }
        return out
    }

    /// The names in folder `path` as bytes, `.` and `..` left out; nil if it cannot be listed. Unlike
    /// `contentsOfDirectory`, it keeps names that are not UTF-8. The corresponding C functions are `opendir`,
    /// `readdir` and `closedir`.
    public static func listing(_ path: String) -> [[UInt8]]? {
        guard let dir = withFileSystemPath(path, { opendir($0) }) else { return nil }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
        return names
    }

    /// `folder/name` for a name read by `listing`: the name shown as `display` gives it, and, if it is not
    /// UTF-8 or the folder's is not, registered so that the reader opens the file it names.
    public static func child(of folder: String, _ name: [UInt8]) -> String {
        let shown = (folder as NSString).appendingPathComponent(display(name))
        let folderBytes = bytes(for: folder)
        if String(validating: name, as: UTF8.self) == nil || folderBytes != nil {
            var path = folderBytes ?? Array(folder.utf8)
            if path.last != 0x2F { path.append(0x2F) }
            register(shown, bytes: path + name)
        }
        return shown
    }

    /// For a command-line argument that reached the program with U+FFFD in place of bytes that are not UTF-8 (as
    /// `CommandLine.arguments` decodes them): the argument's own bytes, if they name a file or folder; an option's
    /// value given as `--flag=VALUE` counts. The corresponding C function is `access`.
    static func argumentBytes(_ name: String) -> [UInt8]? {
        for i in 1..<Int(CommandLine.argc) {
            guard let arg = CommandLine.unsafeArgv[i] else { continue }
            let whole = Array(UnsafeBufferPointer(start: arg, count: strlen(arg))).map { UInt8(bitPattern: $0) }
            let value = whole.first == 0x2D ? whole.firstIndex(of: 0x3D).map { Array(whole[($0 + 1)...]) } : nil
            for bytes in [whole, value].compactMap({ $0 })
            where String(decoding: bytes, as: UTF8.self) == name && String(validating: bytes, as: UTF8.self) == nil {
                let found = (bytes + [0]).withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { access($0.baseAddress!, F_OK) == 0 } }
                return found ? bytes : nil
            }
        }
        return nil
    }
}
