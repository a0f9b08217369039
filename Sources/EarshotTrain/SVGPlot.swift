import Foundation

/// Minimal line-chart SVG writer (no dependencies): axes, ticks, labelled series, legend.
public struct SVGPlot {
    public struct Series { public var name: String; public var points: [(Double, Double)] }
    public var title: String
    public var xLabel: String, yLabel: String
    public var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    public var series: [Series] = []
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    public init(title: String, xLabel: String, yLabel: String, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.xRange = xRange; self.yRange = yRange
    }

    public func render(width: Double = 640, height: Double = 420) -> String {
        let l = 60.0, r = 170.0, t = 40.0, b = 50.0
        let pw = width - l - r, ph = height - t - b
        func px(_ x: Double) -> Double { l + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * pw }
        func py(_ y: Double) -> Double { t + ph - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * ph }
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(esc(title))</text>\n"
        s += "<rect x=\"\(l)\" y=\"\(t)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#333\"/>\n"
        for i in 0...5 {
            let fx = xRange.lowerBound + Double(i) / 5 * (xRange.upperBound - xRange.lowerBound)
            let fy = yRange.lowerBound + Double(i) / 5 * (yRange.upperBound - yRange.lowerBound)
            s += "<line x1=\"\(px(fx))\" y1=\"\(t)\" x2=\"\(px(fx))\" y2=\"\(t + ph)\" stroke=\"#eee\"/>"
            s += "<line x1=\"\(l)\" y1=\"\(py(fy))\" x2=\"\(l + pw)\" y2=\"\(py(fy))\" stroke=\"#eee\"/>\n"
            s += "<text x=\"\(px(fx))\" y=\"\(t + ph + 16)\" text-anchor=\"middle\">\(String(format: "%g", (fx * 100).rounded() / 100))</text>"
            s += "<text x=\"\(l - 6)\" y=\"\(py(fy) + 4)\" text-anchor=\"end\">\(String(format: "%g", (fy * 100).rounded() / 100))</text>\n"
        }
        s += "<text x=\"\(l + pw / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        s += "<text x=\"16\" y=\"\(t + ph / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(t + ph / 2))\">\(esc(yLabel))</text>\n"
        for (i, ser) in series.enumerated() {
            let c = Self.colors[i % Self.colors.count]
            let pts = ser.points.map { String(format: "%.1f,%.1f", px(min(max($0.0, xRange.lowerBound), xRange.upperBound)), py(min(max($0.1, yRange.lowerBound), yRange.upperBound))) }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" points=\"\(pts)\"/>\n"
            if ser.points.count < 20 { for p in ser.points { s += "<circle cx=\"\(px(p.0))\" cy=\"\(py(p.1))\" r=\"3\" fill=\"\(c)\"/>" } }
            s += "<rect x=\"\(l + pw + 12)\" y=\"\(t + 8 + Double(i) * 20)\" width=\"14\" height=\"4\" fill=\"\(c)\"/>"
            s += "<text x=\"\(l + pw + 32)\" y=\"\(t + 13 + Double(i) * 20)\">\(esc(ser.name))</text>\n"
        }
        return s + "</svg>\n"
    }
}
