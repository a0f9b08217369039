import Foundation

/// Finds the shipped model without any flag: `$EARSHOT_MODEL`, then the install locations, then the
/// repository's `models/` (so a binary built from a clone works before `make install`).
public enum DefaultModel {
    public static let fileName = "earshot-default.safetensors"

    /// Where the default model is looked for, in order. `environment` is the process's unless given (tests
    /// pass their own rather than mutate process-global state that concurrent tests and children read).
    public static func searchPaths(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        var paths: [URL] = []
        if let env = environment["EARSHOT_MODEL"], !env.isEmpty { paths.append(URL(fileURLWithPath: env)) }
        paths.append(shareDirectory.appendingPathComponent(fileName))
        paths.append(URL(fileURLWithPath: "/usr/local/share/earshot/\(fileName)"))
        paths.append(URL(fileURLWithPath: "/usr/share/earshot/\(fileName)"))
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        paths.append(repo.appendingPathComponent("models/\(fileName)"))
        return paths
    }

    /// The installed program's shared files: PREFIX/share/earshot beside PREFIX/bin (/usr/share/earshot from
    /// the .deb, /usr/local/share/earshot after `make install`) — the model and the pristine earshot.yaml.
    public static var shareDirectory: URL {
        executableDirectory.deletingLastPathComponent().appendingPathComponent("share/earshot")
    }

    /// The running binary's directory: /proc/self/exe (right even when started through $PATH or a
    /// symlink), else argv[0].
    static var executableDirectory: URL {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: p).deletingLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        searchPaths(environment: environment).first { FileManager.default.isReadableFile(atPath: $0.path) }
    }

    /// The model to use: `explicit` if given, else the default; the error lists every place tried.
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        guard let u = locate(environment: environment) else {
            throw DefaultModelError(tried: searchPaths(environment: environment).map(\.path))
        }
        return u
    }
}

public struct DefaultModelError: Error, CustomStringConvertible {
    public var tried: [String]
    public init(tried: [String]) { self.tried = tried }
    public var description: String {
        "no model found (tried: \(tried.joined(separator: ", "))); pass --model FILE, set EARSHOT_MODEL, or run `make install`"
    }
}
