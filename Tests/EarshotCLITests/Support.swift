// Every file of this test target sees the shared test helpers (TestPaths) without importing them.
@_exported import EarshotTestSupport

import Foundation

/// The JSON objects of `--json` output, one per line (lines that are not JSON objects are skipped).
func jsonLines(_ s: String) -> [[String: Any]] {
    s.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}
