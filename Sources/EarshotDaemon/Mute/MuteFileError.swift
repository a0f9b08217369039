/// The mute file (`Mute`) could not be read, understood or written: names the file and the fix.
public struct MuteFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var problem: String
    public var fix: String

    public init(path: String, problem: String, fix: String) { self.path = path; self.problem = problem; self.fix = fix }

    public var description: String { "mute file \(path) \(problem) — \(fix)" }
}
