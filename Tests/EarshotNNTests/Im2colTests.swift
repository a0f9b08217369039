import Testing
@testable import EarshotNN

/// Conv2D's im2col and col2im (one contiguous copy or add per row, wrapped columns zeroed) against their
/// definitions written element by element, bit for bit — on shapes where the shift clips at every edge:
/// images narrower or shorter than the kernel, k = 1, 3 and 5, and the reference CNN's second layer.
@Suite struct Im2colTests {
    static let shapes: [(c: Int, h: Int, w: Int, k: Int)] = [
        (1, 1, 1, 3), (2, 1, 5, 3), (2, 5, 1, 3), (3, 4, 6, 3), (2, 3, 2, 5), (1, 6, 7, 5), (1, 2, 2, 5),
        (2, 4, 4, 1), (16, 32, 48, 3),
    ]

    /// col[(ci, ky, kx), (oy, ox)] = x[ci, oy + ky − p, ox + kx − p], 0 outside the image.
    static func im2colDefinition(_ x: [Float], c: Int, h: Int, w: Int, k: Int) -> [Float] {
        let p = k / 2
        var col = [Float](repeating: .nan, count: c * k * k * h * w)
        for ci in 0..<c { for ky in 0..<k { for kx in 0..<k { for oy in 0..<h { for ox in 0..<w {
            let (iy, ix) = (oy + ky - p, ox + kx - p)
            let v: Float = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(ci * h + iy) * w + ix] : 0
            col[(((ci * k + ky) * k + kx) * h + oy) * w + ox] = v
        } } } } }
        return col
    }

    /// dx[ci, iy, ix] = Σ over the (ky, kx) that read it, in that loop order, of dcol[(ci, ky, kx), (oy, ox)].
    static func col2imDefinition(_ col: [Float], c: Int, h: Int, w: Int, k: Int) -> [Float] {
        let p = k / 2
        var dx = [Float](repeating: 0, count: c * h * w)
        for ci in 0..<c { for ky in 0..<k { for kx in 0..<k { for oy in 0..<h { for ox in 0..<w {
            let (iy, ix) = (oy + ky - p, ox + kx - p)
            if iy >= 0 && iy < h && ix >= 0 && ix < w {
                dx[(ci * h + iy) * w + ix] += col[(((ci * k + ky) * k + kx) * h + oy) * w + ox]
            }
        } } } } }
        return dx
    }

    @Test func im2colMatchesItsDefinitionBitForBit() {
        for (i, s) in Self.shapes.enumerated() {
            let x = KernelTests.random(s.c * s.h * s.w, seed: UInt64(40 + i))
            var col = [Float](repeating: .nan, count: s.c * s.k * s.k * s.h * s.w) // every entry must be written
            x.withUnsafeBufferPointer { xb in col.withUnsafeMutableBufferPointer {
                Conv2D.im2col(xb.baseAddress!, $0.baseAddress!, c: s.c, h: s.h, w: s.w, k: s.k)
            } }
            let want = Self.im2colDefinition(x, c: s.c, h: s.h, w: s.w, k: s.k)
            let bad = col.indices.first { col[$0].bitPattern != want[$0].bitPattern }
            #expect(bad == nil, "\(s): entry \(bad ?? 0) is \(col[bad ?? 0]), want \(want[bad ?? 0])")
        }
    }

    @Test func col2imMatchesItsDefinitionBitForBit() {
        for (i, s) in Self.shapes.enumerated() {
            // nonzero everywhere, the entries that fall outside the image included: they must not be added
            var col = KernelTests.random(s.c * s.k * s.k * s.h * s.w, seed: UInt64(60 + i)).map { $0 + 3 }
            let want = Self.col2imDefinition(col, c: s.c, h: s.h, w: s.w, k: s.k)
            var dx = [Float](repeating: .nan, count: s.c * s.h * s.w)
            col.withUnsafeMutableBufferPointer { cb in dx.withUnsafeMutableBufferPointer {
                Conv2D.col2im(cb.baseAddress!, $0.baseAddress!, c: s.c, h: s.h, w: s.w, k: s.k)
            } }
            let bad = dx.indices.first { dx[$0].bitPattern != want[$0].bitPattern }
            #expect(bad == nil, "\(s): entry \(bad ?? 0) is \(dx[bad ?? 0]), want \(want[bad ?? 0])")
        }
    }
}
