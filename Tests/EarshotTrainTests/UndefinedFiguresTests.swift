import Foundation
import Testing
@testable import EarshotTrain

/// trainer QA D17: figures over an empty denominator are shown as undefined, not as 1.000 or 0.000, and more
/// out-of-fold folds than recording groups are refused before the corpus is decoded.
struct UndefinedFiguresTests {
    @Test func precisionWithoutDetectionsIsUndefined() throws {
        let none = BinaryMetrics(scores: [0.2, 0.1, 0.3], labels: [true, false, false], threshold: 1)
        #expect(none.precision == nil && none.f1 == 0 && none.recall == 0)
        let t = EvalReport(model: "m", threshold: 1, clips: 3, metrics: none, accuracy: none.accuracy, precision: none.precision ?? .nan, recall: 0,
                           f1: 0, rocAUC: 0.5, falseAlarmsPerHour: 0, negativeHours: 0.1, recallAtSNR: [:], recallAtGain: [:],
                           falseAlarmRateAtGain: [:], recallBySource: [:], falseAlarmsBySource: [:], recallByLevel: [],
                           falseAlarmClipsByLevel: [], recallAtEqualFA: [:], roc: [])
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(t)) as? [String: Any]
        #expect(json?["precision"] is NSNull, "precision in JSON: \(String(describing: json?["precision"]))")
        #expect(try JSONDecoder().decode(EvalReport.self, from: JSONEncoder().encode(t)).precision.isNaN)
        var found = t
        found.precision = 0.75
        #expect(try JSONDecoder().decode(EvalReport.self, from: JSONEncoder().encode(found)).precision == 0.75)
        #expect(Report.precisionCell(.nan) == "n/a" && Report.precisionCell(0.75) == "75.0 %")
        // a fold that held out no gunshot clip has no recall in the fold table
        let folds = Report.foldTable([.init(sources: ["a": 2], recall: ["1": 0.5, "10": 1]), .init(sources: [:], recall: [:])])
        #expect(folds.contains("| 1 | 2: a 2 | 50.0 % | 100.0 % |") && folds.contains("| 2 | 0 | – | – |"), "\(folds)")
    }

    @Test func moreFoldsThanGroupsAreRefused() throws {
        let clips = (0..<20).map { ClipInfo(file: "f\($0).wav", label: $0 < 10 ? "gunshot" : "negative", source: "s", group: "g\($0)", seconds: 1, licence: "") }
        let split = GroupSplit(clips: clips, seed: 1)
        let guns = Set(clips.filter { $0.label == "gunshot" && split.side(of: $0) != .test }.map(\.group)).count
        #expect(throws: Never.self) { try ThreeModelProtocol.checkFolds(guns, clips: clips, split: split) }
        #expect(throws: Never.self) { try ThreeModelProtocol.checkFolds(0, clips: clips, split: split) }
        do {
            try ThreeModelProtocol.checkFolds(guns + 1, clips: clips, split: split)
            Issue.record("\(guns + 1) folds of \(guns) gunshot groups accepted")
        } catch let e as TrainError {
            #expect(e.description.contains("--folds \(guns + 1): the train and validation splits hold \(guns) gunshot") && e.description.contains("use --folds \(guns) or fewer"), "\(e)")
        }
    }
}
