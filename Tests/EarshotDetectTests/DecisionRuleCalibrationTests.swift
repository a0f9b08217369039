import EarshotDetect
import EarshotDSP
import EarshotNN
import Testing

/// The rule a model's thresholds were calibrated with, as the model file records it, and the warning when a
/// configured rule can count more events.
@Suite struct DecisionRuleCalibrationTests {
    func model(record: String?) throws -> Model {
        let net = try Network(specs: LayerSpec.reference(), inputShape: Shape3(1, 64, 96))
        let m = Model(network: net, features: FeatureConfig(), threshold: 0.9, thresholds: ["1": 0.9, "5": 0.8])
        if let record { m.provenance[DecisionRule.calibrationKey] = record }
        return m
    }

    @Test func theRecordRoundTripsAndOldFilesGetTheTrainersFormerRule() throws {
        let r = DecisionRule(threshold: 0.3, minConsecutive: 3, maxDips: 1, mergeGap: 0.7, cooldown: 4, hopSeconds: 0.05)
        let back = try #require(DecisionRule.calibration(of: try model(record: r.calibrationRecord)))
        #expect(back.calibrationRecord == r.calibrationRecord && back.threshold == 0.9, "\(back)")
        #expect(r.calibrationRecord == #"{"cooldown":4,"hop":0.05,"max_dips":1,"merge_gap":0.7,"min_consecutive":3}"#)
        let legacy = try #require(DecisionRule.calibration(of: try model(record: nil)))
        #expect(legacy.countingDescription == "min_consecutive 2, max_dips 0, hop 0.1 s, merge_gap 0.5 s, cooldown 10 s")
        #expect(DecisionRule.calibration(of: try model(record: "{broken")) == nil)
    }

    @Test func aRuleThatCountsDifferentlyIsWarnedAboutOnlyWithTheModelsThresholds() throws {
        let m = try model(record: DecisionRule(threshold: 0.5).calibrationRecord)
        #expect(DecisionRule(threshold: 0.9).calibrationProblem(model: m) == nil, "the calibration rule itself")
        let p = try #require(DecisionRule(threshold: 0.8, minConsecutive: 1, hopSeconds: 0.05).calibrationProblem(model: m), "one of its thresholds (5 FA/h)")
        #expect(p.hasPrefix("min_consecutive 1 (calibrated: 2), hop 0.05 s (calibrated: 0.1 s): ") && p.contains("earshot calibrate"), "\(p)")
        #expect(DecisionRule(threshold: 0.9, maxDips: 1).calibrationProblem(model: m)?.hasPrefix("max_dips 1 (calibrated: 0)") == true)
        #expect(DecisionRule(threshold: 0.9, hopSeconds: 0.2).calibrationProblem(model: m)?.hasPrefix("hop 0.2 s (calibrated: 0.1 s)") == true, "another hop, either way")
        // stricter settings count at most as many events; merge gap and cooldown were not measured by calibration
        #expect(DecisionRule(threshold: 0.9, minConsecutive: 3).calibrationProblem(model: m) == nil)
        #expect(DecisionRule(threshold: 0.9, mergeGap: 0.1, cooldown: 1).calibrationProblem(model: m) == nil)
        #expect(DecisionRule(threshold: 0.77, minConsecutive: 1).calibrationProblem(model: m) == nil, "an operator's own threshold claims no rate")
        #expect(DecisionRule(threshold: 0.9, minConsecutive: 1).calibrationProblem(model: try model(record: "{broken")) == nil, "no rule known, nothing claimed")
        #expect(DecisionRule(threshold: 0.9, minConsecutive: 1, cooldown: 0).configLines(differingFrom: DecisionRule(threshold: 0.9)) == ["min_consecutive: 1", "cooldown: 0"])
    }
}
