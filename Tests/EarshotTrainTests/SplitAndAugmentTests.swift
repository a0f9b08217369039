import Foundation
import EarshotDSP
import Testing
@testable import EarshotTrain

@Suite struct SplitAndAugmentTests {
    static func clips() -> [ClipInfo] {
        var c: [ClipInfo] = []
        for s in 0..<4 { for g in 0..<6 { for k in 0..<3 { c.append(ClipInfo(file: "gunshot/s\(s)g\(g)__\(k).flac", label: "gunshot", source: "src\(s)", group: "s\(s)g\(g)", seconds: 2, licence: "x")) } } }
        for g in 0..<10 { c.append(ClipInfo(file: "negative/n\(g)__a.flac", label: "negative", source: "neg", group: "n\(g)", seconds: 3, licence: "x")) }
        c.append(contentsOf: (0..<50).map { ClipInfo(file: "gunshot/big__\($0).flac", label: "gunshot", source: "bigforest", group: "big", seconds: 4, licence: "x") })
        c.append(ClipInfo(file: "gunshot/lone__1.flac", label: "gunshot", source: "lone", group: "lone", seconds: 1, licence: "x"))
        return c
    }

    @Test func splitKeepsEveryGroupOnOneSideAndIsReproducible() {
        let c = Self.clips()
        let a = GroupSplit(clips: c, seed: 7), b = GroupSplit(clips: c, seed: 7), d = GroupSplit(clips: c, seed: 8)
        #expect(a.assignment == b.assignment)
        #expect(a.assignment != d.assignment, "another seed should deal groups differently")
        for (_, members) in Dictionary(grouping: c, by: \.group) {
            #expect(Set(members.map { a.side(of: $0) }).count == 1)
        }
        // every multi-group source appears on all three sides; the largest single-group source trains
        for s in 0..<4 {
            #expect(Set(c.filter { $0.source == "src\(s)" }.map { a.side(of: $0) }) == Set(Split.allCases))
        }
        #expect(a.side(of: c.first { $0.source == "bigforest" }!) == .train)
        #expect(a.report(c).contains("| gunshot | src0 |"))
    }

    /// `evaluate --seed` other than the model's `train.seed` (trainer QA D9): the warning counts the test clips that
    /// the model's own split put on its train or validation side; none for the same seed.
    @Test func aTestSplitOfAnotherSeedNamesTheClipsTheModelTrainedOn() throws {
        let c = Self.clips()
        #expect(GroupSplit.seedWarning(model: "m", trainedSeed: 7, seed: 7, test: c, corpus: c) == nil)
        let mine = GroupSplit(clips: c, seed: 8), theirs = GroupSplit(clips: c, seed: 7)
        let test = c.filter { mine.side(of: $0) == .test }
        let seen = test.filter { theirs.side(of: $0) != .test }
        try #require(!seen.isEmpty, "seeds 7 and 8 must deal some groups differently")
        let w = try #require(GroupSplit.seedWarning(model: "m.safetensors", trainedSeed: 7, seed: 8, test: test, corpus: c))
        #expect(w.hasPrefix("warning: m.safetensors was trained with --seed 7 (its train.seed), this is the test split of --seed 8: \(seen.count) of its \(test.count) clips (\(seen.filter { $0.label == "gunshot" }.count) gunshot)")
                && w.hasSuffix("so these figures include clips it trained on — give --seed 7 for held-out figures"), "\(w)")
    }

    @Test func mixingHitsTheRequestedSNR() {
        var rng = SeededRNG(seed: 3)
        // quiet enough that the limiter never engages, so the added noise can be measured exactly
        let shot = (0..<16000).map { i in i > 4000 && i < 6000 ? Float(rng.uniform(-0.05, 0.05)) : 0 }
        let noise = (0..<16000).map { _ in Float(rng.uniform(-0.01, 0.01)) }
        for snr in [20.0, 10, 0, -5, -10] {
            let mixed = Augment.mix(shot, noise: noise, snrDB: snr)
            let added = zip(mixed, shot).map { $0 - $1 }
            let measured = 10 * log10(Augment.loudestPower(shot) / Augment.meanPower(added))
            #expect(abs(measured - snr) < 0.01, "requested \(snr) dB, measured \(measured) dB")
        }
    }

    @Test func gainIsExactAndNeverClips() {
        let x: [Float] = [0.5, -0.25, 0.1]
        let q = Augment.gain(x, db: -20)
        #expect(zip(q, x).allSatisfy { abs($0 - $1 * 0.1) < 1e-6 })
        let loud = Augment.gain(x, db: 20)
        #expect(loud.map { abs($0) }.max()! <= 0.99 + 1e-6)
        #expect(abs(loud[1] / loud[0] - (-0.5)) < 1e-6, "limiting keeps the waveform's shape")
    }

    /// The evaluation's playback levels: below 0 dB a plain scale; above, an overdriven input clamps at full
    /// scale (the waveform's shape is NOT kept, unlike `gain`).
    @Test func playedAboveFullScaleClipsLikeAnOverdrivenInput() {
        let x: [Float] = [0.5, -0.25, 0.05]
        let quiet = Augment.played(x, gainDB: -20)
        #expect(zip(quiet, x).allSatisfy { abs($0 - $1 * 0.1) < 1e-6 })
        let loud = Augment.played(x, gainDB: 20)   // × 10: 5, −2.5, 0.5
        #expect(loud[0] == 1 && loud[1] == -1 && abs(loud[2] - 0.5) < 1e-6, "\(loud)")
        #expect(Evaluator.gainKey(20) == "+20" && Evaluator.gainKey(0) == "0" && Evaluator.gainKey(-10) == "-10")
        #expect(Evaluator.gains.contains(20) && Evaluator.gains.contains(40), "overdriven levels are evaluated")
    }

    @Test func lowpassAttenuatesHighFrequencies() {
        let hi = (0..<16000).map { Float(sin(2 * Double.pi * 6000 * Double($0) / 16000)) }
        let lo = (0..<16000).map { Float(sin(2 * Double.pi * 200 * Double($0) / 16000)) }
        let fh = Augment.lowpass(hi, cutoff: 1000), fl = Augment.lowpass(lo, cutoff: 1000)
        #expect(Augment.meanPower(Array(fh[1000...])) < 0.02 * Augment.meanPower(hi))
        #expect(Augment.meanPower(Array(fl[1000...])) > 0.9 * Augment.meanPower(lo))
    }

    @Test func peakIsFoundInsideGunshotWindows() throws {
        var x = [Float](repeating: 0.001, count: 40000)
        for i in 30000..<30400 { x[i] = 0.9 }
        let p = WindowSource.peakIndex(x)
        #expect(abs(p - 30200) < 300)
        let src = try WindowSource()
        var rng = SeededRNG(seed: 1)
        let clip = Clip(info: ClipInfo(file: "g", label: "gunshot", source: "s", group: "g", seconds: 2.5, licence: ""), samples: x)
        for _ in 0..<20 {
            let w = src.gunshotWindow(clip, peak: p, rng: &rng)
            #expect(w.count == src.length && w.contains { $0 > 0.5 }, "the shot must be inside every gunshot window")
        }
    }

    /// Where a window leaves its clip, the padding has the clip's own floor level (no silence→sound step).
    @Test func paddingMatchesTheClipsNoiseFloor() throws {
        var rng = SeededRNG(seed: 12)
        let floorRMS = 0.01
        var x = (0..<20000).map { _ in Float(rng.uniform(-1, 1) * floorRMS * 3.0.squareRoot()) }
        for i in 1000..<1400 { x[i] = 0.8 } // a shot 62 ms into the clip: its windows run past the start
        let src = try WindowSource()
        let w = src.cut(x, start: 1200 - src.length / 2, rng: &rng)
        let pad = Array(w[0..<(src.length / 2 - 1200)])
        let padRMS = Augment.meanPower(pad).squareRoot()
        #expect(abs(padRMS - floorRMS) < 0.15 * floorRMS, "padding RMS \(padRMS), clip floor \(floorRMS)")
        let silent = [Float](repeating: 0, count: 4000)
        #expect(abs(NoiseFloor.amplitude(silent) - 3e-5) < 1e-12, "a silent clip still gets a faint floor")
    }

    /// A short negative clip's sound lands anywhere in its training windows, not only at their start (where
    /// the old inside-the-clip rule always put a 0.4 s drum hit while shots sit anywhere); a long clip's
    /// windows are mostly inside it.
    @Test func negativeWindowsPutAShortClipsSoundAnywhere() throws {
        let src = try WindowSource()
        var rng = SeededRNG(seed: 5)
        var x = (0..<6400).map { _ in Float(rng.uniform(-0.001, 0.001)) }
        for i in 200..<400 { x[i] = 0.7 }                       // the hit, 12–25 ms into a 0.4 s clip
        let clip = Clip(info: ClipInfo(file: "negative/d__1.flac", label: "negative", source: "d", group: "d", seconds: 0.4, licence: "x"), samples: x)
        let positions = (0..<400).map { _ in Double(WindowSource.peakIndex(src.randomWindow(clip, rng: &rng))) / Double(src.length) }
        #expect(positions.filter { $0 < 0.2 }.count > 40 && positions.filter { $0 > 0.45 && $0 < 0.55 }.count > 20,
                "hit positions spread over the window: \(positions.prefix(20))")
        // a 4 s clip of positive samples: its floor padding (uniform ±0.17) shows as negative samples; about
        // length/2 ÷ 64000 ≈ 12 % of the windows start in it
        let long = Clip(info: clip.info, samples: (0..<64_000).map { _ in Float(rng.uniform(0.05, 0.15)) })
        let padded = (0..<400).filter { _ in src.randomWindow(long, rng: &rng).prefix(50).contains { $0 < 0 } }.count
        #expect(padded > 20 && padded < 90, "windows of a 4 s clip starting in padding: \(padded) of 400")
        let noise = (0..<400).filter { _ in src.noiseWindow(long, rng: &rng).prefix(50).contains { $0 < 0 } }.count
        #expect(noise == 0, "noise to inject stays inside its clip")
    }

    /// Validation and hard-negative scans see every part of a clip mid-window, short clips included.
    @Test func scanStartsCentreWindowsOverTheWholeClip() throws {
        let src = try WindowSource()
        #expect(src.scanStarts(count: 6400, hop: 8000) == [-src.length / 2])
        #expect(src.scanStarts(count: 1, hop: 8000) == [-src.length / 2])
        let starts = src.scanStarts(count: 64_000, hop: 8000)
        #expect(starts.first == -src.length / 2 && starts.count == 8)
        let centres = starts.map { $0 + src.length / 2 }
        #expect(centres.last! <= 63_999 && centres.last! + 8000 > 63_999)
    }

    /// Reverberation keeps the direct path at its level and adds the room's reflections after it: an impulse
    /// comes out as the room response from its strongest tap on, divided by that tap.
    @Test func reverbOfAnImpulseIsTheNormalisedRoomResponse() throws {
        var rng = SeededRNG(seed: 3)
        var rir = (0..<3000).map { i in Float(rng.uniform(-1, 1) * exp(-Double(i) / 400)) * 0.1 }
        rir[40] = -0.5 // the direct path, after 40 samples of pre-delay
        var x = [Float](repeating: 0, count: 15_680)
        x[100] = 0.5
        let src = try WindowSource()
        let y = Augment.reverb(x, rir: rir, convolver: src.convolver)
        #expect(y.count == x.count)
        var worst: Float = 0
        for i in 0..<x.count {
            let k = i - 100
            let want: Float = (k >= 0 && k < Augment.reverbTaps) ? 0.5 * rir[40 + k] / 0.5 : 0
            worst = max(worst, abs(y[i] - want))
        }
        #expect(worst < 1e-5, "max |reverb − normalised response| = \(worst)")
        #expect(abs(y[100] + 0.5) < 1e-5, "the direct path keeps its level (and sign)")
    }
}
