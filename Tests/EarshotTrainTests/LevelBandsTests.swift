import Foundation
import Testing
@testable import EarshotTrain

@Suite struct LevelBandsTests {
    @Test func peakLevelInDBFS() {
        #expect(abs(LevelBands.peakDBFS([0.1, -0.5, 0.2]) - 20 * log10(0.5)) < 1e-9)
        #expect(LevelBands.peakDBFS([0, 0]) == -.infinity)
    }

    @Test func bandEdgesBelongToTheQuieterSide() {
        // a band is (loudest − 10, loudest]: −10 dBFS exactly is in the band that starts at −10
        #expect(LevelBands.band(of: 0) == 0 && LevelBands.band(of: -9.99) == 0)
        #expect(LevelBands.band(of: -10) == 1 && LevelBands.band(of: -45) == 4)
        #expect(LevelBands.band(of: -50) == 5 && LevelBands.band(of: -120) == 5 && LevelBands.band(of: -.infinity) == 5)
        #expect(LevelBands.band(of: 3) == 0, "a float file louder than full scale counts as the loudest band")
    }

    @Test func tallyCountsClipsAndEventsPerBand() {
        let at = { (db: Double) -> [Float] in [0, Float(pow(10, db / 20)), 0] }
        // peaks −6, −6, −26, −57 dBFS and digital silence; events on the first, the third and the silence
        let bands = LevelBands.tally([at(-6), at(-6), at(-26), at(-57), [0, 0]], hits: [true, false, true, false, true])
        #expect(bands == [LevelBand(loudest: 0, clips: 2, withEvent: 1), LevelBand(loudest: -20, clips: 1, withEvent: 1),
                          LevelBand(loudest: -50, clips: 2, withEvent: 1)])
        #expect(bands[0].fraction == 0.5 && LevelBand(loudest: -10, clips: 0, withEvent: 0).fraction == 0)
        #expect(bands.map(LevelBands.label) == ["0 to −10 dBFS", "−20 to −30 dBFS", "below −50 dBFS"])
    }

    /// The report's level table names the model's own log floor and lists only bands that hold clips.
    @Test func reportTableCaptionNamesTheModelsFloor() {
        let t = EvalReport(model: "m", threshold: 0.5, clips: 11, metrics: BinaryMetrics(), accuracy: 0, precision: 0, recall: 0,
                           f1: 0, rocAUC: 0, falseAlarmsPerHour: 0, negativeHours: 0, recallAtSNR: [:], recallAtGain: [:],
                           falseAlarmRateAtGain: [:], recallBySource: [:], falseAlarmsBySource: [:],
                           recallByLevel: [LevelBand(loudest: 0, clips: 4, withEvent: 3)],
                           falseAlarmClipsByLevel: [LevelBand(loudest: 0, clips: 2, withEvent: 1), LevelBand(loudest: -30, clips: 5, withEvent: 0)],
                           recallAtEqualFA: [:], roc: [])
        let a = Report.levelTable(t, logEpsilon: 1e-6), b = Report.levelTable(t, logEpsilon: 1e-10)
        let c = Report.levelTable(t, logEpsilon: 2.5e-7)
        #expect(a.contains("ln(mel + 1e-6)") && b.contains("ln(mel + 1e-10)") && c.contains("ln(mel + 2.5e-07)"), "\(a)\n\(b)\n\(c)")
        #expect(a.contains("| 0 to −10 dBFS | 4 | 75.0 % | 2 | 50.0 % |"), "\(a)")
        #expect(a.contains("| −30 to −40 dBFS | 0 | – | 5 | 0.0 % |"), "\(a)")
        #expect(!a.contains("−10 to −20"), "empty bands are left out")
    }
}
