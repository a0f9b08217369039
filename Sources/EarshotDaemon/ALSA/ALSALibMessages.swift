import CALSA
import Logging
import Synchronization

/// alsa-lib's own error messages ("ALSA lib confmisc.c:855:(parse_card) cannot find card '0'" … "Unknown PCM
/// default"), which alsa-lib writes to stderr — under systemd, the journal. While a microphone is unplugged every
/// retry of earshotd's capture added 8–10 of them (≈ 23,000 a day) beside earshotd's own single "capture device
/// unavailable, retrying", which says the same with its fix. earshotd sends them to its logger at debug level:
/// kept for `log_level: debug`, out of the journal at the default level. The CLI's `earshot devices` drops them
/// (each device's open result is its own line there).
public enum ALSALibMessages {
    /// Where the messages go: a logger, or nowhere (nil while `drop()` is in force).
    private static let logger = Mutex<Logger?>(nil)

    /// Sends every alsa-lib error message, from now on and from any thread, to `logger` at debug level, formatted
    /// as alsa-lib's own handler does ("ALSA lib FILE:LINE:(FUNCTION) MESSAGE[: strerror]").
    /// The corresponding C function is `snd_lib_error_set_handler` (through the shim's
    /// `earshot_alsa_set_error_sink`: the handler type is C-variadic).
    public static func route(to logger: Logger) {
        self.logger.withLock { $0 = logger }
        earshot_alsa_set_error_sink { file, line, function, err, message in ALSALibMessages.deliver(file, line, function, err, message) }
    }

    /// Drops alsa-lib's error messages. The corresponding C function is `snd_lib_error_set_handler`.
    public static func drop() {
        logger.withLock { $0 = nil }
        earshot_alsa_set_error_sink { _, _, _, _, _ in }
    }

    /// Back to alsa-lib's own handler, which writes to stderr. The corresponding C function is
    /// `snd_lib_error_set_handler` (with NULL).
    public static func restore() {
        earshot_alsa_set_error_sink(nil)
        logger.withLock { $0 = nil }
    }

    /// The line alsa-lib's default handler would print, without its newline.
    static func line(file: String, line: Int32, function: String, err: Int32, message: String) -> String {
        "ALSA lib \(file):\(line):(\(function)) \(message)" + (err != 0 ? ": \(String(cString: snd_strerror(err)))" : "")
    }

    private static func deliver(_ file: UnsafePointer<CChar>?, _ line: Int32, _ function: UnsafePointer<CChar>?, _ err: Int32, _ message: UnsafePointer<CChar>?) {
        guard let logger = logger.withLock({ $0 }) else { return }
        let text = Self.line(file: file.map { String(cString: $0) } ?? "?", line: line, function: function.map { String(cString: $0) } ?? "?",
                             err: err, message: message.map { String(cString: $0) } ?? "")
        logger.debug("\(text)")
    }
}
