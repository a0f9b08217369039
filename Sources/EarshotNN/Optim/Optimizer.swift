import Foundation

/// Updates trainable parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    func step(_ parameters: [Parameter])
}

/// SGD with (heavy-ball) momentum and L2 weight decay added to the gradient.
/// v ← μ·v + (g + λ·θ);  θ ← θ − η·v.  ref: Sutskever et al. 2013; PyTorch torch.optim.SGD docs.
public final class SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    private var velocity: [ObjectIdentifier: [Float]] = [:]

    public init(learningRate: Float = 0.01, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.learningRate = learningRate; self.momentum = momentum; self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        for p in parameters where p.trainable {
            let id = ObjectIdentifier(p)
            if velocity[id] == nil { velocity[id] = [Float](repeating: 0, count: p.value.count) } // first step only
            let (mu, wd, lr) = (momentum, weightDecay, learningRate)
            // in place (no copy-on-write of the state arrays): no allocation per step
            velocity[id]!.withUnsafeMutableBufferPointer { v in
                p.value.withUnsafeMutableBufferPointer { th in
                    p.grad.withUnsafeBufferPointer { g in
                        for i in 0..<v.count {
                            v[i] = mu * v[i] + g[i] + wd * th[i]
                            th[i] -= lr * v[i]
                        }
                    }
                }
            }
        }
    }
}

/// AdamW: Adam with decoupled weight decay.
/// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1ᵗ);  v̂ = v/(1−β2ᵗ);
/// θ ← θ − η·(m̂/(√v̂ + ε) + λ·θ).  ref: Loshchilov & Hutter 2019, Algorithm 2; Kingma & Ba 2015.
public final class AdamW: Optimizer {
    public var learningRate: Float
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    private var t = 0
    private var m: [ObjectIdentifier: [Float]] = [:]
    private var v: [ObjectIdentifier: [Float]] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-7, weightDecay: Float = 1e-4) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        t += 1
        let c1 = 1 - Float(pow(Double(beta1), Double(t))), c2 = 1 - Float(pow(Double(beta2), Double(t)))
        for p in parameters where p.trainable {
            let id = ObjectIdentifier(p)
            if m[id] == nil { // first step only
                m[id] = [Float](repeating: 0, count: p.value.count)
                v[id] = [Float](repeating: 0, count: p.value.count)
            }
            let (b1, b2, e, wd, lr) = (beta1, beta2, eps, weightDecay, learningRate)
            // in place (no copy-on-write of the moment arrays): no allocation per step
            m[id]!.withUnsafeMutableBufferPointer { mm in
                v[id]!.withUnsafeMutableBufferPointer { vv in
                    p.value.withUnsafeMutableBufferPointer { th in
                        p.grad.withUnsafeBufferPointer { gr in
                            for i in 0..<mm.count {
                                let g = gr[i]
                                mm[i] = b1 * mm[i] + (1 - b1) * g
                                vv[i] = b2 * vv[i] + (1 - b2) * g * g
                                let mh = mm[i] / c1, vh = vv[i] / c2
                                th[i] -= lr * (mh / (vh.squareRoot() + e) + wd * th[i])
                            }
                        }
                    }
                }
            }
        }
    }
}
