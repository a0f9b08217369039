import Foundation

/// The commit a trainer binary was built from, for a model's `train.commit`: the git checkout that holds the
/// executable (`.build/release/earshot-train` of a clone, or of a `git worktree`), its HEAD resolved through
/// its ref. Not the working directory's checkout — run from another repository (an etckeeper'd /etc, say)
/// that would record a commit the model has nothing to do with. "unknown" for a binary outside a checkout
/// (installed elsewhere).
public enum BuildCommit {
    /// The running executable's commit (`/proc/self/exe`).
    public static var current: String { of(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()) }

    /// The commit of the checkout holding `executable`, or "unknown".
    public static func of(executable: URL) -> String {
        var dir = executable.deletingLastPathComponent()
        while dir.path != "/" && !dir.path.isEmpty {
            if let gitDir = gitDirectory(in: dir) { return head(gitDir) ?? "unknown" }
            dir = dir.deletingLastPathComponent()
        }
        return "unknown"
    }

    /// `dir/.git` as a directory, or the directory a worktree's `.git` file names (`gitdir: PATH`).
    static func gitDirectory(in dir: URL) -> URL? {
        let dotGit = dir.appendingPathComponent(".git")
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isDir) else { return nil }
        if isDir.boolValue { return dotGit }
        guard let line = read(dotGit), line.hasPrefix("gitdir: ") else { return nil }
        let path = String(line.dropFirst(8))
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : dir.appendingPathComponent(path).standardized
    }

    /// HEAD of `gitDir`: a detached commit, or its ref looked up in the (common) refs and packed-refs.
    static func head(_ gitDir: URL) -> String? {
        guard let head = read(gitDir.appendingPathComponent("HEAD")) else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        let ref = String(head.dropFirst(5))
        // a worktree's refs live in the main repository's git directory (`commondir`)
        let common = read(gitDir.appendingPathComponent("commondir")).map {
            $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : gitDir.appendingPathComponent($0).standardized
        } ?? gitDir
        for base in [gitDir, common] {
            if let c = read(base.appendingPathComponent(ref)) { return c }
        }
        let packed = read(common.appendingPathComponent("packed-refs")) ?? ""
        return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { String($0.prefix(40)) }
    }

    private static func read(_ url: URL) -> String? {
        (try? String(contentsOf: url, encoding: .utf8)).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}
