import Foundation

/// Paths as an operator gives them to `earshot detect`, `earshot calibrate` and `earshot-train adapt`: a
/// folder stands for the audio files directly in it (by extension, sorted by name, hidden files left out —
/// e.g. earshotd's recordings folder); anything else is kept as given, so a missing or unreadable path is
/// still reported by the reader, naming it. A folder with no audio file in it is kept too, and the reader
/// says so (`AudioFileError.folder`).
public enum AudioPaths {
    /// Extensions of the containers libsndfile reads (lowercase).
    public static let extensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc", "au", "snd", "caf", "w64", "rf64"]

    public static func expand(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var dir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &dir), dir.boolValue else { return [path] }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                .filter { !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            let files = names.map { (path as NSString).appendingPathComponent($0) }.filter {
                var d: ObjCBool = false
                return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue
            }
            return files.isEmpty ? [path] : files
        }
    }
}
