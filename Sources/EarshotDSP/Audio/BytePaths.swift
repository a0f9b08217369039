import Foundation

/// File names that are not UTF-8 (a recorder's or an old Windows machine's Latin-1 "café.wav"), which Foundation
/// cannot hold: `contentsOfDirectory` leaves such a file out of a folder's list, and a command-line argument naming
/// one reaches the program with U+FFFD in place of the bytes, so the path no longer exists.
///
/// Such a file is opened once by its bytes (`open(2)` with `O_PATH`, kept open for the process's life) and read
/// through its `/proc/self/fd/N` link, which is UTF-8. Its name is shown with the undecodable bytes escaped
/// (`caf\xE9.wav`), or as given on the command line; `SndfileReader` looks the name up with `fileSystemPath(_:)`.
public enum BytePaths {
    private static let lock = NSLock()
    /// `O_PATH` (Linux's <bits/fcntl-linux.h>; Glibc's module leaves it out, as it needs `_GNU_SOURCE`): an fd that
    /// names the file without reading it, so a file that cannot be read is reported by the reader as unreadable.
    static let oPath: Int32 = 0o10000000
    nonisolated(unsafe) private static var links: [String: String] = [:]

    /// The path to open for `name`: its `/proc/self/fd/N` link if `name` stands for a file whose name is not
    /// UTF-8 (one listed by `child(of:_:)`, or a command-line argument: `registerArgument`), else `name` itself.
    public static func fileSystemPath(_ name: String) -> String {
        if let link = lock.withLock({ links[name] }) { return link }
        if name.unicodeScalars.contains("\u{FFFD}"), access(name, F_OK) != 0, registerArgument(name) {
            return lock.withLock { links[name] } ?? name
        }
        return name
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

    /// Opens `bytes` (a path) with `O_PATH` and makes `name` stand for it. Returns false if it cannot be opened
    /// (the reader then reports `name` as missing). The corresponding C function is `open`.
    @discardableResult
    public static func register(_ name: String, bytes: [UInt8]) -> Bool {
        let fd = (bytes + [0]).withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, oPath | O_CLOEXEC) }
        }
        guard fd >= 0 else { return false }
        lock.withLock { links[name] = "/proc/self/fd/\(fd)" }
        return true
    }

    /// The names in folder `path` as bytes, `.` and `..` left out; nil if it cannot be listed. Unlike
    /// `contentsOfDirectory`, it keeps names that are not UTF-8. The corresponding C functions are `opendir`,
    /// `readdir` and `closedir`.
    public static func listing(_ path: String) -> [[UInt8]]? {
        guard let dir = opendir(fileSystemPath(path)) else { return nil }
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
        if String(validating: name, as: UTF8.self) == nil || fileSystemPath(folder) != folder {
            var dirBytes = Array(fileSystemPath(folder).utf8)
            if dirBytes.last != 0x2F { dirBytes.append(0x2F) }
            register(shown, bytes: dirBytes + name)
        }
        return shown
    }

    /// For a command-line argument that reached the program with U+FFFD in place of bytes that are not UTF-8 (as
    /// `CommandLine.arguments` decodes them): the argument's own bytes, registered under `name`; an option's
    /// value given as `--flag=VALUE` counts. Returns whether they name a file or folder.
    static func registerArgument(_ name: String) -> Bool {
        for i in 1..<Int(CommandLine.argc) {
            guard let arg = CommandLine.unsafeArgv[i] else { continue }
            let whole = Array(UnsafeBufferPointer(start: arg, count: strlen(arg))).map { UInt8(bitPattern: $0) }
            let value = whole.first == 0x2D ? whole.firstIndex(of: 0x3D).map { Array(whole[($0 + 1)...]) } : nil
            for bytes in [whole, value].compactMap({ $0 })
            where String(decoding: bytes, as: UTF8.self) == name && String(validating: bytes, as: UTF8.self) == nil {
                return register(name, bytes: bytes)
            }
        }
        return false
    }
}
