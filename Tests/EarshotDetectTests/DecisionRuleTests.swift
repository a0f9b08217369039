import EarshotDetect
import Testing

@Suite struct DecisionRuleTests {
    @Test func defaultsAreTheDocumentedOnes() throws {
        let r = DecisionRule(threshold: 0.7)
        #expect(r.minConsecutive == 2 && r.mergeGap == 0.5 && r.cooldown == 10 && r.hopSeconds == 0.1)
        try r.validate()
    }

    @Test(arguments: [
        (DecisionRule(threshold: 1.5), "threshold"),
        (DecisionRule(threshold: -0.1), "threshold"),
        (DecisionRule(threshold: 0.5, minConsecutive: 0), "min_consecutive"),
        (DecisionRule(threshold: 0.5, maxDips: -1), "max_dips"),
        (DecisionRule(threshold: 0.5, maxDips: 11), "max_dips"),
        (DecisionRule(threshold: 0.5, mergeGap: -1), "merge_gap"),
        (DecisionRule(threshold: 0.5, cooldown: -2), "cooldown"),
        (DecisionRule(threshold: 0.5, hopSeconds: 0), "hop"),
        (DecisionRule(threshold: .nan), "threshold"),
    ])
    func invalidSettingsAreNamed(rule: DecisionRule, setting: String) {
        #expect(throws: DecisionRuleError.self) { try rule.validate() }
        do { try rule.validate() } catch let e as DecisionRuleError {
            #expect(e.setting == setting)
            #expect(e.description.contains("use a value in"))
        } catch { Issue.record("unexpected \(error)") }
    }
}
