import Foundation
import Testing
@testable import EarshotTrain

/// What a training run will write is checked before it decodes and trains: a model file's folder, the report
/// folder; and every side of the split needs both classes.
@Suite struct OutputPathTests {
    @Test func unwritablePlacesAreNamedWithTheFlag() throws {
        let dir = TestPaths.tempDir("outpath"); defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        try OutputPath.checkFile(dir.appendingPathComponent("m.safetensors"), flag: "--ship")
        #expect { try OutputPath.checkFile(dir, flag: "--out") } throws: { "\($0)".contains("--out \(dir.path): is a folder") }
        let deep = dir.appendingPathComponent("missing/m.safetensors")
        #expect { try OutputPath.checkFile(deep, flag: "--ship") } throws: { "\($0)".contains("--ship \(deep.path): cannot write into") }
        #expect { try OutputPath.makeFolder(file, flag: "--out") } throws: { "\($0)".contains("is a file, not a folder") }
        // an existing file is replaced only when it is an Earshot model (the re-check's N1: `train --ship afile`
        // replaced a text file); a folder's example name is a model's, not adapt's site model
        #expect { try OutputPath.checkFile(file, flag: "--ship") } throws: { "\($0)".contains("--ship \(file.path): the file exists and is no Earshot model") }
        try OutputPath.checkFile(file, flag: "--out", anyFile: true)
        let model = dir.appendingPathComponent("old.safetensors")
        try FileManager.default.copyItem(at: TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors"), to: model)
        try OutputPath.checkFile(model, flag: "--ship")
        #expect { try OutputPath.checkFile(dir, flag: "--ship") } throws: { "\($0)".contains("e.g. \(dir.appendingPathComponent("model.safetensors").path)") }
        let made = dir.appendingPathComponent("new/report")
        try OutputPath.makeFolder(made, flag: "--out")
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: made.path, isDirectory: &isDir) && isDir.boolValue)
    }

    /// trainer QA D18: a disk without room for the run is named before decoding, not when the first model is written.
    @Test func aFullDiskIsFoundBeforeTheRun() throws {
        let dir = TestPaths.tempDir("outpath-free"); defer { try? FileManager.default.removeItem(at: dir) }
        try OutputPath.checkFreeSpace(dir, needed: 1, flag: "--out")
        #expect { try OutputPath.checkFreeSpace(dir, needed: 1 << 60, flag: "--out") } throws: {
            "\($0)".contains("--out \(dir.path): its disk has ") && "\($0)".contains("MB free, and the run writes up to ")
                && "\($0)".contains("free some space or choose another folder")
        }
    }

    @Test func everySideOfTheSplitNeedsBothClasses() throws {
        try ThreeModelProtocol.requireBothClasses([("train", 3, 4), ("validation", 1, 1), ("test", 2, 1)], unreadable: 0)
        #expect { try ThreeModelProtocol.requireBothClasses([("train", 3, 4), ("validation", 0, 2), ("test", 2, 1)], unreadable: 1) } throws: {
            "\($0)".contains("the validation split has 0 gunshot and 2 negative/crowd clips (after 1 unreadable clips were left out)")
        }
        #expect { try ThreeModelProtocol.requireBothClasses([("train", 3, 0)], unreadable: 0) } throws: { "\($0)".contains("the train split has 3 gunshot and 0") }
    }
}
