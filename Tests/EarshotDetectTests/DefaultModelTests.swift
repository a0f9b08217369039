import EarshotDetect
import Foundation
import Testing

@Suite(.serialized) struct DefaultModelTests {
    @Test func searchOrderAndEnvironmentOverride() throws {
        let dir = TestPaths.tempDir("dm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m.safetensors")
        _ = FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8))
        setenv("EARSHOT_MODEL", file.path, 1)
        defer { unsetenv("EARSHOT_MODEL") }
        let p = DefaultModel.searchPaths.map(\.path)
        #expect(p.first == file.path)
        #expect(p.contains("/usr/local/share/earshot/earshot-default.safetensors"))
        #expect(p.contains("/usr/share/earshot/earshot-default.safetensors"))
        #expect(p.last == TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors").path)
        #expect(DefaultModel.locate()?.path == file.path)
        #expect(try DefaultModel.resolve("/explicit.safetensors").path == "/explicit.safetensors")
    }

    @Test func errorNamesThePathsAndTheFix() {
        let e = DefaultModelError(tried: ["/a/m.safetensors", "/b/m.safetensors"])
        #expect(e.description.contains("/a/m.safetensors") && e.description.contains("/b/m.safetensors"))
        #expect(e.description.contains("--model FILE") && e.description.contains("make install"))
    }

    @Test func missingEnvironmentFileFallsThrough() {
        setenv("EARSHOT_MODEL", "/nonexistent/earshot.safetensors", 1)
        defer { unsetenv("EARSHOT_MODEL") }
        #expect(DefaultModel.locate()?.path != "/nonexistent/earshot.safetensors")
    }
}
