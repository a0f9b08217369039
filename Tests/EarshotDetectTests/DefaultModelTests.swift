import EarshotDetect
import Foundation
import Testing

/// The environment is passed in, never set on the process (other suites run concurrently and spawn children).
@Suite struct DefaultModelTests {
    @Test func searchOrderAndEnvironmentOverride() throws {
        let dir = TestPaths.tempDir("dm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m.safetensors")
        _ = FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8))
        let env = ["EARSHOT_MODEL": file.path]
        let p = DefaultModel.searchPaths(environment: env).map(\.path)
        #expect(p.first == file.path)
        #expect(p.contains("/usr/local/share/earshot/earshot-default.safetensors"))
        #expect(p.contains("/usr/share/earshot/earshot-default.safetensors"))
        #expect(p.last == TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors").path)
        #expect(DefaultModel.locate(environment: env)?.path == file.path)
        #expect(try DefaultModel.resolve("/explicit.safetensors", environment: env).path == "/explicit.safetensors")
        #expect(try DefaultModel.resolve(nil, environment: env).path == file.path)
        #expect(DefaultModel.searchPaths(environment: [:]).first?.path != file.path, "no EARSHOT_MODEL, no entry")
    }

    @Test func errorNamesThePathsAndTheFix() {
        let e = DefaultModelError(tried: ["/a/m.safetensors", "/b/m.safetensors"])
        #expect(e.description.contains("/a/m.safetensors") && e.description.contains("/b/m.safetensors"))
        #expect(e.description.contains("--model FILE") && e.description.contains("make install"))
    }

    @Test func missingEnvironmentFileFallsThrough() {
        let env = ["EARSHOT_MODEL": "/nonexistent/earshot.safetensors"]
        #expect(DefaultModel.searchPaths(environment: env).first?.path == "/nonexistent/earshot.safetensors")
        #expect(DefaultModel.locate(environment: env)?.path != "/nonexistent/earshot.safetensors")
    }
}
