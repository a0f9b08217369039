import Foundation

/// Softmax and mean softmax cross-entropy ON LOGITS (never on probabilities — the seed paper's mistake).
/// loss = Σ_n w_n · (−log softmax(z_n)[y_n]) / N;   dz_n = w_n · (softmax(z_n) − onehot(y_n)) / N.
/// Computed with the log-sum-exp shift for stability. ref: Goodfellow, Bengio, Courville, "Deep Learning" §6.2.2.3.
public enum SoftmaxCrossEntropy {
    /// probs (N, K) = softmax(logits (N, K)) row-wise.
    public static func softmax(_ z: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>, n: Int, k: Int) {
        for s in 0..<n {
            let zr = z + s * k, pr = p + s * k
            var m = -Float.infinity
            for j in 0..<k { m = max(m, zr[j]) }
            var sum: Float = 0
            for j in 0..<k { pr[j] = expf(zr[j] - m); sum += pr[j] }
            for j in 0..<k { pr[j] /= sum }
        }
    }

    /// Forward and backward in one pass. logits, dlogits: (N, K); labels: (N); weights: (N) or nil (all 1).
    /// - Returns: the mean loss.
    public static func lossAndGradient(logits z: UnsafePointer<Float>, labels: UnsafePointer<Int32>, weights: UnsafePointer<Float>?,
                                       dlogits: UnsafeMutablePointer<Float>, n: Int, k: Int) -> Float {
        softmax(z, dlogits, n: n, k: k)
        var loss = 0.0
        let invN = 1 / Float(n)
        for s in 0..<n {
            let y = Int(labels[s])
            precondition(y >= 0 && y < k, "label \(y) out of range 0..<\(k)")
            let w = weights?[s] ?? 1
            let pr = dlogits + s * k
            loss += Double(w) * -log(max(Double(pr[y]), 1e-30))
            pr[y] -= 1
            for j in 0..<k { pr[j] *= w * invN }
        }
        return Float(loss / Double(n))
    }
}
