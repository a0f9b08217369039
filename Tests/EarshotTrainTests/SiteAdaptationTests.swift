import EarshotDetect
import EarshotDSP
import EarshotNN
import EarshotTestSupport
import Foundation
import Testing
@testable import EarshotTrain

/// `SiteAdaptation` on generated audio: a tiny model that takes a site's tone pips for shots is fine-tuned on
/// the first part of the site's recordings and scores the held-out rest lower; the file it returns carries
/// thresholds calibrated on the held-out audio; bad site input is named and skipped or refused.
@Suite struct SiteAdaptationTests {
    /// A site's recurring sound: 60 ms pips of a 1.2 kHz tone (a sharp onset, like a shot's, in one band)
    /// every `period` samples over faint noise.
    static func pips(every period: Int, n: Int, rng: inout SeededRNG) -> [Float] {
        var x = (0..<n).map { _ in Float(rng.uniform(-0.003, 0.003)) }
        var at = period / 2
        while at < n {
            for i in 0..<960 where at + i < n { x[at + i] += Float(0.6 * sin(2 * Double.pi * 1200 * Double(i) / 16000) * exp(-Double(i) / 400)) }
            at += period
        }
        return x
    }

    /// A tiny model trained on the generated corpus's train split (bursts vs tones and babble).
    static func base(_ corpus: URL) throws -> Model {
        let c = try Corpus(root: corpus)
        let split = GroupSplit(clips: c.clips, seed: 1)
        let clips = c.load(c.clips.filter { split.side(of: $0) == .train }) { _, _ in }
        let trainer = try ModelTrainer(data: TrainingData(clips: clips), threads: 1)
        trainer.log = { _ in }
        let net = try Network(specs: TinyTrainingTests.tinySpecs, inputShape: Shape3(1, 64, 96))
        net.initialize(seed: 3)
        var s = TrainSettings()
        s.epochs = 8; s.windowsPerEpoch = 256; s.batch = 16; s.learningRate = 5e-3
        _ = trainer.train(net, settings: s, validation: .empty, name: "base")
        return Model(network: net, features: FeatureConfig(), threshold: 0.5, provenance: ["train.commit": "test"])
    }

    /// Highest window score over a stream, without the model's score temperature (the adapted model's is
    /// fitted anew, which would rescale its scores).
    static func maxScore(_ x: [Float], _ m: Model) throws -> Float {
        let t = m.scoreTemperature
        m.scoreTemperature = 1
        defer { m.scoreTemperature = t }
        return StreamScores.collect([x], detector: try Detector(model: m, rule: DecisionRule(threshold: 0.5))).maxScores()[0]
    }

    /// The adaptation trains with the base model's own recipe (named by its `train.protocol`); a model of no
    /// recipe (an adapted one) gets the shipped model's.
    @Test func adaptationUsesTheBaseModelsOwnRecipe() throws {
        let net = try Network(specs: TinyTrainingTests.tinySpecs, inputShape: Shape3(1, 64, 96))
        let lineup = Recipe.lineup(seed: 1)
        for r in [lineup[2], lineup[5]] {
            let m = Model(network: net, features: FeatureConfig(), threshold: 0.5, provenance: ["train.protocol": r.title])
            #expect(SiteAdaptation.recipe(of: m, seed: 1).name == r.name)
        }
        let adapted = Model(network: net, features: FeatureConfig(), threshold: 0.5, provenance: ["train.protocol": "site adaptation of x"])
        #expect(SiteAdaptation.recipe(of: adapted, seed: 1).name == Recipe.shipped)
        let shipped = try Model.load(TestPaths.repo.appendingPathComponent("models/earshot-default.safetensors"))
        #expect(SiteAdaptation.recipe(of: shipped, seed: 1).name == Recipe.shipped,
                "the shipped model's train.protocol names the recipe Recipe.shipped says")
    }

    @Test func adaptationLowersTheSitesScoresAndCalibratesOnItsHeldOutAudio() throws {
        let dir = TestPaths.tempDir("adapt"); defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRNG(seed: 41)
        let corpus = dir.appendingPathComponent("corpus")
        try TinyTrainingTests.writeCorpus(corpus, rng: &rng)
        let base = try Self.base(corpus)
        // the site: 40 s and 24 s of pips every 0.7 s; a fresh 8 s of the same sound to check on
        let siteDir = dir.appendingPathComponent("site")
        try FileManager.default.createDirectory(at: siteDir, withIntermediateDirectories: true)
        try AudioFileWriter.writeWAV16(Self.pips(every: 11200, n: 640_000, rng: &rng), sampleRate: 16000, to: siteDir.appendingPathComponent("day1.wav"))
        try AudioFileWriter.writeWAV16(Self.pips(every: 11200, n: 384_000, rng: &rng), sampleRate: 16000, to: siteDir.appendingPathComponent("day2.wav"))
        let fresh = Self.pips(every: 11200, n: 128_000, rng: &rng)
        let shot = TinyTrainingTests.burst(at: 16000, in: 48000, rng: &rng)
        let before = (site: try Self.maxScore(fresh, base), shot: try Self.maxScore(shot, base))
        #expect(before.site > 0.5, "the base must take the pips for shots, or this test shows nothing (max \(before.site))")

        var o = SiteAdaptation.Options(corpus: corpus, site: [siteDir])
        o.epochs = 6; o.windowsPerEpoch = 256; o.threads = 1; o.learningRate = 5e-3; o.siteShare = 0.5; o.targets = [1, 10]; o.defaultTarget = 10
        var a = SiteAdaptation(o); a.log = { _ in }
        let (adapted, r) = try a.run(base: base)
        let after = (site: try Self.maxScore(fresh, adapted), shot: try Self.maxScore(shot, adapted))
        #expect(after.site < before.site - 0.2, "the site's pips: \(before.site) → \(after.site); a shot \(before.shot) → \(after.shot)")
        // and not by lowering everything: a shot now scores above the pips (it scored below them before)
        #expect(after.shot > after.site && after.shot - after.site > before.shot - before.site + 0.05, "shot vs the site's sound: \(before) → \(after)")

        // 64 s of site audio: the last quarter of each recording held out, the rest in 10 s clips (the last ≥ 1 s)
        #expect(r.siteFiles.count == 2 && r.skipped.isEmpty)
        #expect(abs(r.heldOutHours * 3600 - 16) < 0.01 && abs(r.adaptHours * 3600 - 48) < 0.01, "\(r.heldOutHours * 3600) s held out, \(r.adaptHours * 3600) s adapted")
        #expect(r.siteChunks == 3 + 2, "30 s → 3 clips, 18 s → 2 clips (10 + 8 s): \(r.siteChunks)")
        #expect(r.rows.map(\.falseAlarmsPerHour) == [1, 10] && r.rows.allSatisfy { !$0.resolved }, "16 s cannot resolve 1 or 10 per hour")
        // each threshold is the lowest with no event on the held-out audio (the rates cannot be resolved)
        for row in r.rows { #expect(row.baseSiteEvents == 0 && row.adaptedSiteEvents == 0) }
        // no event in 16 s allows up to −ln(0.025) / (16 / 3600) = 830 per hour; the shots found by one model
        // only are the difference of the two recalls, clip for clip
        for row in r.rows {
            #expect(abs(row.baseSiteFalseAlarmsUpper95 - -log(0.025) / r.heldOutHours) < 1e-6 * row.baseSiteFalseAlarmsUpper95 && row.adaptedSiteFalseAlarmsUpper95 == row.baseSiteFalseAlarmsUpper95, "\(row)")
            let found = (base: (row.baseRecall * Double(r.testGunshots)).rounded(), adapted: (row.adaptedRecall * Double(r.testGunshots)).rounded())
            #expect(Double(row.shots.onlySecond - row.shots.onlyFirst) == found.adapted - found.base, "\(row.shots) vs \(found) of \(r.testGunshots)")
            #expect(row.shots.onlyFirst <= Int(found.base) && row.shots.onlySecond <= Int(found.adapted))
        }
        let table = r.table(out: "adapted.safetensors")
        // the base's events on the held-out audio are listed, each in the held-out last quarter of its recording
        // (30 s and 18 s long), so the operator can listen for a gunshot that does not belong there (operator QA 6)
        #expect(r.baseOwnEvents > 0 && r.baseOwnEventList.count == r.baseOwnEvents, "\(r.baseOwnEvents) events: \(r.baseOwnEventList)")
        for e in r.baseOwnEventList {
            let length = e.file.hasSuffix("day2.wav") ? 24.0 : 40.0
            #expect(r.siteFiles.contains(e.file) && e.seconds >= 0.75 * length - 0.01 && e.seconds < length, "\(e)")
            #expect(table.contains(String(format: "  %@ at %.1f s, score %.3f", e.file, e.seconds, Double(e.score))), "\(table)")
        }
        #expect(r.baseOwnEventList.map(\.score) == r.baseOwnEventList.map(\.score).sorted(by: >), "loudest first")
        #expect(table.contains("only the adapted model found") && table.contains(String(format: "(≤ %.1f / %.1f)", r.rows[0].baseSiteFalseAlarmsUpper95, r.rows[0].adaptedSiteFalseAlarmsUpper95)), "\(table)")
        // 16 s held out cannot show 10 per hour: not recommended, in the JSON as in the text (the re-check's N4)
        #expect(!r.recommended && !table.contains("To use it"), "\(table)")
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(r)) as? [String: Any]
        #expect(json?["recommended"] as? Bool == false, "\(String(describing: json?["recommended"]))")
        #expect(adapted.thresholds == ["1": r.rows[0].adaptedThreshold, "10": r.rows[1].adaptedThreshold])
        #expect(adapted.threshold == r.rows[1].adaptedThreshold, "the default target (10 per hour) is the model's own threshold")
        #expect(adapted.provenance["train.thresholds"]?.contains("held-out site audio") == true)
        #expect(adapted.provenance["adapt.base"]?.contains("test") == true)
        // the base is untouched, and the adapted file round-trips
        #expect(try Self.maxScore(fresh, base) == before.site)
        let url = dir.appendingPathComponent("adapted.safetensors")
        try SiteAdaptation.write(adapted, to: url, learningRate: o.learningRate)
        let back = try Model.load(url)
        #expect(back.thresholds == adapted.thresholds && back.network.snapshot() == adapted.network.snapshot())
        // the verdict goes with the file, so that earshot and earshotd warn wherever it is used (operator QA 6)
        #expect(back.provenance[Model.adaptVerdictKey] == "not recommended: its threshold comes from 16 s of held-out site audio, too short to show that it keeps to 10 false alarm(s)/hour", "\(back.provenance)")
        #expect(back.notRecommendedNote?.contains("is a site adaptation `earshot-train adapt` did not recommend — not recommended: its threshold comes from 16 s") == true, "\(back.notRecommendedNote ?? "no note")")
        // it keeps its own scores of the test shots: at each row's threshold they find what the row says it found
        let shots = try #require(try ShotScores(model: back))
        #expect(shots.clips.count == r.testGunshots)
        for row in r.rows {
            let rule = DecisionRule(threshold: row.adaptedThreshold)
            #expect(abs(Double(shots.found(rule: rule)) / Double(r.testGunshots) - row.adaptedRecall) < 1e-9, "\(row)")
            // and the 3-shot incidents the row gives, from the sources the file keeps with them
            #expect(row.adaptedIncidents != nil && shots.incidentShare(rule: rule) == row.adaptedIncidents, "\(row)")
        }
    }

    /// A site whose recordings never caught the sound that keeps paging (faint noise only), and eight evidence
    /// clips of that sound (2 s, one pip in each): with the clips given as false alarms the adaptation (trained
    /// on the first six, the last two held out) lowers the model's scores of a fresh stream of the sound, far
    /// more than the same adaptation without them, and the report says on which clips each model alarms at
    /// equal false-alarm rates.
    @Test func falseAlarmClipsTeachTheSoundThatKeepsPaging() throws {
        let dir = TestPaths.tempDir("adapt-fa"); defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRNG(seed: 53)
        let corpus = dir.appendingPathComponent("corpus")
        try TinyTrainingTests.writeCorpus(corpus, rng: &rng)
        let base = try Self.base(corpus)
        let siteDir = dir.appendingPathComponent("site"), clipDir = dir.appendingPathComponent("no-shots")
        for d in [siteDir, clipDir] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        for day in 0..<2 {
            try AudioFileWriter.writeWAV16((0..<384_000).map { _ in Float(rng.uniform(-0.003, 0.003)) }, sampleRate: 16000, to: siteDir.appendingPathComponent("day\(day).wav"))
        }
        for i in 0..<8 {   // one pip in the middle of each clip
            try AudioFileWriter.writeWAV16(Self.pips(every: 32_000, n: 32_000, rng: &rng), sampleRate: 16000, to: clipDir.appendingPathComponent("clip\(i).wav"))
        }
        try Data("no audio".utf8).write(to: clipDir.appendingPathComponent("notes.wav"))
        let fresh = Self.pips(every: 11200, n: 128_000, rng: &rng)
        let before = try Self.maxScore(fresh, base)
        #expect(before > 0.5, "the base must take the pips for shots, or this test shows nothing (max \(before))")

        var o = SiteAdaptation.Options(corpus: corpus, site: [siteDir])
        o.epochs = 6; o.windowsPerEpoch = 256; o.threads = 1; o.learningRate = 5e-3; o.targets = [1, 10]; o.defaultTarget = 10
        var plain = SiteAdaptation(o); plain.log = { _ in }
        let (without, r0) = try plain.run(base: base)
        o.falseAlarms = [clipDir]; o.falseAlarmShare = 0.5
        var messages: [String] = []
        var a = SiteAdaptation(o); a.log = { messages.append($0) }
        let (adapted, r) = try a.run(base: base)
        let after = (without: try Self.maxScore(fresh, without), with: try Self.maxScore(fresh, adapted))
        #expect(after.with < before - 0.2 && after.with < after.without - 0.1, "a fresh stream of the sound: base \(before), adapted without the clips \(after.without), with them \(after.with)")
        #expect(r0.falseAlarmClips.isEmpty && r.falseAlarmClips.map { ($0.file as NSString).lastPathComponent } == (0..<8).map { "clip\($0).wav" })
        #expect(r.falseAlarmClips.map(\.trainedOn) == [true, true, true, true, true, true, false, false], "the last quarter held out")
        #expect(r.skipped.contains { $0.hasPrefix(clipDir.appendingPathComponent("notes.wav").path) }, "\(r.skipped)")
        #expect(messages.contains { $0.hasPrefix("false alarms: 6 evidence clip(s) to train on (") && $0.hasSuffix(" of the draws), 2 held out") }, "\(messages)")
        // each clip through both models at their thresholds for the default rate of the held-out site audio
        let main = try #require(r.rows.first { $0.falseAlarmsPerHour == 10 })
        for c in r.falseAlarmClips {
            let x = try AudioFile.read(URL(fileURLWithPath: c.file)).samples
            for (m, t, alarms) in [(base, main.baseThreshold, c.baseAlarms), (adapted, main.adaptedThreshold, c.adaptedAlarms)] {
                let scored = StreamScores.collect([x], detector: try Detector(model: m, rule: DecisionRule(threshold: 0.5)))
                #expect(scored.maxScores()[0] == (m === base ? c.baseMaxScore : c.adaptedMaxScore))
                #expect((scored.events(rule: DecisionRule(threshold: t))[0] > 0) == alarms, "\(c)")
            }
        }
        let allAlarm = r.falseAlarmClips.allSatisfy { $0.baseAlarms }
        #expect(allAlarm, "the base alarms on every clip at its site threshold: \(r.falseAlarmClips)")
        // the held-out clips (never trained on) score lower too (at the base's score temperature), and not because
        // of the site
        for c in r.falseAlarmClips.suffix(2) {
            let x = try AudioFile.read(URL(fileURLWithPath: c.file)).samples
            let (b, w, a) = (try Self.maxScore(x, base), try Self.maxScore(x, without), try Self.maxScore(x, adapted))
            #expect(a < min(b, w) - 0.1, "\(c.file): base \(b), adapted without the clips \(w), with them \(a)")
        }
        let table = r.table(out: "site.safetensors")
        let held = r.falseAlarmClips.suffix(2).filter(\.adaptedAlarms).count, trained = r.falseAlarmClips.prefix(6).filter(\.adaptedAlarms).count
        #expect(table.contains("False alarms given (8 evidence clip(s)), alarmed on at 10 false alarm(s)/hour here by the base / the adapted model:\n- trained on: 6 / \(trained) of 6")
                && table.contains("- held out, the latest 2 (never trained on: the next such sound): 2 / \(held) of 2") && table.contains("| clip7.wav | held out | "), "\(table)")
        #expect(adapted.provenance["train.data"]?.hasSuffix(" + 6 false-alarm clip(s)") == true && adapted.provenance["train.protocol"]?.contains("50 % from 6 false-alarm clip(s)") == true)
        // refusals: a missing clip, a share that leaves no room for the corpus, clips of which none is usable
        #expect { try FalseAlarmClips.load([dir.appendingPathComponent("gone.wav")], sampleRate: 16000, log: { _ in }) } throws: { "\($0)".contains("--false-alarm") && "\($0)".contains("gone.wav") }
        #expect { try FalseAlarmClips.load([clipDir.appendingPathComponent("notes.wav")], sampleRate: 16000, log: { _ in }) } throws: { "\($0)".contains("no usable false-alarm clip") }
        o.falseAlarmShare = 0.8
        #expect { try o.validate() } throws: { "\($0)".contains("false-alarm share 0.8") }
        // a long file is a recording, not an evidence clip
        let long = dir.appendingPathComponent("hour.wav")
        try AudioFileWriter.writeWAV16([Float](repeating: 0.001, count: 16000 * 61), sampleRate: 16000, to: long)
        #expect { try FalseAlarmClips.load([long], sampleRate: 16000, log: { _ in }) } throws: { "\($0)".contains("61 s is no evidence clip") }
    }

    @Test func badSiteInputIsNamedAndSkippedOrRefused() throws {
        let dir = TestPaths.tempDir("adapt-bad"); defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRNG(seed: 43)
        let missing = dir.appendingPathComponent("nowhere.wav")
        #expect { try SiteRecordings.expand([missing]) } throws: { "\($0)".contains(missing.path) && "\($0)".contains("no such file") }

        let good = dir.appendingPathComponent("good.wav"), short = dir.appendingPathComponent("short.wav"), junk = dir.appendingPathComponent("junk.wav")
        try AudioFileWriter.writeWAV16(Self.pips(every: 8000, n: 96_000, rng: &rng), sampleRate: 16000, to: good)
        try AudioFileWriter.writeWAV16([Float](repeating: 0.01, count: 16000), sampleRate: 16000, to: short)
        try Data("not audio at all".utf8).write(to: junk)
        // a recording cut short (its header promises more than the file holds): found before training on it
        let cut = dir.appendingPathComponent("cut.wav")
        try AudioFileWriter.writeWAV16(Self.pips(every: 8000, n: 96_000, rng: &rng), sampleRate: 16000, to: cut)
        let bytes = try Data(contentsOf: cut)
        try bytes.prefix(bytes.count - 40_000).write(to: cut)
        var messages: [String] = []
        let site = try SiteRecordings.load([good, short, junk, cut], sampleRate: 16000, holdOut: 0.25, chunk: 10, log: { messages.append($0) })
        #expect(site.files == [good.path])
        #expect(site.skipped.count == 3 && messages.count == 3)
        #expect(site.skipped.contains { $0.hasPrefix(cut.path) }, "\(site.skipped)")
        #expect(site.skipped.contains { $0.contains(short.path) && $0.contains("too short") }, "\(site.skipped)")
        #expect(site.skipped.contains { $0.hasPrefix(junk.path) }, "\(site.skipped)")
        #expect(site.skipped.allSatisfy { $0.components(separatedBy: dir.path).count == 2 }, "each names its file once: \(site.skipped)")
        #expect(site.heldOut.count == 1 && site.heldOut[0].from == 72_000 && site.heldOut[0].samples == 24_000 && site.chunks.map(\.samples.count) == [72_000])
        #expect { try SiteRecordings.load([short, junk], sampleRate: 16000, holdOut: 0.25, chunk: 10, log: { _ in }) } throws: {
            "\($0)".contains("no usable site audio") && "\($0)".contains(short.path)
        }
        // a recording below the model's rate is used, with a warning naming it and the missing band
        let phone = dir.appendingPathComponent("phone.wav")
        try AudioFileWriter.writeWAV16(Self.pips(every: 4000, n: 48_000, rng: &rng), sampleRate: 8_000, to: phone)
        var notes: [String] = []
        let low = try SiteRecordings.load([phone], sampleRate: 16000, holdOut: 0.25, chunk: 10, log: { notes.append($0) })
        #expect(low.files == [phone.path] && notes.count == 1 && notes[0].hasPrefix("warning: \(phone.path): recorded at 8000 Hz, below the model's 16000 Hz")
                && notes[0].contains("no sound above 4000 Hz"), "\(notes)")
        var o = SiteAdaptation.Options(corpus: dir, site: [good])
        o.siteShare = 1
        #expect { try o.validate() } throws: { "\($0)".contains("site share") }
        o.siteShare = 0.25; o.holdOut = 0
        #expect { try o.validate() } throws: { "\($0)".contains("hold-out") }
        o.holdOut = 0.25; o.maxSiteHours = 0
        #expect { try o.validate() } throws: { "\($0)".contains("max site hours") }
        // a model whose outputs are not (other, gunshot) would be trained on the wrong outputs: refused
        o.maxSiteHours = 1
        let net = try Network(specs: TinyTrainingTests.tinySpecs, inputShape: Shape3(1, 64, 96))
        let reversed = Model(network: net, features: FeatureConfig(), classes: ["gunshot", "other"], threshold: 0.5)
        #expect { try SiteAdaptation(o).run(base: reversed) } throws: {
            "\($0)".contains("[\"gunshot\", \"other\"]") && "\($0)".contains("two-class models")
        }
    }

    /// `--out` (trainer QA D2): never the model being adapted, by whatever path names it (device and inode), even
    /// with --force; an existing other file only with --force; a new file is fine.
    @Test func outIsNeverTheBaseAndReplacesAFileOnlyWithForce() throws {
        let dir = TestPaths.tempDir("adapt-out"); defer { try? FileManager.default.removeItem(at: dir) }
        let base = dir.appendingPathComponent("base.safetensors"), notes = dir.appendingPathComponent("notes.txt")
        try Data("model".utf8).write(to: base)
        try Data("important notes".utf8).write(to: notes)
        let link = dir.appendingPathComponent("link.safetensors"), hard = dir.appendingPathComponent("hard.safetensors")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: base)
        try FileManager.default.linkItem(at: base, to: hard)
        let viaDots = URL(fileURLWithPath: dir.path + "/./sub/../base.safetensors")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for out in [base, link, hard, viaDots] {
            for force in [false, true] {
                #expect { try SiteAdaptation.checkOut(out, base: base, force: force) } throws: {
                    "\($0)".contains("--out \(out.path) is the model being adapted") && "\($0)".contains("base-site.safetensors")
                }
            }
        }
        #expect { try SiteAdaptation.checkOut(notes, base: base, force: false) } throws: {
            "\($0)".contains("--out \(notes.path): the file exists; give --force to replace it")
        }
        try SiteAdaptation.checkOut(notes, base: base, force: true)
        try SiteAdaptation.checkOut(dir.appendingPathComponent("new.safetensors"), base: base, force: false)
        #expect(try Data(contentsOf: notes) == Data("important notes".utf8) && (try Data(contentsOf: base)) == Data("model".utf8))
    }

    /// A learning rate that diverges (trainer QA D3): refused above 0.1 before any work; a training that
    /// diverges anyway (a runaway loss, NaN weights, a temperature the loader refuses) is named; and the file
    /// written is one that loads — else nothing is written.
    @Test func divergedAdaptationsAreRefusedAndWhatIsWrittenLoads() throws {
        let dir = TestPaths.tempDir("adapt-lr"); defer { try? FileManager.default.removeItem(at: dir) }
        var o = SiteAdaptation.Options(corpus: dir, site: [dir])
        for lr: Float in [0.3, 3, 1e30, .infinity, .nan, 0, -1] {
            o.learningRate = lr
            #expect { try o.validate() } throws: { "\($0)".contains("learning rate \(lr) is out of range") && "\($0)".contains("at most 0.1") }
        }
        o.learningRate = 0.1
        try o.validate()

        let net = try Network(specs: TinyTrainingTests.tinySpecs, inputShape: Shape3(1, 64, 96))
        net.initialize(seed: 3)
        #expect(SiteAdaptation.divergence(loss: 0.3, network: net, temperature: 2) == nil)
        #expect(SiteAdaptation.divergence(loss: 20.4, network: net, temperature: nil)?.contains("final training loss is 20.40") == true)
        #expect(SiteAdaptation.divergence(loss: .nan, network: net, temperature: nil) != nil)
        #expect(SiteAdaptation.divergence(loss: nil, network: net, temperature: 33081.5)?.contains("temperature of 33081.5") == true)
        let good = Model(network: net, features: FeatureConfig(), threshold: 0.5)
        let url = dir.appendingPathComponent("site.safetensors")
        // a temperature the loader refuses: nothing written, no temporary file left
        good.scoreTemperature = 33081.5
        #expect { try SiteAdaptation.write(good, to: url, learningRate: 0.3) } throws: {
            "\($0)".contains("would not load") && "\($0)".contains("score_temperature") && "\($0)".contains("diverged at learning rate 0.3")
                && "\($0)".contains("smaller --learning-rate") && "\($0)".contains(url.path)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(left.isEmpty, "no file written, no temporary file left: \(left)")
        good.scoreTemperature = 2
        try SiteAdaptation.write(good, to: url, learningRate: 3e-4)
        #expect(try Model.load(url).scoreTemperature == 2)
        net.parameters[0].value[0] = .nan
        #expect(SiteAdaptation.divergence(loss: 0.3, network: net, temperature: 2)?.contains("NaN") == true)
    }

    /// A corpus whose split leaves a side without gunshots or without negatives (trainer QA D8): adapt cannot
    /// compare (0 test shots) or trains on the site alone — refused naming the side, before any site audio is read.
    @Test func aSplitWithoutTestShotsOrNegativesIsRefused() throws {
        let dir = TestPaths.tempDir("adapt-split"); defer { try? FileManager.default.removeItem(at: dir) }
        let net = try Network(specs: TinyTrainingTests.tinySpecs, inputShape: Shape3(1, 64, 96))
        let base = Model(network: net, features: FeatureConfig(), threshold: 0.5)
        let head = "file\tclass\tsource\tgroup\tseconds\tlicence"
        let guns = (0..<6).map { "gunshot/g\($0)__a.wav\tgunshot\ts\tonegroup\t1\tCC0" }
        let negs = (0..<12).map { "negative/n\($0)__a.wav\tnegative\tt\tn\($0)\t1\tCC0" }
        let site = dir.appendingPathComponent("not-read.wav")
        for (rows, expected) in [(guns + negs, "has 0 gunshot and"), (guns.enumerated().map { $1.replacingOccurrences(of: "onegroup", with: "g\($0)") }, " gunshot and 0 negative/crowd clips")] {
            try ([head] + rows).joined(separator: "\n").write(to: dir.appendingPathComponent("manifest.tsv"), atomically: true, encoding: .utf8)
            var a = SiteAdaptation(SiteAdaptation.Options(corpus: dir, site: [site])); a.log = { _ in }
            #expect { try a.run(base: base) } throws: {
                "\($0)".contains(expected) && "\($0)".contains("adapt cannot compare the models") && !"\($0)".contains("not-read.wav")
            }
        }
    }

    /// Held-out site audio too short to show the default rate (trainer QA D14): its time said in seconds or minutes
    /// (not "0.00 h"), and the adapted model, though it finds as many test shots, is not recommended as it is — the
    /// report says how much to record; with enough audio it is.
    @Test func tooLittleHeldOutAudioIsSaidAndNotRecommended() throws {
        func result(heldOut hours: Double) -> SiteAdaptation.Result {
            let upper = ConfidenceInterval.poissonRate(events: 0, exposure: hours).upper
            let row = SiteAdaptation.Row(falseAlarmsPerHour: 1, baseThreshold: 0.98, adaptedThreshold: 0.41, baseSiteEvents: 0, adaptedSiteEvents: 0,
                                         baseSiteFalseAlarmsUpper95: upper, adaptedSiteFalseAlarmsUpper95: upper, baseRecall: 0.5, adaptedRecall: 0.5,
                                         baseIncidents: nil, adaptedIncidents: nil, shots: PairedComparison(onlyFirst: 0, onlySecond: 0),
                                         baseCorpusFalseAlarms: 0, adaptedCorpusFalseAlarms: 0, resolved: hours >= 1)
            return SiteAdaptation.Result(base: "base.safetensors", siteFiles: ["good60.wav"], skipped: [], adaptHours: 3 * hours, recordedAdaptHours: 3 * hours,
                                         heldOutHours: hours, siteChunks: 5, siteSources: 1, testGunshots: 10, testNegativeHours: 0.5, baseOwnThreshold: 0.98,
                                         baseOwnEvents: 0, rows: [row], defaultTarget: 1, adaptedIsBetter: true)
        }
        let short = result(heldOut: 15.0 / 3600).table(out: "site.safetensors")
        #expect(short.hasPrefix("site: 1 recording(s), 45 s adapted on, 15 s held out") && short.contains("(*) 15 s of held-out audio cannot measure"), "\(short)")
        #expect(!short.contains("To use it") && short.contains("Do not use it yet: its threshold comes from held-out site audio too short")
                && short.contains("record about 15 h (at this hold-out share of 25 %), then adapt again"), "\(short)")
        let long = result(heldOut: 10).table(out: "site.safetensors")
        #expect(long.hasPrefix("site: 1 recording(s), 30.00 h adapted on, 10.00 h held out") && long.contains("To use it, `model: site.safetensors`") && !long.contains("Do not use it"), "\(long)")
        #expect(SiteAdaptation.Result.duration(4.5 / 60) == "4.5 min" && SiteAdaptation.Result.duration(0.25) == "0.25 h")
        // skipped files are not all site recordings (the re-check of D18: three --false-alarm clips read as such)
        var skipping = result(heldOut: 10)
        skipping.skipped = ["fa1.wav: digital silence", "fa2.wav: no such file", "corpus clip x"]
        let said = skipping.table(out: "site.safetensors")
        #expect(said.hasPrefix("site: 1 recording(s), 30.00 h adapted on, 10.00 h held out; 3 file(s) skipped — recordings, false-alarm clips or corpus clips (see above)"), "\(said)")
    }

    /// A site recording, or a false-alarm clip, of pure digital silence (trainer QA D15): used, with a warning
    /// naming it (a dead microphone teaches the model nothing of the site).
    @Test func digitalSilenceOnSiteIsWarnedAbout() throws {
        let dir = TestPaths.tempDir("adapt-silence"); defer { try? FileManager.default.removeItem(at: dir) }
        let dead = dir.appendingPathComponent("dead.wav"), clip = dir.appendingPathComponent("clip.wav")
        // ±1 LSB of dither over nothing (what `sox -n` writes): digital silence all the same
        try AudioFileWriter.writeWAV16((0..<96_000).map { Float($0 % 3 - 1) / 32768 }, sampleRate: 16000, to: dead)
        try AudioFileWriter.writeWAV16([Float](repeating: 0, count: 32_000), sampleRate: 16000, to: clip)
        var notes: [String] = []
        let site = try SiteRecordings.load([dead], sampleRate: 16000, holdOut: 0.25, chunk: 10, log: { notes.append($0) })
        #expect(site.files == [dead.path] && notes.count == 1 && notes[0].hasPrefix("warning: \(dead.path): digital silence"), "\(notes)")
        notes = []
        let fa = try FalseAlarmClips.load([clip], sampleRate: 16000, log: { notes.append($0) })
        #expect(fa.clips.count == 1 && notes.count == 1 && notes[0].hasPrefix("warning: \(clip.path): digital silence"), "\(notes)")
    }

    /// Recordings longer than the budget give clips spread evenly over all of them (not the first hour of
    /// the first day), each exactly the decoded samples at its place; the held-out parts are only named.
    @Test func longRecordingsAreThinnedEvenlyToTheBudget() throws {
        let dir = TestPaths.tempDir("adapt-budget"); defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRNG(seed: 47)
        let urls = (0..<3).map { dir.appendingPathComponent("day\($0).flac") }
        var decoded: [[Float]] = []
        for u in urls {
            try AudioFileWriter.write((0..<960_000).map { _ in Float(rng.uniform(-0.2, 0.2)) }, channels: 1, sampleRate: 16000, format: .flac, to: u)
            decoded.append(try AudioFile.read(u).samples)
        }
        // 60 s each: 45 s to adapt on = 4 clips of 10 s + one of 5 s; 15 clips, 135 s in all; a 30 s budget keeps 3
        let site = try SiteRecordings.load(urls, sampleRate: 16000, holdOut: 0.25, chunk: 10, maxSeconds: 30, log: { _ in })
        #expect(site.adaptSeconds == 135 && site.keptSeconds == 30 && site.heldOutSeconds == 45)
        #expect(site.chunks.map(\.file) == urls.map(\.path), "one clip from each recording: \(site.chunks.map(\.file))")
        // (Bool first: a failing #expect on two long arrays would diff them element by element, for minutes)
        for (c, x) in zip(site.chunks, decoded) { let same = c.samples == Array(x[320_000..<480_000]); #expect(same, "the middle clip (20–30 s) of \(c.file)") }
        #expect(site.heldOut.map(\.from) == [720_000, 720_000, 720_000] && site.heldOut.allSatisfy { $0.samples == 240_000 })
        let all = try SiteRecordings.load(urls, sampleRate: 16000, holdOut: 0.25, chunk: 10, log: { _ in })
        #expect(all.chunks.count == 15 && all.keptSeconds == 135)
        let last = all.chunks[4].samples == Array(decoded[0][640_000..<720_000])
        #expect(last, "the last, shorter clip ends at the held-out part")

        #expect(SiteRecordings.spread([10, 10, 10, 10], budget: 40) == [0, 1, 2, 3])
        #expect(SiteRecordings.spread([10, 10, 10, 10], budget: 20) == [1, 3])
        #expect(SiteRecordings.spread([10, 10, 10, 10, 10, 10, 10, 10, 10], budget: 30) == [1, 4, 7])
        #expect(SiteRecordings.spread([10, 10], budget: 1) == [1], "at least one clip")
    }
}
