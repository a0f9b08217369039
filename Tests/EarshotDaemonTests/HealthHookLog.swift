import Foundation

/// A health hook for the daemon tests: each notice appended to a file — its `EARSHOT_` environment, sorted, then
/// what came on stdin — and ended with "--", so a notice is read only once it is whole.
struct HealthHookLog {
    /// The script, for `health_hook: path:`.
    let hook: String
    let file: URL

    init(dir: URL) throws {
        file = dir.appendingPathComponent("health.txt")
        hook = try HookFixture.script(dir, "health.sh", "{ env | grep '^EARSHOT_' | sort; cat; echo --; } >> '\(file.path)'")
    }

    /// The notices written whole, oldest first.
    var notices: [String] { Array(((try? String(contentsOf: file, encoding: .utf8)) ?? "").components(separatedBy: "--\n").dropLast()) }
}

/// Polls `ok` every 50 ms until it holds or `timeout` seconds have passed; whether it holds at the end.
func waitUntil(timeout: Double = 15, _ ok: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !ok() && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    return ok()
}
