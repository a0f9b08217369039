// Umbrella header for alsa-lib (libasound2-dev). The corresponding C API is <alsa/asoundlib.h>.
#pragma once
#include <alsa/asoundlib.h>
#include <stdarg.h>
#include <stdio.h>

// alsa-lib's error handler (`snd_lib_error_handler_t`) is C-variadic, which Swift cannot define. Swift gives
// `earshot_alsa_set_error_sink` a plain function instead, and the handler installed here formats each message
// and hands it over. Both are `static` and keep their pointer in one function-local `static`: a file that
// installs a sink gets the handler and the pointer it reads in one piece.

/// One alsa-lib error message, formatted: the source file, line and function in alsa-lib that reported it, its
/// errno (0 if none) and the text ("cannot find card '0'").
typedef void (*earshot_alsa_error_sink)(const char *file, int line, const char *function, int err, const char *message);

static earshot_alsa_error_sink *earshot_alsa_error_sink_slot(void) {
    static earshot_alsa_error_sink sink = NULL;
    return &sink;
}

/// The variadic `snd_lib_error_handler_t` that formats the message (vsnprintf, cut at 1023 bytes) for the sink.
static void earshot_alsa_error_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    earshot_alsa_error_sink sink = *earshot_alsa_error_sink_slot();
    if (sink) sink(file, line, function, err, message);
}

/// Sends alsa-lib's error messages to `sink` instead of stderr; NULL restores alsa-lib's own handler (stderr).
/// Wraps `snd_lib_error_set_handler`; returns its result (0).
static int earshot_alsa_set_error_sink(earshot_alsa_error_sink sink) {
    *earshot_alsa_error_sink_slot() = sink;
    return snd_lib_error_set_handler(sink ? earshot_alsa_error_handler : NULL);
}
