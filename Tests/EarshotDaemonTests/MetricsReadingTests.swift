import Foundation
import Testing
@testable import EarshotDaemon

/// The metrics file read back, as `earshot status` reads it.
@Suite struct MetricsReadingTests {
    /// Every counter set to a value of its own: the file carries each one, and the reader finds each one back.
    static func everyCounter() -> EarshotCounters {
        var c = EarshotCounters()
        c.model = "site \"hall\"\\2.safetensors"; c.threshold = 0.9801
        c.eventsTotal = 11; c.mutedEventsTotal = 2; c.cooldownEventsTotal = 3; c.incidentsTotal = 4; c.incidentEvents = 5
        c.muted = true; c.mutedUntil = 1_800_000_000
        c.overrunsTotal = 6; c.deviceLossesTotal = 7; c.droppedSecondsTotal = 8.5; c.deviceUp = true; c.deviceDownSecondsTotal = 24.75
        c.deviceOutageLosses = 3; c.deviceOutageSince = 1_790_000_050.5
        c.hookRunsTotal = 12; c.hookFailuresTotal = 13; c.hookTimeoutsTotal = 14; c.hookDroppedTotal = 15; c.hookRetriesTotal = 16; c.hookGivenUpTotal = 17
        c.clipsWrittenTotal = 18; c.clipFailuresTotal = 19
        c.siteRecording = true; c.siteRecordingSecondsTotal = 7200.25; c.siteRecordingFailuresTotal = 20
        c.scoreLog = true; c.scoreLogFailuresTotal = 21
        c.alertRateExpected = 0.5; c.alertRateExcess = true
        c.livenessWarningsTotal = [.silence: 22, .clipping: 23]; c.livenessActive = [.stuck, .clipping]
        c.audioSecondsTotal = 3600.5; c.lastScore = 0.971234; c.lastEventScore = 0.998877; c.lastEventTimestamp = 1_790_000_000.5
        c.running = true; c.loopTimestamp = 1_790_000_100.25
        return c
    }

    @Test("every counter the file is rendered from is read back", arguments: [nil, "north-entrance"])
    func roundTrip(instance: String?) throws {
        let m = MetricsFile(settings: MetricsSettings(path: "/unused.prom"), instance: instance)
        let c = Self.everyCounter()
        m.update { $0 = c }
        let r = try MetricsReading(text: m.render())
        #expect(r.counters == c)
        #expect(r.value("earshot_uptime_seconds") != nil && r.value("earshot_start_time_seconds") != nil)
        #expect(r.label("earshot_events_total", "earshot_instance") == instance)
        // a daemon stopping writes running 0
        m.update { $0.running = false }
        #expect(try MetricsReading(text: m.render()).counters.running == false)
    }

    @Test func aFileFromBeforeTheRunningGaugeCountsAsRunning() throws {
        #expect(try MetricsReading(text: "# HELP earshot_device_up x\nearshot_device_up 1\n").counters.running)
    }

    /// What earshot status cannot judge from is named: an empty file, one cut before the last sample earshotd
    /// writes, a value that is no finite number below 10^12 (with its line); a whole file is fine.
    @Test func damageIsNamed() throws {
        let m = MetricsFile(settings: MetricsSettings(path: "/unused.prom"))
        m.update { $0 = Self.everyCounter() }
        let whole = m.render()
        #expect(try MetricsReading(text: whole).damage == nil)
        #expect(try MetricsReading(text: "").damage == "is empty")
        #expect(try MetricsReading(text: "# HELP a x\na 1\nb 2\n").damage == "is cut short: it ends at line 3 without earshot_uptime_seconds, the last sample earshotd writes")
        for (value, shown) in [("NaN", "NaN"), ("+Inf", "+Inf"), ("-Inf", "-Inf"), ("1e400", "+Inf"), ("1e12", "1000000000000.0")] {
            let r = try MetricsReading(text: "# HELP a x\na 1\nearshot_threshold \(value)\nearshot_uptime_seconds 5\n")
            #expect(r.damage == "line 3: earshot_threshold \(shown) is not a value earshotd writes (a finite number below 10^12)", "\(value): \(r.damage ?? "nil")")
        }
    }

    @Test func aLineThatIsNoSampleIsNamed() {
        for bad in ["earshot_events_total\n", "earshot_events_total{a=\"1\" 3\n", "earshot_device_up one\n", "{x=\"1\"} 2\n"] {
            #expect {
                _ = try MetricsReading(text: "# HELP ok x\nok 1\n" + bad)
            } throws: { ($0 as? MetricsReadingError)?.line == 3 }
        }
    }
}
