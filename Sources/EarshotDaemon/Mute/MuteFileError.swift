/// The mute file (`Mute`) could not be read, understood or written: names the file and the fix.
public struct MuteFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var problem: String
    public var fix: String
    /// This user may not look (EACCES on the file or a folder above it: earshotd's state directory is private
    /// to it under DynamicUser): whether there is a mute cannot be told, not "no mute".
    public var permissionDenied = false

    public init(path: String, problem: String, fix: String, permissionDenied: Bool = false) {
        self.path = path; self.problem = problem; self.fix = fix; self.permissionDenied = permissionDenied
    }

    public var description: String { "mute file \(path) \(problem) — \(fix)" }
}
