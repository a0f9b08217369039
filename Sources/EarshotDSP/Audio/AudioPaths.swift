import Foundation

/// Paths as an operator gives them to `earshot detect`, `earshot calibrate` and `earshot-train adapt`: a
/// folder stands for the audio files directly in it (by extension, sorted by name, hidden files left out —
/// e.g. earshotd's recordings folder); anything else is kept as given, so a missing or unreadable path is
/// still reported by the reader, naming it. A folder with no audio file in it is kept too, and the reader
/// says so (`AudioFileError.folder`).
public enum AudioPaths {
    /// Extensions of the containers libsndfile reads (lowercase).
    public static let extensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc", "au", "snd", "caf", "w64", "rf64"]

    /// Names that are not UTF-8 are kept (`BytePaths`): a file in a folder is listed with its undecodable bytes
    /// escaped, and a command-line argument naming such a file or folder is opened by its own bytes.
    public static func expand(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var dir: ObjCBool = false
            guard BytePaths.exists(path, isDirectory: &dir), dir.boolValue else { return [path] }
            let files = (BytePaths.listing(path) ?? [])
                .filter { let shown = BytePaths.display($0); return !shown.hasPrefix(".") && extensions.contains((shown as NSString).pathExtension.lowercased()) }
                .map { BytePaths.child(of: path, $0) }
                .sorted()
                .filter {
                    var d: ObjCBool = false
                    return BytePaths.exists($0, isDirectory: &d) && !d.boolValue
                }
            return files.isEmpty ? [path] : files
        }
    }
}
