import Foundation
import Testing
@testable import EarshotDaemon

@Suite("FileStamp: which version of a file is on disk")
struct FileStampTests {
    @Test func rewrittenOrReplacedFilesGetANewStampAndAMissingOneNone() throws {
        let dir = TestPaths.tempDir("stamp")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("model.safetensors")
        #expect(FileStamp(path: f.path) == nil, "missing")
        try Data("one".utf8).write(to: f)
        let a = try #require(FileStamp(path: f.path))
        #expect(FileStamp(path: f.path) == a, "unchanged: the same stamp")
        // the same size, rewritten in place a moment later (mtime)
        usleep(20_000)
        let h = try FileHandle(forWritingTo: f)
        try h.write(contentsOf: Data("two".utf8)); try h.close()
        let b = try #require(FileStamp(path: f.path))
        #expect(b != a && b.inode == a.inode, "rewritten in place")
        // written elsewhere and renamed over it, as `cp`-then-`mv` and editors do (a new inode)
        let tmp = dir.appendingPathComponent("new.tmp")
        try Data("two".utf8).write(to: tmp)
        #expect(rename(tmp.path, f.path) == 0)
        let c = try #require(FileStamp(path: f.path))
        #expect(c != b && c.inode != b.inode, "replaced")
    }
}
