import EarshotDSP
import Foundation
import Testing
@testable import EarshotDaemon

@Suite("MetricsFile: Prometheus textfile")
struct MetricsFileTests {
    /// A strict reader of the text exposition format: HELP then TYPE before a family's samples, names and labels
    /// well-formed, values numeric; returns sample name{labels} → value.
    static func parse(_ text: String) throws -> [String: Double] {
        struct Bad: Error { var line: String }
        guard text.hasSuffix("\n") else { throw Bad(line: "no trailing newline") }
        let name = #/^[a-zA-Z_:][a-zA-Z0-9_:]*$/#
        // a label value is quoted, with \\, \" and \n escaped inside
        let sample = #/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (\S+)$/#
        var helped = Set<String>(), typed = [String: String](), out = [String: Double]()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let l = String(line)
            if l.hasPrefix("# HELP ") {
                let n = String(l.dropFirst(7).prefix { $0 != " " })
                guard n.wholeMatch(of: name) != nil, !helped.contains(n) else { throw Bad(line: l) }
                helped.insert(n)
            } else if l.hasPrefix("# TYPE ") {
                let parts = l.dropFirst(7).split(separator: " ")
                guard parts.count == 2, helped.contains(String(parts[0])), ["counter", "gauge"].contains(String(parts[1])) else { throw Bad(line: l) }
                typed[String(parts[0])] = String(parts[1])
            } else if let m = l.wholeMatch(of: sample) {
                let n = String(m.1)
                guard let type = typed[n], let v = Double(String(m.4)) ?? (m.4 == "NaN" ? .nan : nil) else { throw Bad(line: l) }
                if type == "counter" && !n.hasSuffix("_total") { throw Bad(line: "counter without _total: \(l)") }
                out[n + String(m.2 ?? "")] = v
            } else {
                throw Bad(line: l)
            }
        }
        return out
    }

    @Test("the file parses as Prometheus text and carries the counters")
    func format() throws {
        let dir = TestPaths.tempDir("metrics")
        let start = Date(timeIntervalSinceNow: -90)
        let m = MetricsFile(settings: MetricsSettings(path: dir.path + "/sub/earshot.prom"), start: start)
        m.update {
            $0.eventsTotal = 3; $0.overrunsTotal = 2; $0.deviceLossesTotal = 1; $0.hookFailuresTotal = 4
            $0.lastScore = 0.97; $0.livenessWarningsTotal[.clipping] = 2; $0.livenessActive = [.silence]; $0.deviceUp = true
            $0.siteRecording = true; $0.siteRecordingSecondsTotal = 7200.5; $0.siteRecordingFailuresTotal = 1
            $0.droppedSecondsTotal = 2.5; $0.deviceDownSecondsTotal = 61.5
            $0.scoreLog = true; $0.scoreLogFailuresTotal = 2
            $0.alertRateExpected = 0.5; $0.alertRateExcess = true
            $0.model = "site \"hall\".safetensors"; $0.threshold = 0.9801
        }
        try m.write()
        let v = try Self.parse(String(contentsOfFile: dir.path + "/sub/earshot.prom", encoding: .utf8))
        #expect(v["earshot_events_total"] == 3)
        // which program and model run here (the model's name escaped as a label value)
        #expect(v["earshot_build_info{version=\"\(EarshotVersion.string)\",model=\"site \\\"hall\\\".safetensors\"}"] == 1, "\(v.keys.filter { $0.hasPrefix("earshot_build") })")
        #expect(v["earshot_threshold"].map { abs($0 - 0.9801) < 1e-6 } == true)
        #expect(v["earshot_overruns_total"] == 2)
        #expect(v["earshot_device_losses_total"] == 1)
        #expect(v["earshot_dropped_seconds_total"] == 2.5 && v["earshot_device_down_seconds_total"] == 61.5)
        #expect(v["earshot_hook_failures_total"] == 4)
        #expect(v["earshot_score_log"] == 1 && v["earshot_score_log_failures_total"] == 2)
        #expect(v["earshot_alert_rate_expected_per_hour"] == 0.5 && v["earshot_alert_rate_excess"] == 1)
        #expect(v["earshot_last_score"].map { abs($0 - 0.97) < 1e-6 } == true)
        #expect(v["earshot_liveness_warnings_total{condition=\"clipping\"}"] == 2)
        #expect(v["earshot_liveness_active{condition=\"silence\"}"] == 1)
        #expect(v["earshot_liveness_active{condition=\"clipping\"}"] == 0)
        #expect(v["earshot_device_up"] == 1)
        #expect(v["earshot_site_recording"] == 1 && v["earshot_site_recording_seconds_total"] == 7200.5 && v["earshot_site_recording_failures_total"] == 1)
        #expect(v["earshot_uptime_seconds"].map { $0 >= 89 && $0 < 120 } == true)
        #expect(v["earshot_start_time_seconds"].map { abs($0 - start.timeIntervalSince1970) < 1 } == true)
    }

    @Test("an instance's samples all carry earshot_instance, so several daemons' files share one collector")
    func instanceLabel() throws {
        let m = MetricsFile(settings: MetricsSettings(path: "/unused.prom"), instance: "north-entrance")
        m.update { $0.eventsTotal = 5; $0.livenessWarningsTotal[.silence] = 1 }
        let text = m.render()
        let v = try Self.parse(text)
        #expect(v["earshot_events_total{earshot_instance=\"north-entrance\"}"] == 5)
        #expect(v["earshot_liveness_warnings_total{earshot_instance=\"north-entrance\",condition=\"silence\"}"] == 1)
        #expect(!v.isEmpty && v.keys.allSatisfy { $0.contains("{earshot_instance=\"north-entrance\"") }, "every sample is labelled")
        let single = try Self.parse(MetricsFile(settings: MetricsSettings(path: "/unused.prom")).render())
        #expect(single.keys.count == v.keys.count && !single.keys.contains { $0.contains("earshot_instance") })
    }

    @Test("the file is replaced atomically: a concurrent reader never sees a partial file, and no temp files stay")
    func atomic() throws {
        let dir = TestPaths.tempDir("metrics-atomic")
        let path = dir.path + "/earshot.prom"
        let m = MetricsFile(settings: MetricsSettings(path: path))
        try m.write()
        // An open descriptor on the old file still sees the complete old content after the next write (rename,
        // not rewrite in place), and the path now names a different inode.
        let old = try #require(FileHandle(forReadingAtPath: path))
        var st1 = stat(), st2 = stat()
        fstat(old.fileDescriptor, &st1)
        m.update { $0.eventsTotal = 7 }
        try m.write()
        stat(path, &st2)
        #expect(st1.st_ino != st2.st_ino, "replaced by rename, not rewritten in place")
        let oldText = String(decoding: old.readDataToEndOfFile(), as: UTF8.self)
        #expect(try Self.parse(oldText)["earshot_events_total"] == 0)
        try old.close()
        let stop = Collected<Bool>()
        let bad = Collected<String>()
        let reads = Collected<Int>()
        let reader = Thread {
            while stop.all.isEmpty {
                guard let s = try? String(contentsOfFile: path, encoding: .utf8) else { bad.add("missing"); continue }
                if (try? MetricsFileTests.parse(s)) == nil || !s.contains("earshot_uptime_seconds ") { bad.add(s) }
                reads.add(1)
            }
        }
        reader.start()
        for n in 0..<300 {
            m.update { $0.eventsTotal = n }
            try m.write()
        }
        stop.add(true)
        usleep(50_000)
        #expect(bad.all.isEmpty, "partial reads: \(bad.all.prefix(1))")
        #expect(reads.all.count > 10)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["earshot.prom"])
        #expect(try Self.parse(String(contentsOfFile: path, encoding: .utf8))["earshot_events_total"] == 299)
    }

    /// Two writers at once — the metrics service's interval and the detection loop's write as it stops (with
    /// --exit-at-end the loop stops while the service still runs) — once shared one temporary file: the second
    /// `open(O_TRUNC)` emptied the first's, whose rename then published a partial file, and the second's rename
    /// failed ("cannot write metrics file"). Writes are serialised: every one succeeds, every read is whole.
    @Test("two threads writing at once never fail and never publish a partial file")
    func concurrentWriters() throws {
        let dir = TestPaths.tempDir("metrics-writers")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/earshot.prom"
        let m = MetricsFile(settings: MetricsSettings(path: path))
        try m.write()
        let failures = Collected<String>(), bad = Collected<String>(), done = Collected<Bool>()
        let writers = (0..<2).map { w in
            Thread {
                for n in 0..<150 {
                    m.update { $0.eventsTotal = n }
                    do { try m.write() } catch { failures.add("writer \(w): \(error)") }
                }
                done.add(true)
            }
        }
        for t in writers { t.start() }
        while done.all.count < 2 {
            if let s = try? String(contentsOfFile: path, encoding: .utf8), (try? Self.parse(s)) == nil || !s.contains("earshot_uptime_seconds ") { bad.add(s) }
        }
        #expect(failures.all.isEmpty, "\(failures.all.count) writes failed, e.g. \(failures.all.prefix(1))")
        #expect(bad.all.isEmpty, "partial files published: \(bad.all.count)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["earshot.prom"], "no temporary file stays")
    }

    @Test("an unwritable location throws an error naming the path and the fix")
    func unwritable() throws {
        let dir = TestPaths.tempDir("metrics-bad")
        try Data().write(to: dir.appendingPathComponent("file"))
        let m = MetricsFile(settings: MetricsSettings(path: dir.path + "/file/earshot.prom"))
        #expect {
            try m.write()
        } throws: { e in
            "\(e)".contains(dir.path + "/file") && "\(e)".contains("metrics.path") && "\(e)".contains("Not a directory")
        }
        m.writeLogged() // must not throw or crash
    }

    @Test("settings validation names the key and the fix")
    func settings() {
        #expect(throws: SettingsError.self) { try MetricsSettings(path: "/var/lib/earshot/metrics.txt").validate() }
        do { try HookSettings(timeout: 0).validate(); Issue.record("timeout 0 accepted") } catch {
            #expect("\(error)".contains("hook.timeout") && "\(error)".contains("between"))
        }
        do { try ClipSettings(directory: "clips").validate(); Issue.record("relative dir accepted") } catch {
            #expect("\(error)".contains("clips.directory") && "\(error)".contains("absolute"))
        }
        do { try LivenessSettings(clipLevel: 1.5).validate(); Issue.record("clip_level 1.5 accepted") } catch {
            #expect("\(error)".contains("liveness.clip_level"))
        }
        #expect(throws: Never.self) {
            try HookSettings().validate(); try ClipSettings().validate(); try LivenessSettings().validate(); try MetricsSettings().validate()
        }
    }
}
