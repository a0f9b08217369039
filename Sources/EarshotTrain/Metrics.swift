import Foundation

/// Binary classification metrics from scores and labels.
public struct BinaryMetrics: Codable, Sendable {
    public var tp = 0, fp = 0, tn = 0, fn = 0
    public var accuracy: Double { Double(tp + tn) / Double(max(1, tp + fp + tn + fn)) }
    /// nil when nothing was detected (TP + FP = 0): the share of detections that were right is undefined,
    /// not 1 — a threshold no clip reaches has no precision.
    public var precision: Double? { tp + fp == 0 ? nil : Double(tp) / Double(tp + fp) }
    public var recall: Double { tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn) }
    /// 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall where both are defined; 0 when
    /// no shot was found (and when there is nothing at all to count).
    public var f1: Double { tp == 0 ? 0 : 2 * Double(tp) / Double(2 * tp + fp + fn) }
    public var falsePositiveRate: Double { fp + tn == 0 ? 0 : Double(fp) / Double(fp + tn) }

    public init() {}

    /// Counts at `threshold` (positive when score ≥ threshold).
    public init(scores: [Float], labels: [Bool], threshold: Float) {
        for (s, y) in zip(scores, labels) {
            switch (s >= threshold, y) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
    }
}

public enum ROC {
    /// (false-positive rate, true-positive rate) points, from the highest threshold down.
    public static func curve(scores: [Float], labels: [Bool]) -> [(fpr: Double, tpr: Double)] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let p = Double(labels.filter { $0 }.count), n = Double(labels.count) - p
        guard p > 0, n > 0 else { return [] }
        var tp = 0.0, fp = 0.0
        var pts: [(Double, Double)] = [(0, 0)]
        var i = 0
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if labels[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            pts.append((fp / n, tp / p))
        }
        return pts
    }

    /// Area under the ROC curve (trapezoids; ties handled by grouping). ref: Fawcett 2006, "An introduction to ROC analysis", Alg. 2.
    public static func auc(scores: [Float], labels: [Bool]) -> Double {
        let c = curve(scores: scores, labels: labels)
        guard c.count > 1 else { return .nan }
        var a = 0.0
        for (p, q) in zip(c, c.dropFirst()) { a += (q.fpr - p.fpr) * (q.tpr + p.tpr) / 2 }
        return a
    }

    /// Recall of positives at the lowest threshold whose false-positive rate is ≤ `fpr`.
    public static func recall(atFPR fpr: Double, scores: [Float], labels: [Bool]) -> Double {
        curve(scores: scores, labels: labels).filter { $0.fpr <= fpr }.map(\.tpr).max() ?? 0
    }
}
