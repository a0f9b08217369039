import Foundation
import EarshotDetect

/// The `--json` records, keys in a fixed order.
enum JSONLine {
    static func quote(_ s: String) -> String {
        var o = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "\r": o += "\\r"
            case "\t": o += "\\t"
            default: o += u.value < 0x20 ? String(format: "\\u%04x", u.value) : String(u)
            }
        }
        return o + "\""
    }

    /// `x` with 3 decimals; null when it is not finite (JSON has no infinity or NaN).
    static func num(_ x: Double) -> String { number(x, 3) }

    /// `x` with `decimals` decimals; null when it is not finite (JSON has no infinity).
    static func number(_ x: Double, _ decimals: Int) -> String { x.isFinite ? String(format: "%.\(decimals)f", x) : "null" }

    /// `x` as Swift writes it (the shortest form that reads back as the same Float: a threshold to copy into a
    /// config); null when it is not finite.
    static func number(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }

    /// `{"k1":v1,…}` with the values already in JSON form, keys in the given order.
    static func object(_ pairs: KeyValuePairs<String, String>) -> String {
        "{" + pairs.map { "\(quote($0.key)):\($0.value)" }.joined(separator: ",") + "}"
    }

    static func event(file: String, _ e: DetectionEvent) -> String {
        "{\"type\":\"event\",\"file\":\(quote(file)),\"start\":\(num(e.start)),\"end\":\(num(e.end)),\"score\":\(num(Double(e.peakScore)))}"
    }

    /// A gunshot event the cooldown held back (earshotd journals it and pages nobody): `"type":"heard"`.
    static func heard(file: String, _ e: DetectionEvent) -> String {
        "{\"type\":\"heard\",\"file\":\(quote(file)),\"start\":\(num(e.start)),\"end\":\(num(e.end)),\"score\":\(num(Double(e.peakScore)))}"
    }

    static func file(file: String, _ r: FileResult) -> String {
        "{\"type\":\"file\",\"file\":\(quote(file)),\"duration\":\(num(r.duration)),\"max_score\":\(num(Double(r.maxScore))),\"events\":\(r.events.count),\"heard\":\(r.heard.count)}"
    }

    static func error(file: String, _ message: String) -> String {
        "{\"type\":\"error\",\"file\":\(quote(file)),\"error\":\(quote(message))}"
    }
}
